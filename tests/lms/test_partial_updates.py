"""Edits write only what changed (gigsy.updates.model_update): a stale copy of a row never
undoes someone else's change, and a field nobody may edit is refused by name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import services as accounts
from apps.lms.models import Course, CourseStatus, Module
from apps.lms.services import authoring, quiz_authoring
from tests.lms.conftest import build_course

pytestmark = pytest.mark.django_db


def _updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_editing_a_stale_copy_keeps_a_concurrent_publish(instructor):
    draft = build_course(instructor, slug="stale", publish=False).course
    stale = Course.objects.get(pk=draft.pk)  # loaded before the publish
    authoring.publish_course(course=draft, user=instructor)

    edited = authoring.update_course(course=stale, user=instructor, title="Fresh Title")

    row = Course.objects.get(pk=draft.pk)
    assert (row.title, row.status) == ("Fresh Title", CourseStatus.PUBLISHED)
    assert edited.status == CourseStatus.PUBLISHED


def test_a_course_edit_writes_the_changed_columns_and_the_stamp(instructor):
    course = build_course(instructor, slug="cols").course
    before = Course.objects.get(pk=course.pk).updated_at

    with CaptureQueriesContext(connection) as queries:
        authoring.update_course(course=course, user=instructor, title="New", summary="Learn Python")

    [update] = [sql for sql in _updates(queries) if '"lms"."course"' in sql]
    assert '"title"' in update and '"updated_at"' in update
    assert '"summary"' not in update  # unchanged: not written
    assert Course.objects.get(pk=course.pk).updated_at > before


def test_an_edit_that_changes_nothing_writes_nothing(instructor):
    module = Module.objects.get(course=build_course(instructor, slug="same").course)

    with CaptureQueriesContext(connection) as queries:
        authoring.update_module(module=module, user=instructor, title=module.title)

    assert _updates(queries) == []


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c, u: authoring.update_course(course=c, user=u, status="published"), "status"),
        (
            lambda c, u: authoring.update_module(module=c.modules.get(), user=u, course=None),
            "course",
        ),
        (
            lambda c, u: authoring.update_lesson(
                lesson=c.modules.get().lessons.first(), user=u, module_id=1
            ),
            "module_id",
        ),
        (
            lambda c, u: quiz_authoring.update_question(
                question=c.banks.get().questions.first(), user=u, bank_id=1
            ),
            "bank_id",
        ),
        (
            lambda c, u: quiz_authoring.update_quiz(quiz=c.quizzes.get(), user=u, course=None),
            "course",
        ),
    ],
    ids=["course", "module", "lesson", "question", "quiz"],
)
def test_a_field_nobody_may_edit_is_refused_by_name(instructor, edit, field):
    course = build_course(instructor, slug="locked").course

    with pytest.raises(ValidationError) as refused:
        edit(course, instructor)

    assert refused.value.message_dict == {field: ["This field cannot be changed here."]}


def test_a_profile_edit_refuses_the_role_and_writes_nothing_when_unchanged(learner):
    with pytest.raises(ValidationError) as refused:
        accounts.update_profile(user=learner, role="instructor")
    assert refused.value.message_dict == {"role": ["This field cannot be changed here."]}

    with CaptureQueriesContext(connection) as queries:
        accounts.update_profile(user=learner, display_name=learner.display_name)
    assert _updates(queries) == []
