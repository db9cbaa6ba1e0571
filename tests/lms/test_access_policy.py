"""One access policy for every lms object endpoint, walked with every kind of caller.

- A draft course and everything in it (modules, lessons, banks, questions, quizzes, its
  gradebook and instructors) is 404 to anyone who does not teach it, whatever the method:
  an outsider cannot even learn that it exists. Anonymous callers get 401 or 404, never more.
- Operators see drafts.
- A published course's authoring endpoints answer 403 to signed-in people who can see the
  course but do not teach it, and 401 to anonymous callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.lms.conftest import BuiltCourse, build_course, client_for

Endpoint = tuple[str, str, dict[str, Any] | None]


def object_endpoints(built: BuiltCourse, instructor_id: int) -> list[Endpoint]:
    """Every lms endpoint that names a course or something inside it."""
    slug = built.course.slug
    module_id = built.lessons[0].module_id
    lesson_id = built.lessons[0].pk
    bank_id = built.quiz.bank_id
    question_id = built.question_ids["single"]
    quiz_id = built.quiz.pk
    return [
        ("get", f"courses/{slug}", None),
        ("patch", f"courses/{slug}", {"title": "Renamed"}),
        ("delete", f"courses/{slug}", None),
        ("post", f"courses/{slug}/publish", None),
        ("post", f"courses/{slug}/archive", None),
        ("get", f"courses/{slug}/instructors", None),
        ("post", f"courses/{slug}/instructors", {"email": "someone@example.com"}),
        ("delete", f"courses/{slug}/instructors/{instructor_id}", None),
        ("post", f"courses/{slug}/modules", {"title": "More"}),
        ("get", f"courses/{slug}/banks", None),
        ("post", f"courses/{slug}/banks", {"title": "Another bank"}),
        (
            "post",
            f"courses/{slug}/quizzes",
            {"bank_id": bank_id, "title": "Another quiz", "pass_mark_percent": 50},
        ),
        ("get", f"courses/{slug}/gradebook", None),
        ("get", f"courses/{slug}/gradebook/quizzes", None),
        ("post", f"courses/{slug}/enrollment", None),
        ("delete", f"courses/{slug}/enrollment", None),
        ("get", f"courses/{slug}/progress", None),
        ("get", f"courses/{slug}/enrollment/sharing", None),
        ("patch", f"courses/{slug}/enrollment/sharing", {"share_email_with_instructors": True}),
        ("post", f"courses/{slug}/progress/reset", None),
        ("patch", f"modules/{module_id}", {"title": "Renamed"}),
        ("delete", f"modules/{module_id}", None),
        ("post", f"modules/{module_id}/lessons", {"title": "New", "body": "text"}),
        ("get", f"lessons/{lesson_id}", None),
        ("patch", f"lessons/{lesson_id}", {"title": "Renamed"}),
        ("delete", f"lessons/{lesson_id}", None),
        ("post", f"lessons/{lesson_id}/complete", None),
        ("put", f"lessons/{lesson_id}/media", None),
        ("get", f"banks/{bank_id}", None),
        ("patch", f"banks/{bank_id}", {"title": "Renamed"}),
        ("delete", f"banks/{bank_id}", None),
        (
            "post",
            f"banks/{bank_id}/questions",
            {"kind": "true_false", "prompt": "Sure?", "answer": True},
        ),
        ("patch", f"questions/{question_id}", {"prompt": "Changed?"}),
        ("delete", f"questions/{question_id}", None),
        ("patch", f"quizzes/{quiz_id}", {"title": "Renamed"}),
        ("delete", f"quizzes/{quiz_id}", None),
        ("post", f"quizzes/{quiz_id}/attempts", None),
        ("get", f"quizzes/{quiz_id}/attempts", None),
        ("get", f"quizzes/{quiz_id}/status", None),
    ]


# A quiz's learner endpoints (the caller's own attempts and standing), not its authoring.
LEARNING = ("/attempts", "/status")

AUTHORING = (
    "/publish",
    "/archive",
    "/instructors",
    "/modules",
    "/banks",
    "/quizzes",
    "/gradebook",
    "/lessons",
    "/questions",
)


def is_authoring(method: str, path: str) -> bool:
    """Endpoints only a course's instructors (and operators) may use."""
    if path.startswith(("modules/", "banks/", "questions/", "quizzes/")) and not path.endswith(
        LEARNING
    ):
        return True
    if path.startswith("lessons/") and method in ("patch", "delete", "put"):
        return True
    if path.startswith("courses/") and path.count("/") == 1 and method in ("patch", "delete"):
        return True
    return any(part in path for part in AUTHORING) and not path.endswith(LEARNING)


