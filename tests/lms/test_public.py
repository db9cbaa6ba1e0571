"""lms's public surface: frozen summaries, never model instances, drafts never shown."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db import models

from apps.lms import public
from apps.lms.certificates.services import issue_certificate, revoke_certificate
from tests.lms.conftest import BuiltCourse, build_course

pytestmark = pytest.mark.django_db


def test_course_summaries_by_id_skip_drafts_and_unknown_ids(
    built: BuiltCourse, instructor: Any, django_assert_num_queries: Any
) -> None:
    draft = build_course(instructor, slug="draft-course", publish=False)
    with django_assert_num_queries(1):
        found = public.get_courses([built.course.pk, draft.course.pk, 999_999])
    assert list(found) == [built.course.pk]
    summary = found[built.course.pk]
    assert (summary.slug, summary.title, summary.skills) == (
        "python-basics",
        "Python Basics",
        ("python", "testing"),
    )
    assert public.get_courses([draft.course.pk], published_only=False)[draft.course.pk].status == (
        "draft"
    )
    assert public.get_courses([]) == {}


def test_certificates_by_code_and_by_user(
    built: BuiltCourse, learner: Any, instructor: Any
) -> None:
    certificate, _ = issue_certificate(user_id=learner.pk, course_id=built.course.pk)

    found = public.certificate_by_code(certificate.verify_code)
    assert found is not None
    assert (found.user_id, found.course_id, found.revoked) == (learner.pk, built.course.pk, False)
    assert found.skills == ("python", "testing")
    assert public.certificate_by_code("no-such-code") is None
    assert [c.id for c in public.certificates_of(learner.pk)] == [certificate.pk]

    revoke_certificate(certificate=certificate, by=instructor, reason="test")
    revoked = public.certificate_by_code(certificate.verify_code)
    assert revoked is not None and revoked.revoked


def test_summaries_are_frozen_and_hold_no_model_instances(built: BuiltCourse) -> None:
    summary = public.get_courses([built.course.pk])[built.course.pk]
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.title = "changed"  # type: ignore[misc]
    assert not any(
        isinstance(getattr(summary, f.name), models.Model) for f in dataclasses.fields(summary)
    )
