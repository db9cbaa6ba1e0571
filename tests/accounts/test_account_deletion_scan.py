"""Issue 11's "Done when": after an account is deleted, no personal data of its owner is left
in any table of any context (nor in the kernel's mail, event and admin-history tables).

Zelda signs up, signs in from a recognisable device and network, renames herself, asks to change
her email and exports her data. In gigs she works and hires (a contract, applications, a review,
a report, a gig and a block, each text naming her). In lms she learns (enrolment, email shared
with instructors, lessons, a quiz attempt, a certificate, the gradebook's copy of her), teaches
(her own course, a learner's certificate naming her as its creator, an invitation she sent) and
is invited to co-teach. Each of her personal values is a marker string. She deletes her account;
every handler of `user.deleted` then runs as its consumer runs it (gigsy.events.inbox, the inbox
row and the transaction included). Then every text, varchar, json, jsonb, array and bytea column
of every table in every context schema (found in information_schema, not listed here), plus the
`mail`, `events` and `public` schemas, is searched for the markers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.tasks import build_data_export_task
from apps.gigs.services import applications, hiring, milestones, moderation, reviews
from apps.lms.certificates.services import issue_certificate
from apps.lms.gradebook.services import set_email_sharing
from apps.lms.models import Quiz
from apps.lms.services import authoring, learning, quizzes
from gigsy.celery import app as celery_app
from gigsy.contexts import context_apps
from gigsy.events import registry
from gigsy.events.envelope import Event
from gigsy.events.inbox import Outcome, handle_one
from gigsy.events.models import OutboxEvent
from gigsy.privacy import DELETED_EVENT
from tests.conftest import obtain_tokens
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.gigs.applying import apply, post_gig
from tests.gigs.work import fund_now
from tests.lms.co_teaching import co_teach
from tests.lms.conftest import answers, build_course

pytestmark = pytest.mark.django_db

FIRST_NAME = "Zelda Zmarkfirst"
RENAMED = "Zelda Zmarkrenamed"
EMAIL = "zelda.zmarkmail@example.com"
PENDING = "zelda.zmarkpending@example.com"
DEVICE = "Opera on ChromeOS"  # only Zelda signs in with this browser
USER_AGENT = "Mozilla/5.0 (X11; CrOS x86_64) Chrome/126.0 Safari/537.36 OPR/111.0"
NETWORK = "203.0.113."  # only Zelda signs in from 203.0.113.0/24
MARKERS = ("zmarkfirst", "zmarkrenamed", "zmarkmail", "zmarkpending", DEVICE, NETWORK)

# Kernel schemas searched along with the contexts': outgoing mail records, the event bus
# (outbox, inbox, dead letters), answers kept for idempotency keys, and `public` (Django's
# admin history, sessions, tokens).
KERNEL_SCHEMAS = ("mail", "events", "idempotency", "public")
# What is known to stay, with the reason; this baseline only shrinks (the test fails when an
# entry is no longer found, so it is removed then).
KNOWN_LEFT: dict[str, list[str]] = {}
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY", "bytea")


@pytest.fixture(autouse=True)
def eager(settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path
    assert build_data_export_task.name  # registered, so it runs eagerly
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def searched_columns() -> list[tuple[str, str, str, str]]:
    schemas = [app.label for app in context_apps()] + list(KERNEL_SCHEMAS)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = ANY(%s) AND t.table_type = 'BASE TABLE'
              AND c.data_type = ANY(%s)
            ORDER BY 1, 2, 3
            """,
            [schemas, list(TEXT_TYPES)],
        )
        return cursor.fetchall()


def scan(markers: Iterable[str]) -> dict[str, list[str]]:
    """Which markers each column holds ("schema.table.column" -> markers), case-insensitively."""
    patterns = [f"%{marker}%" for marker in markers]
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for schema, table, column, data_type in searched_columns():
            # bytea: its printable bytes as they are (the outbox's JSON payloads).
            value = (
                f"encode(\"{column}\", 'escape')" if data_type == "bytea" else f'"{column}"::text'
            )
            for pattern in patterns:
                cursor.execute(
                    f'SELECT 1 FROM "{schema}"."{table}" WHERE {value} ILIKE %s LIMIT 1',  # noqa: S608 (names from information_schema)
                    [pattern],
                )
                if cursor.fetchone():
                    found.setdefault(f"{schema}.{table}.{column}", []).append(pattern.strip("%"))
    return found