def walk(
    client: APIClient, endpoints: list[Endpoint], expect: Callable[[str, str, int], bool]
) -> list[str]:
    """Call every endpoint; return the ones whose status `expect` refuses."""
    wrong = []
    for method, path, body in endpoints:
        response = getattr(client, method)(f"/api/v1/lms/{path}", body, format="json")
        if not expect(method, path, response.status_code):
            wrong.append(f"{method.upper()} {path} -> {response.status_code}")
    return wrong


@pytest.fixture
def other_instructor(db: Any) -> Any:
    return UserFactory(email="olga@example.com", role="instructor", display_name="Olga")


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory(email="op@example.com", role="learner", is_staff=True)


@pytest.fixture
def draft(instructor: Any) -> BuiltCourse:
    return build_course(instructor, slug="secret-draft", publish=False)


@pytest.mark.parametrize("who", ["learner", "other_instructor"])
def test_a_draft_and_all_it_contains_is_404_to_signed_in_outsiders(
    request: pytest.FixtureRequest, who: str, draft: BuiltCourse, instructor: Any
) -> None:
    client = client_for(request.getfixturevalue(who))
    wrong = walk(client, object_endpoints(draft, instructor.pk), lambda m, p, code: code == 404)
    assert wrong == [], "expected 404 everywhere:\n" + "\n".join(wrong)


def test_a_draft_is_never_confirmed_to_anonymous_callers(
    draft: BuiltCourse, instructor: Any
) -> None:
    wrong = walk(
        APIClient(), object_endpoints(draft, instructor.pk), lambda m, p, code: code in (401, 404)
    )
    assert wrong == [], "expected 401 or 404 everywhere:\n" + "\n".join(wrong)


def test_operators_see_drafts(draft: BuiltCourse, instructor: Any, operator: Any) -> None:
    reads = [e for e in object_endpoints(draft, instructor.pk) if e[0] == "get"]
    readable = [e for e in reads if is_authoring(e[0], e[1]) or e[1].count("/") == 1]
    assert len(readable) >= 6
    wrong = walk(client_for(operator), readable, lambda m, p, code: code == 200)
    assert wrong == [], "operators should read every draft object:\n" + "\n".join(wrong)


@pytest.mark.parametrize("who", ["learner", "other_instructor"])
def test_authoring_a_published_course_is_403_to_people_who_do_not_teach_it(
    request: pytest.FixtureRequest, who: str, built: BuiltCourse, instructor: Any
) -> None:
    endpoints = [e for e in object_endpoints(built, instructor.pk) if is_authoring(e[0], e[1])]
    assert len(endpoints) >= 20
    wrong = walk(
        client_for(request.getfixturevalue(who)), endpoints, lambda m, p, code: code == 403
    )
    assert wrong == [], "expected 403 for every authoring endpoint:\n" + "\n".join(wrong)


def test_authoring_needs_a_signed_in_caller(built: BuiltCourse, instructor: Any) -> None:
    endpoints = [e for e in object_endpoints(built, instructor.pk) if is_authoring(e[0], e[1])]
    wrong = walk(APIClient(), endpoints, lambda m, p, code: code == 401)
    assert wrong == [], "expected 401 for anonymous authoring:\n" + "\n".join(wrong)


def test_the_walk_covers_every_lms_object_route() -> None:
    """A new object endpoint must be added to the walk above (or this fails)."""
    from django.urls import get_resolver

    resolver = get_resolver()
    routes: set[str] = set()

    def collect(patterns: Any, prefix: str) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                collect(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                routes.add(prefix + str(pattern.pattern))

    collect(resolver.url_patterns, "")
    lms_object_routes = {
        r.removeprefix("api/v1/lms/")
        for r in routes
        # Attempts belong to one learner, not to a course: tests/lms/test_quizzes.py; invitations
        # to their invitee: tests/lms/test_privacy_between_users.py walks them.
        if r.startswith("api/v1/lms/")
        and "<" in r
        and not r.startswith(("api/v1/lms/attempts/", "api/v1/lms/invitations/"))
    }
    walked = {
        "/".join(
            "<>" if part.isdigit() or part == "secret-draft" else part for part in p.split("/")
        )
        for _, p, _ in object_endpoints_template()
    }
    normalized = {
        "/".join("<>" if part.startswith("<") else part for part in r.split("/"))
        for r in lms_object_routes
    }
    assert normalized - walked == set()


def object_endpoints_template() -> list[Endpoint]:
    class _Fake:
        def __init__(self, **kw: Any) -> None:
            self.__dict__.update(kw)

    fake = BuiltCourse(
        course=_Fake(slug="secret-draft"),  # type: ignore[arg-type]
        lessons=[_Fake(module_id=1, pk=2)],  # type: ignore[list-item]
        quiz=_Fake(bank_id=3, pk=4),  # type: ignore[arg-type]
        question_ids={"single": 5},
    )
    return object_endpoints(fake, instructor_id=6)
