"""Operators' screens for lms in the Django admin: a learner's progress (read-only), certificates
found by the learner's email through accounts' public search, revocation with a written reason,
and changelists whose query count does not grow with their rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client

from apps.lms.certificates.services import issue_certificate, revoke_certificate
from apps.lms.models import Certificate, Enrollment, LessonCompletion, Quiz, QuizAttempt
from apps.lms.services import learning, quizzes
from gigsy.events.models import OutboxEvent
from tests.factories import UserFactory
from tests.lms.conftest import BuiltCourse, answers, build_course

pytestmark = pytest.mark.django_db

CERTIFICATES = "/admin/lms/certificate/"
ENROLLMENTS = "/admin/lms/enrollment/"


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory(email="op@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(operator: Any) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def enrolled(built: BuiltCourse, user: Any) -> Enrollment:
    enrollment, _ = learning.enroll(course=built.course, user=user)
    return enrollment


def certificate_for(built: BuiltCourse, user: Any) -> Certificate:
    certificate, _ = issue_certificate(user_id=user.pk, course_id=built.course.pk)
    return certificate


def take_quiz(built: BuiltCourse, user: Any, **overrides: Any) -> QuizAttempt:
    quiz = Quiz.objects.select_related("course").get(pk=built.quiz.pk)  # published by now
    started: Any = quizzes.start_attempt(quiz=quiz, user=user)
    attempt = started[0] if isinstance(started, tuple) else started  # (attempt, created)
    quizzes.submit_attempt(attempt_id=attempt.pk, user=user, answers=answers(built, **overrides))
    return attempt


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- a learner's progress, read-only ---------------------------------------------------------


@pytest.fixture
def progressed(built: BuiltCourse, learner: Any) -> Enrollment:
    """Lea completed two lessons, failed the quiz once and passed it the second time."""
    enrollment = enrolled(built, learner)
    learning.complete_lesson(lesson=built.lessons[0], user=learner)
    learning.complete_lesson(lesson=built.lessons[1], user=learner)
    take_quiz(built, learner, single="a", short="nope")
    take_quiz(built, learner)
    return enrollment


def test_enrollment_page_shows_the_learners_completions_and_attempts(
    admin_client: Client, progressed: Enrollment, built: BuiltCourse
) -> None:
    response = admin_client.get(f"{ENROLLMENTS}{progressed.pk}/change/")

    assert response.status_code == 200
    formsets = {f.formset.prefix: f for f in response.context["inline_admin_formsets"]}
    completions = formsets["completions"]
    attempts = formsets["attempts"]
    assert [form.original.lesson.title for form in completions] == ["Hello", "Loops"]
    rows = [
        (form.original.number, form.original.score_percent, form.original.passed)
        for form in attempts
    ]
    assert [(number, passed) for number, _, passed in rows] == [(1, False), (2, True)]
    assert rows[0][1] < 75 <= rows[1][1]
    content = response.content.decode()
    assert "Hello" in content and "Loops" in content and "Extra" not in content
    assert "Check" in content  # the quiz's title
    # Both lessons and the quiz that are required: 3 of 3.
    assert "100%: 2 lesson(s) completed of 2 required, 1 quiz(zes) passed of 1 required" in content


def test_progress_inlines_offer_no_add_change_or_delete(
    admin_client: Client, progressed: Enrollment
) -> None:
    response = admin_client.get(f"{ENROLLMENTS}{progressed.pk}/change/")

    for inline in response.context["inline_admin_formsets"]:
        assert inline.has_add_permission is False
        assert inline.has_change_permission is False
        assert inline.has_delete_permission is False
        assert inline.formset.can_delete is False
    content = response.content.decode()
    assert "completions-0-DELETE" not in content
    assert "attempts-0-DELETE" not in content
    assert "completions-empty" not in content  # no blank form to add one
    assert 'name="completions-0-lesson"' not in content
    assert 'name="attempts-0-score_percent"' not in content


def test_a_forged_post_cannot_delete_or_edit_progress(
    admin_client: Client, progressed: Enrollment, built: BuiltCourse
) -> None:
    completion = LessonCompletion.objects.filter(enrollment=progressed).first()
    attempt = QuizAttempt.objects.filter(enrollment=progressed).order_by("number").first()
    assert completion is not None and attempt is not None
    form = {
        "course": built.course.pk,
        "user": progressed.user_id,
        "status": progressed.status,
        "completions-TOTAL_FORMS": "1",
        "completions-INITIAL_FORMS": "1",
        "completions-MIN_NUM_FORMS": "0",
        "completions-MAX_NUM_FORMS": "0",
        "completions-0-id": completion.pk,
        "completions-0-enrollment": progressed.pk,
        "completions-0-DELETE": "on",
        "attempts-TOTAL_FORMS": "1",
        "attempts-INITIAL_FORMS": "1",
        "attempts-MIN_NUM_FORMS": "0",
        "attempts-MAX_NUM_FORMS": "0",
        "attempts-0-id": attempt.pk,
        "attempts-0-enrollment": progressed.pk,
        "attempts-0-score_percent": "100",
        "attempts-0-passed": "on",
    }

    response = admin_client.post(f"{ENROLLMENTS}{progressed.pk}/change/", form)

    assert response.status_code == 302, response.content[:3000]
    assert LessonCompletion.objects.filter(pk=completion.pk).exists()
    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.score_percent < 75


# --- certificates by the learner's email -----------------------------------------------------


def test_certificates_are_found_by_the_learners_email(
    admin_client: Client, built: BuiltCourse, learner: Any, other_learner: Any
) -> None:
    mine = certificate_for(built, learner)
    certificate_for(built, other_learner)
    # The certificate keeps the name it was issued with; the account's email is what staff
    # are given by a learner writing in.
    learner.display_name = "Lea Renamed"
    learner.save(update_fields=["display_name"])

    response = admin_client.get(CERTIFICATES, {"q": "LEA@example.com"})

    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [mine.pk]


def test_certificate_search_still_matches_its_own_fields(
    admin_client: Client, built: BuiltCourse, learner: Any, other_learner: Any
) -> None:
    certificate_for(built, learner)
    otto = certificate_for(built, other_learner)

    by_code = admin_client.get(CERTIFICATES, {"q": otto.verify_code})
    by_name = admin_client.get(CERTIFICATES, {"q": "Otto"})
    nobody = admin_client.get(CERTIFICATES, {"q": "nobody@example.com"})

    assert [c.pk for c in by_code.context["cl"].result_list] == [otto.pk]
    assert [c.pk for c in by_name.context["cl"].result_list] == [otto.pk]
    assert list(nobody.context["cl"].result_list) == []


def test_certificate_page_shows_the_learner_account_from_accounts(
    admin_client: Client, built: BuiltCourse, learner: Any
) -> None:
    certificate = certificate_for(built, learner)

    response = admin_client.get(f"{CERTIFICATES}{certificate.pk}/change/")

    assert response.status_code == 200
    assert f"Lea Learner &lt;lea@example.com&gt; (#{learner.pk})" in response.content.decode()


# --- revoking with a written reason ------------------------------------------------------------


def revoke_post(client: Client, *certificates: Certificate, **extra: str) -> Any:
    return client.post(
        CERTIFICATES,
        {"action": "revoke", "_selected_action": [c.pk for c in certificates], **extra},
    )


def test_revoking_first_asks_for_a_reason(
    admin_client: Client, built: BuiltCourse, learner: Any
) -> None:
    certificate = certificate_for(built, learner)

    response = revoke_post(admin_client, certificate)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/lms/certificate/revoke.html"
    content = response.content.decode()
    assert certificate.verify_code in content
    assert 'name="reason"' in content
    assert f'name="_selected_action" value="{certificate.pk}"' in content
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


@pytest.mark.parametrize("reason", ["", "   \n  ", "x" * 301])
def test_an_empty_or_overlong_reason_is_refused(
    admin_client: Client, built: BuiltCourse, learner: Any, reason: str
) -> None:
    certificate = certificate_for(built, learner)

    response = revoke_post(admin_client, certificate, apply="1", reason=reason)

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert "errorlist" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert not OutboxEvent.objects.filter(event_type="certificate.revoked").exists()


def test_revoking_with_a_reason_revokes_through_the_service(
    admin_client: Client, built: BuiltCourse, learner: Any, other_learner: Any
) -> None:
    lea = certificate_for(built, learner)
    otto = certificate_for(built, other_learner)

    response = revoke_post(
        admin_client, lea, otto, apply="1", reason="  Plagiarised the final project.  "
    )

    assert response.status_code == 302
    assert response["Location"] == CERTIFICATES
    for certificate in (lea, otto):
        certificate.refresh_from_db()
        assert certificate.revoked_at is not None
        assert certificate.revoke_reason == "Plagiarised the final project."
    assert OutboxEvent.objects.filter(event_type="certificate.revoked").count() == 2
    shown = messages_of(response)
    assert any(m.startswith("Revoked 2 certificate(s)") for m in shown), shown


def test_a_double_submit_revokes_nothing_twice(
    admin_client: Client, built: BuiltCourse, learner: Any
) -> None:
    certificate = certificate_for(built, learner)
    first = revoke_post(admin_client, certificate, apply="1", reason="Fraud.")
    admin_client.get(first["Location"])  # the changelist shows (and so uses up) its messages
    certificate.refresh_from_db()
    first_revoked_at = certificate.revoked_at

    again = revoke_post(admin_client, certificate, apply="1", reason="Something else.")

    assert again.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_at == first_revoked_at
    assert certificate.revoke_reason == "Fraud."
    assert OutboxEvent.objects.filter(event_type="certificate.revoked").count() == 1
    shown = messages_of(again)
    assert shown == [f"Already revoked, left unchanged: {certificate.verify_code}."]


def test_a_selection_with_revoked_certificates_reports_them(
    admin_client: Client, built: BuiltCourse, learner: Any, other_learner: Any, operator: Any
) -> None:
    lea = certificate_for(built, learner)
    otto = certificate_for(built, other_learner)
    revoke_certificate(certificate=lea, by=operator, reason="Earlier.")

    page = revoke_post(admin_client, lea, otto)
    assert "already revoked" in page.content.decode()

    response = revoke_post(admin_client, lea, otto, apply="1", reason="Cheated.")

    assert response.status_code == 302
    lea.refresh_from_db()
    otto.refresh_from_db()
    assert lea.revoke_reason == "Earlier."
    assert otto.revoke_reason == "Cheated." and otto.revoked_at is not None
    assert messages_of(response) == [
        f"Revoked 1 certificate(s): {otto.verify_code}.",
        f"Already revoked, left unchanged: {lea.verify_code}.",
    ]


def test_staff_who_may_only_view_certificates_cannot_revoke(
    built: BuiltCourse, learner: Any
) -> None:
    certificate = certificate_for(built, learner)
    viewer = UserFactory(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client = Client()
    client.force_login(viewer)

    listing = client.get(CERTIFICATES)
    assert listing.status_code == 200
    action_form = listing.context["action_form"]  # None: no action left to offer
    assert action_form is None or "revoke" not in dict(action_form.fields["action"].choices)

    revoke_post(client, certificate, apply="1", reason="Not mine to decide.")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_non_staff_cannot_revoke(client: Client, built: BuiltCourse, learner: Any) -> None:
    certificate = certificate_for(built, learner)
    client.force_login(learner)

    response = revoke_post(client, certificate, apply="1", reason="Because.")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


# --- query counts ------------------------------------------------------------------------------


@pytest.fixture
def many(instructor: Any) -> list[BuiltCourse]:
    """Four courses, each with twelve learners enrolled and certified."""
    courses = [build_course(instructor, slug=f"course-{i}") for i in range(4)]
    learners = [UserFactory(email=f"learner{i}@example.com") for i in range(12)]
    for built in courses:
        for user in learners:
            enrolled(built, user)
            certificate_for(built, user)
    return courses


@pytest.mark.parametrize(
    ("path", "rows", "budget"),
    [
        # session, operator, count, total count, the page (with its relations joined)
        (ENROLLMENTS, 48, 5),
        (CERTIFICATES, 48, 5),
        (f"{CERTIFICATES}?q=learner1", 12, 6),  # learner1, 10, 11  # + accounts' search_user_ids
        ("/admin/lms/course/", 4, 5),
        ("/admin/lms/module/", 4, 5),
        ("/admin/lms/questionbank/", 4, 5),
        ("/admin/lms/quiz/", 4, 5),
    ],
)
def test_changelists_cost_the_same_whatever_their_length(
    admin_client: Client,
    many: list[BuiltCourse],
    django_assert_max_num_queries: Any,
    path: str,
    rows: int,
    budget: int,
) -> None:
    admin_client.get(path)  # session and content types warmed
    with django_assert_max_num_queries(budget):
        response = admin_client.get(path)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows


def test_enrollment_page_costs_the_same_whatever_the_history(
    admin_client: Client,
    progressed: Enrollment,
    built: BuiltCourse,
    learner: Any,
    django_assert_max_num_queries: Any,
) -> None:
    take_quiz(built, learner)  # a third attempt (the last allowed): more rows, same queries
    learning.complete_lesson(lesson=built.lessons[2], user=learner)
    url = f"{ENROLLMENTS}{progressed.pk}/change/"
    admin_client.get(url)
    # session, operator, enrollment, completions (+ lessons, modules), attempts (+ quizzes),
    # the course choices, the user id widget's label, progress (lessons, quizzes)
    with django_assert_max_num_queries(9):
        response = admin_client.get(url)
    assert len(response.context["inline_admin_formsets"][1].formset.forms) == 3


# --- a course's instructors: the API's bound holds in the admin too -------------------------------
def test_the_instructor_inline_refuses_more_than_max_instructors(
    built: BuiltCourse, operator: Any, rf: Any
) -> None:
    from django.contrib import admin as django_admin

    from apps.lms.admin import InstructorInline
    from apps.lms.models import MAX_INSTRUCTORS, Course

    request = rf.post("/")
    request.user = operator
    inline = InstructorInline(Course, django_admin.site)
    formset_class = inline.get_formset(request, built.course)
    existing = list(built.course.instructor_links.all())  # the author
    newcomers = [
        UserFactory(email=f"t{n}@example.com", role="instructor") for n in range(MAX_INSTRUCTORS)
    ]

    def post(count: int) -> Any:
        prefix = formset_class.get_default_prefix()
        data = {
            f"{prefix}-TOTAL_FORMS": str(len(existing) + count),
            f"{prefix}-INITIAL_FORMS": str(len(existing)),
            f"{prefix}-0-id": str(existing[0].pk),
            f"{prefix}-0-course": str(built.course.pk),
            f"{prefix}-0-user": str(existing[0].user_id),
        }
        for n, user in enumerate(newcomers[:count], start=len(existing)):
            data[f"{prefix}-{n}-course"] = str(built.course.pk)
            data[f"{prefix}-{n}-user"] = str(user.pk)
        return formset_class(data, instance=built.course, prefix=prefix)

    assert post(MAX_INSTRUCTORS - 1).is_valid()  # the author and 9 more
    too_many = post(MAX_INSTRUCTORS)
    assert not too_many.is_valid()
    assert f"at most {MAX_INSTRUCTORS}" in str(too_many.non_form_errors())