def submit_quiz(built, user) -> None:
    quiz = Quiz.objects.select_related("course").get(pk=built.quiz.pk)
    attempt, _ = quizzes.start_attempt(quiz=quiz, user=user)
    quizzes.submit_attempt(attempt_id=attempt.pk, user=user, answers=answers(built))


def zelda_everywhere(django_capture_on_commit_callbacks) -> tuple[object, APIClient]:
    api = APIClient(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="203.0.113.77")
    with django_capture_on_commit_callbacks(execute=True):
        registered = api.post(
            "/api/v1/auth/register",
            {
                "email": EMAIL,
                "password": DEFAULT_PASSWORD,
                "display_name": FIRST_NAME,
                "role": "learner",
                "timezone": "Europe/Oslo",
            },
            format="json",
        )
    assert registered.status_code == 201, registered.content
    zelda = get_user_model().objects.get(email=EMAIL)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(api, EMAIL)['access']}")
    assert api.post("/api/v1/auth/roles", {"role": "client"}, format="json").status_code == 200
    get_user_model().objects.filter(pk=zelda.pk).update(roles=["client", "instructor", "learner"])

    # lms as a learner: Ines's course, to the certificate, her email shared with Ines.
    ines = UserFactory(email="ines@example.com", role="instructor", display_name="Ines")
    otto = UserFactory(email="otto@example.com", display_name="Otto")
    ines_course = build_course(ines, slug="ines-course")
    learning.enroll(course=ines_course.course, user=zelda)
    set_email_sharing(course=ines_course.course, user=zelda, share=True)
    for lesson in ines_course.lessons[:2]:
        learning.complete_lesson(lesson=lesson, user=zelda)
    submit_quiz(ines_course, zelda)
    issue_certificate(user_id=zelda.pk, course_id=ines_course.course.pk)
    # Invited to co-teach another of Ines's courses (not answered yet).
    ines_other = build_course(ines, slug="ines-other")
    authoring.invite_instructor(course=ines_other.course, user=ines, email=EMAIL)

    # lms as an instructor: her own course, co-taught by Ines, with Otto's certificate naming
    # her as its creator, and an invitation she sent.
    zelda.refresh_from_db()
    own = build_course(zelda, slug="zelda-course")
    co_teach(own.course, by=zelda, colleague=ines)
    authoring.invite_instructor(course=own.course, user=zelda, email="someone@example.com")
    learning.enroll(course=own.course, user=otto)
    for lesson in own.lessons[:2]:
        learning.complete_lesson(lesson=lesson, user=otto)
    submit_quiz(own, otto)
    issue_certificate(user_id=otto.pk, course_id=own.course.pk)

    # gigs, in her own words (each text names her): as a freelancer, a finished contract with
    # her cover letter, submission note and review, a waiting application and a report; as a
    # client, an open gig whose description names her and an applicant she blocked.
    gigs_everywhere(zelda, otto)

    # accounts: renamed (user.updated), an email change waiting, a data export, an operator's
    # note in the admin history.
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.patch("/api/v1/auth/me", {"display_name": RENAMED}, format="json").status_code
            == 200
        )
        changed = api.post(
            "/api/v1/auth/email/change",
            {"new_email": PENDING, "password": DEFAULT_PASSWORD},
            format="json",
        )
        assert changed.status_code == 202
        assert api.post("/api/v1/auth/export").status_code == 202
    operator = get_user_model().objects.create_superuser("op@example.com", "operator pass 123")
    LogEntry.objects.log_actions(
        user_id=operator.pk,
        queryset=get_user_model().objects.filter(pk=zelda.pk),
        action_flag=CHANGE,
        change_message="Ended every session (1).",
    )
    return zelda, api


