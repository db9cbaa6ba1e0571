"""Lea, who has done everything lms offers, built through the services: for the tests of her
data export and of her account's erasure (issue 11, docs/decisions/0023)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from pypdf import PdfReader

from apps.lms.certificates.services import issue_certificate, render_pdf
from apps.lms.gradebook.services import set_email_sharing
from apps.lms.models import Certificate, CourseInvitation, Quiz
from apps.lms.services import authoring, learning, quizzes
from gigsy.events import Event, publish, registry
from gigsy.events.models import OutboxEvent
from tests.factories import UserFactory
from tests.lms.co_teaching import co_teach
from tests.lms.conftest import BuiltCourse, answers, build_course, verify_instructor

LEA_NAME, LEA_EMAIL = "Lea Learner", "lea@example.com"


@dataclass
class World:
    lea: Any  # learner and instructor: the one whose data this is about
    ines: Any  # an instructor
    otto: Any  # other learners
    wanda: Any
    ines_course: BuiltCourse  # Ines's; Lea completed it and co-teaches it (invited by Ines)
    ines_other: BuiltCourse  # Ines's; Ines invited Lea's address, still pending
    lea_shared: BuiltCourse  # Lea's, co-taught by Ines (invited by Lea); Wanda's certificate
    lea_solo: BuiltCourse  # Lea's alone, published; Otto's platform-signed certificate
    lea_draft: BuiltCourse  # Lea's alone, never published
    lea_certificate: Certificate
    otto_certificate: Certificate  # of Ines's course: nothing of Lea's
    wanda_certificate: Certificate  # of lea_shared: issued by Lea, who was not verified then
    otto_solo_certificate: Certificate  # of lea_solo: the platform's, Lea as creator


def submit(built: BuiltCourse, user: Any, **overrides: Any) -> Any:
    quiz = Quiz.objects.select_related("course").get(pk=built.quiz.pk)  # published since
    attempt, _ = quizzes.start_attempt(quiz=quiz, user=user)
    return quizzes.submit_attempt(
        attempt_id=attempt.pk, user=user, answers=answers(built, **overrides)
    ).attempt


def certificate_with_pdf(user: Any, built: BuiltCourse) -> Certificate:
    certificate, _ = issue_certificate(user_id=user.pk, course_id=built.course.pk)
    render_pdf(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    return certificate


def build_world(ines: Any, otto: Any) -> World:
    lea = UserFactory(email=LEA_EMAIL, roles=["learner", "instructor"], display_name=LEA_NAME)
    wanda = UserFactory(email="wanda@example.com", display_name="Wanda")
    ines_course = build_course(ines, slug="ines-course")
    ines_other = build_course(ines, slug="ines-other")

    # Lea learns Ines's course to the end: one failed attempt, one passed, her email shared.
    learning.enroll(course=ines_course.course, user=lea)
    set_email_sharing(course=ines_course.course, user=lea, share=True)
    for lesson in ines_course.lessons[:2]:
        learning.complete_lesson(lesson=lesson, user=lea)
    submit(ines_course, lea, single="a", short="lambda")
    submit(ines_course, lea)
    lea_certificate = certificate_with_pdf(lea, ines_course)
    # Otto learns it too.
    learning.enroll(course=ines_course.course, user=otto)
    learning.complete_lesson(lesson=ines_course.lessons[0], user=otto)
    submit(ines_course, otto)
    otto_certificate, _ = issue_certificate(user_id=otto.pk, course_id=ines_course.course.pk)

    # Lea teaches: Ines's course as a co-instructor, her own courses as their owner.
    co_teach(ines_course.course, by=ines, colleague=lea)
    authoring.invite_instructor(course=ines_other.course, user=ines, email=LEA_EMAIL)
    lea_shared = build_course(lea, slug="lea-shared")
    co_teach(lea_shared.course, by=lea, colleague=ines)
    authoring.invite_instructor(course=lea_shared.course, user=lea, email="someone@example.com")
    learning.enroll(course=lea_shared.course, user=wanda)
    wanda_certificate = certificate_with_pdf(wanda, lea_shared)
    verify_instructor(lea)  # her next course's certificates are the platform's
    lea_solo = build_course(lea, slug="lea-solo")
    learning.enroll(course=lea_solo.course, user=otto)
    otto_solo_certificate = certificate_with_pdf(otto, lea_solo)
    lea_draft = build_course(lea, slug="lea-draft", publish=False)

    assert not lea_certificate.issued_by_platform and not wanda_certificate.issued_by_platform
    assert otto_solo_certificate.issued_by_platform
    assert CourseInvitation.objects.filter(email=LEA_EMAIL).count() == 2
    return World(
        lea=lea,
        ines=ines,
        otto=otto,
        wanda=wanda,
        ines_course=ines_course,
        ines_other=ines_other,
        lea_shared=lea_shared,
        lea_solo=lea_solo,
        lea_draft=lea_draft,
        lea_certificate=lea_certificate,
        otto_certificate=otto_certificate,
        wanda_certificate=wanda_certificate,
        otto_solo_certificate=otto_solo_certificate,
    )


def delete_account(user: Any) -> str:
    """What accounts does when someone deletes their account (its side, not lms's): the row is
    pseudonymized and can no longer sign in, and `user.deleted` is published in the same
    transaction. Returns the pseudonym: accounts' is "Deleted user" for everyone; this one also
    carries the id, so a test sees that lms writes the event's pseudonym."""
    pseudonym = f"Deleted user {user.pk}"
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(
            display_name=pseudonym,
            email=f"deleted-{user.pk}@users.invalid",
            is_active=False,
            roles=[],
        )
        publish(
            "user.deleted",
            {"user_id": str(user.pk), "pseudonym": pseudonym},
            producer="accounts",
        )
    return pseudonym


def deliver_user_deleted() -> int:
    """Hand every `user.deleted` event in the outbox to lms's handler, as its consumer would."""
    handler = registry.get("lms.erase_user")
    assert handler.event_type == "user.deleted"
    rows = list(OutboxEvent.objects.filter(event_type="user.deleted").order_by("id"))
    for row in rows:
        handler.func(Event.from_json(bytes(row.payload)))
    return len(rows)


def pdf_text(certificate: Certificate) -> str:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
