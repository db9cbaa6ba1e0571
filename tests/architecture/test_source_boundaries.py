"""Contexts meet only at `public.py`, and a relation into another context is an id, not a
window (docs/architecture.md, "Boundaries"): checked on the source of every context."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from tests.architecture.source_rules import (
    Source,
    cross_context_relations,
    import_violations,
    relation_read_violations,
    source_files,
)

ROOT = Path(__file__).resolve().parents[2]

# Known violations, each with its reason; the list only shrinks (a fixed one must be removed).
BASELINE = {
    ("apps/lms/management/commands/seed_demo_courses.py", "calls get_user_model()"): (
        "acts as the demo instructor: lms's services take the principal object, which "
        "accounts.public does not hand out (no model instances cross the boundary)"
    ),
}


def _unexpected(found: list[str]) -> list[str]:
    return [v for v in found if not any(_matches(v, key) for key in BASELINE)]


def _matches(violation: str, key: tuple[str, str]) -> bool:
    path, what = key
    return violation.startswith(f"{path}:") and what in violation


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    found = source_files(ROOT)
    assert any(s.path == "apps/lms/gradebook/selectors.py" for s in found), "scanned nothing"
    return found


@pytest.fixture(scope="module")
def relations() -> dict[str, set[str]]:
    return cross_context_relations(apps.get_models())


def test_contexts_import_each_other_only_through_public(sources):
    assert _unexpected(import_violations(sources)) == []


def test_nothing_reads_another_context_through_a_relation(sources, relations):
    assert _unexpected(relation_read_violations(sources, relations)) == []


def test_the_baseline_only_shrinks(sources, relations):
    found = import_violations(sources) + relation_read_violations(sources, relations)
    stale = [key for key in BASELINE if not any(_matches(v, key) for v in found)]
    assert stale == [], "fixed: remove these from BASELINE"


def test_the_user_foreign_keys_are_known(relations):
    """The relation check has something to look for: lms's user FKs and the instructors M2M."""
    assert {"user", "instructors"} <= relations["lms"]
    assert "accounts" not in relations  # accounts' own user model; auth.Group is framework


# --- each rule can fail -------------------------------------------------------------------------
def _lms(text: str, name: str = "bad.py") -> list[Source]:
    return [Source(path=f"apps/lms/{name}", text=text)]


@pytest.mark.parametrize(
    "text",
    [
        "from apps.accounts.models import User\n",
        "from apps.accounts import models\n",
        "import apps.accounts.selectors\n",
        "import apps.accounts\n",
        "from apps.gigs.services.escrow import release\n",
    ],
)
def test_an_import_of_anything_but_public_fails(text):
    [violation] = import_violations(_lms(text))
    assert violation.startswith("apps/lms/bad.py:1: imports apps.")


@pytest.mark.parametrize(
    "text",
    [
        "from apps.accounts import public\n",
        "from apps.accounts.public import UserSummary\n",
        "import apps.accounts.public\n",
        "from apps.lms.models import Course\n",  # its own context
        "from . import selectors\n",
        "from django.conf import settings\n",
    ],
)
def test_public_and_own_imports_pass(text):
    assert import_violations(_lms(text)) == []


def test_get_user_model_outside_accounts_fails():
    text = "from django.contrib.auth import get_user_model\nUser = get_user_model()\n"
    assert import_violations(_lms(text)) == [
        "apps/lms/bad.py:2: calls get_user_model() (ask apps.accounts.public instead)"
    ]
    assert import_violations([Source(path="apps/accounts/selectors.py", text=text)]) == []


LMS_RELATIONS = {"lms": {"user", "instructors"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = enrollment.user.display_name\n", "reads .display_name through `user`"),
        ("ok = request.user.is_staff\n", "reads .is_staff through `user`"),
        ("ok = user.role in ROLES\n", "reads .role through `user`"),
        ("ok = getattr(user, 'role', None)\n", "getattr reads 'role'"),
        ("q = Enrollment.objects.filter(user__email=e)\n", "lookup user__email="),
        ("q = Q(enrollment__user__display_name__icontains=t)\n", "lookup enrollment__user__"),
        ("q = qs.order_by('user__display_name')\n", "lookup 'user__display_name'"),
        ("q = qs.annotate(name=F('user__display_name'))\n", "lookup 'user__display_name'"),
        ("q = qs.select_related('user')\n", "select_related('user')"),
        ("q = qs.prefetch_related('enrollment__user')\n", "prefetch_related('enrollment__user')"),
        ("names = course.instructors.values_list('email')\n", "through `instructors`"),
        ("q = Course.objects.filter(instructors__email=e)\n", "lookup instructors__email="),
    ],
)
def test_reading_through_a_cross_context_relation_fails(text, expected):
    found = relation_read_violations(_lms(text), LMS_RELATIONS)
    assert found, text
    assert expected in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "uid = enrollment.user.pk\n",
        "uid = enrollment.user_id\n",
        "ok = request.user.is_authenticated\n",
        "q = Enrollment.objects.filter(user=request.user, user__in=ids, user__isnull=False)\n",
        "q = Enrollment.objects.filter(user__id=1)\n",
        "q = qs.values_list('user_id', flat=True)\n",
        "q = Count('attempts__user', distinct=True)\n",  # counts ids
        "q = qs.order_by('learner__display_name')\n",  # lms's own copy
        "q = qs.select_related('course')\n",
        '"""Never `user__email`: a docstring may say so."""\n',
    ],
)
def test_ids_and_own_relations_pass(text):
    assert relation_read_violations(_lms(text), LMS_RELATIONS) == []


def test_another_context_reading_its_own_models_passes():
    text = "name = profile.user.display_name\n"
    assert relation_read_violations([Source("apps/accounts/x.py", text)], LMS_RELATIONS) == []


@isolate_apps("apps.lms", "apps.gigs")
def test_relations_to_any_other_context_are_found():
    class Course(models.Model):
        class Meta:
            app_label = "lms"

    class Gig(models.Model):
        course = models.ForeignKey(Course, on_delete=models.CASCADE)
        parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)

        class Meta:
            app_label = "gigs"

    assert cross_context_relations([Course, Gig]) == {"gigs": {"course"}}
    found = relation_read_violations(
        [Source("apps/gigs/x.py", "title = gig.course.title\n")], {"gigs": {"course"}}
    )
    assert found == ["apps/gigs/x.py:1: reads .title through `course` (another context)"]