def gigs_everywhere(zelda, otto) -> None:
    get_user_model().objects.filter(pk=zelda.pk).update(email_verified_at=timezone.now())
    zelda.refresh_from_db()
    carl = UserFactory(email="carl@example.com", roles=["client"], email_verified_at=timezone.now())
    get_user_model().objects.filter(pk=otto.pk).update(email_verified_at=timezone.now())
    otto.refresh_from_db()
    signed = f"Regards, {FIRST_NAME} ({EMAIL})"

    hired_gig = post_gig(carl, title="Build a shop")
    letter = applications.apply(
        gig_id=hired_gig.pk, user=zelda, cover_letter=signed, bid_amount=45_000
    )
    contract = hiring.accept(application_id=letter.pk, user=carl)
    [part] = contract.milestones.all()
    fund_now(contract, part, carl)  # funded through the sandbox: the work is active
    milestones.submit_milestone(
        contract_id=contract.pk, milestone_id=part.pk, user=zelda, note=signed
    )
    milestones.approve_milestone(contract_id=contract.pk, milestone_id=part.pk, user=carl)
    reviews.write_review(contract_id=contract.pk, user=zelda, rating=5, text=signed)
    reviews.write_review(contract_id=contract.pk, user=carl, rating=4, text="Good work.")

    waiting_gig = post_gig(carl, title="Fix our CSS")
    apply(zelda, waiting_gig, letter=signed)
    moderation.report_gig(
        gig_id=post_gig(carl, title="Too good to be true").pk,
        user=zelda,
        reason="scam",
        details=signed,
    )

    own_gig = post_gig(zelda, title="Proofread my thesis", description=f"Ask for {RENAMED}.")
    apply(otto, own_gig)
    moderation.block_applicant(client=zelda, user_id=otto.pk)


def deliver(event_type: str) -> list[str]:
    """Run every handler of `event_type` on each such event in the outbox, as its consumer does
    (gigsy.events.inbox.handle_one: the handler's transaction with its inbox row)."""
    handlers = [h for h in registry.all_handlers() if h.event_type == event_type]
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    for row in rows:
        event = Event.from_json(bytes(row.payload))
        for handler in handlers:
            outcome = handle_one(handler, event, deliveries=1, max_deliveries=1)
            assert outcome is Outcome.HANDLED, f"{handler.name} failed on {event.type}"
    return [h.name for h in handlers]


def test_no_personal_data_of_a_deleted_account_is_left_in_any_table(
    django_capture_on_commit_callbacks,
):
    zelda, api = zelda_everywhere(django_capture_on_commit_callbacks)
    before = scan(MARKERS)
    # The search sees her everywhere she is (a scan that finds nothing proves nothing).
    assert {
        "accounts.user.email",
        "accounts.user.display_name",
        "accounts.user.pending_email",
        "accounts.session_family.device_label",
        "accounts.session_family.network",
        "events.outbox.payload",
        "lms.learner.display_name",
        "lms.learner.email",
        "lms.certificate.learner_name",
        "lms.certificate.creator_name",
        "lms.course_invitation.email",
        "lms.course_invitation.invited_by_name",
        "public.django_admin_log.object_repr",
        "gigs.application.cover_letter",
        "gigs.milestone.submission_note",
        "gigs.milestone_event.note",
        "gigs.review.text",
        "gigs.report.details",
        "gigs.gig.description",
    } <= set(before), sorted(before)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete("/api/v1/auth/me", {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204, response.content
    handlers = deliver(DELETED_EVENT)

    assert {"lms.erase_user", "gigs.erase_user"} <= set(handlers)
    left = scan(MARKERS)
    assert {k: v for k, v in left.items() if KNOWN_LEFT.get(k) != v} == {}
    assert {k: v for k, v in KNOWN_LEFT.items() if left.get(k) != v} == {}, "shrink KNOWN_LEFT"
    # What stays points at the pseudonym.
    zelda.refresh_from_db()
    assert (zelda.display_name, zelda.email) == (
        "Deleted user",
        f"deleted-{zelda.pk}@users.invalid",
    )
