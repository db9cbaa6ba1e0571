"""Every list is a page or has a documented fixed bound: my certificates and the gradebook's
quiz summary answer the `{count, next, previous, results}` page; a course's instructors are at
most MAX_INSTRUCTORS (one more is 409 `too_many_instructors`), so their list stays whole."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from apps.lms.certificates.services import issue_certificate
from apps.lms.models import MAX_INSTRUCTORS, Certificate, CourseInstructor, CourseInvitation
from apps.lms.services import authoring
from gigsy.errors import ConflictError
from tests.factories import UserFactory
from tests.lms.co_teaching import co_teach
from tests.lms.conftest import BuiltCourse, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"
CERTIFICATES = "/api/v1/certificates"


# --- my certificates: a page, newest first ------------------------------------------------------
@pytest.fixture
def three_certificates(instructor: Any, learner: Any, settings: Any, tmp_path: Any) -> list[int]:
    """The learner's certificates of three courses, issued a day apart (oldest first)."""
    settings.MEDIA_ROOT = tmp_path
    ids = []
    for day, slug in enumerate(["first", "second", "third"]):
        course = build_course(instructor, slug=slug).course
        certificate, _ = issue_certificate(user_id=learner.pk, course_id=course.pk)
        issued = timezone.now() - timedelta(days=10 - day)
        Certificate.objects.filter(pk=certificate.pk).update(issued_at=issued)
        ids.append(certificate.pk)
    return ids


def test_my_certificates_are_a_page_newest_first(three_certificates, learner, other_learner):
    me = client_for(learner)

    page = me.get(CERTIFICATES).json()
    assert (page["count"], page["next"], page["previous"]) == (3, None, None)
    assert [c["id"] for c in page["results"]] == three_certificates[::-1]
    assert [c["course"] for c in page["results"]] == ["third", "second", "first"]

    first = me.get(CERTIFICATES, {"page_size": 2}).json()
    assert [c["id"] for c in first["results"]] == three_certificates[:0:-1]
    assert first["next"].endswith("page=2&page_size=2")
    second = me.get(first["next"]).json()
    assert [c["id"] for c in second["results"]] == three_certificates[:1]

    assert client_for(other_learner).get(CERTIFICATES).json()["count"] == 0
    assert me.get(CERTIFICATES, {"page": "abc"}).status_code == 400
    assert me.get(CERTIFICATES, {"page": 9}).status_code == 404
    assert APIClient().get(CERTIFICATES).status_code == 401


def test_a_page_of_certificates_costs_the_same_queries_however_many(
    three_certificates, learner, django_assert_max_num_queries
):
    me = client_for(learner)
    me.get("/api/v1/auth/me")  # the authenticated user is cached from here on
    with django_assert_max_num_queries(2) as one:  # the count, the page with its courses
        assert len(me.get(CERTIFICATES, {"page_size": 1}).json()["results"]) == 1
    with django_assert_max_num_queries(2) as three:
        assert len(me.get(CERTIFICATES).json()["results"]) == 3
    assert len(one) == len(three)


# --- the gradebook's quiz summary: a page -------------------------------------------------------
def test_the_gradebook_quiz_summary_is_a_page(built: BuiltCourse, instructor: Any) -> None:
    url = f"{LMS}/courses/{built.course.slug}/gradebook/quizzes"
    page = client_for(instructor).get(url, {"page_size": 1}).json()
    assert (page["count"], page["previous"]) == (1, None)
    assert [q["id"] for q in page["results"]] == [built.quiz.pk]
    assert client_for(instructor).get(url, {"page_size": "-1"}).status_code == 400


# --- a course's instructors: at most MAX_INSTRUCTORS --------------------------------------------
def _colleagues(count: int, *, start: int = 0) -> list[Any]:
    return [
        UserFactory(email=f"co{n}@example.com", role="instructor", display_name=f"Co {n:02}")
        for n in range(start, start + count)
    ]


def test_a_course_has_at_most_max_instructors(built: BuiltCourse, instructor: Any) -> None:
    me = client_for(instructor)
    url = f"{LMS}/courses/{built.course.slug}/instructors"
    colleagues = _colleagues(MAX_INSTRUCTORS)
    # The last one is invited while there is room and accepts once the course is full.
    assert me.post(url, {"email": colleagues[-1].email}, format="json").status_code == 202
    for colleague in colleagues[:-1]:  # the author and 9 others
        co_teach(built.course, by=instructor, colleague=colleague)

    refused = me.post(url, {"email": "anyone@example.com"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_instructors"
    assert str(MAX_INSTRUCTORS) in refused.json()["error"]["message"]
    late = client_for(colleagues[-1])
    accept = f"{LMS}/invitations/{late.get(f'{LMS}/invitations').json()['results'][0]['id']}/accept"
    full = late.post(accept)
    assert full.status_code == 409 and full.json()["error"]["code"] == "too_many_instructors"
    listed = me.get(url).json()
    assert len(listed) == MAX_INSTRUCTORS
    assert [i["email"] for i in listed] == [instructor.email] + [c.email for c in colleagues[:-1]]
    page = APIClient().get(f"{LMS}/courses/{built.course.slug}").json()
    assert len(page["instructors"]) == MAX_INSTRUCTORS

    # Removing one makes room again: the pending invitation can now be accepted.
    assert me.delete(f"{url}/{colleagues[0].pk}").status_code == 204
    assert late.post(accept).status_code == 200
    assert CourseInstructor.objects.filter(course=built.course).count() == MAX_INSTRUCTORS


def _invitation_id(course: Any, colleague: Any) -> int:
    return CourseInvitation.objects.get(course=course, email=colleague.email, status="pending").pk


@pytest.mark.django_db(transaction=True)
def test_two_additions_at_once_cannot_pass_the_bound_together(instructor: Any) -> None:
    course = build_course(instructor, slug="crowded").course
    for colleague in _colleagues(MAX_INSTRUCTORS - 2):
        co_teach(course, by=instructor, colleague=colleague)
    last_seat, one_too_many = _colleagues(2, start=100)
    for colleague in (last_seat, one_too_many):
        authoring.invite_instructor(course=course, user=instructor, email=colleague.email)
    adding, release = threading.Event(), threading.Event()
    outcome: list[Any] = []

    def add_and_hold() -> None:  # takes the last seat, commits when released
        try:
            with transaction.atomic():
                authoring.accept_invitation(
                    invitation_id=_invitation_id(course, last_seat), user=last_seat
                )
                adding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def add_another() -> None:
        try:
            authoring.accept_invitation(
                invitation_id=_invitation_id(course, one_too_many), user=one_too_many
            )
            outcome.append("added")
        except ConflictError as exc:
            outcome.append(exc.code)
        finally:
            connection.close()

    holder, other = threading.Thread(target=add_and_hold), threading.Thread(target=add_another)
    holder.start()
    try:
        assert adding.wait(timeout=10)
        other.start()
        other.join(timeout=1)
        assert other.is_alive(), f"the second addition did not wait for the first: {outcome}"
    finally:
        release.set()
        holder.join(timeout=10)
        other.join(timeout=10)

    assert outcome == ["too_many_instructors"]
    assert CourseInstructor.objects.filter(course=course).count() == MAX_INSTRUCTORS
