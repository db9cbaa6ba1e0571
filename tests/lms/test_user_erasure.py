"""A person deletes their account: accounts pseudonymizes it and publishes `user.deleted`, and
lms's handler `lms.erase_user` erases what lms holds about them or replaces their name by the
pseudonym where a record stays (docs/decisions/0023). The accounts side is simulated here
(`delete_account`): these tests are lms's."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model

from apps.lms import public as lms_public
from apps.lms.certificates.services import ACCOUNT_DELETED_REASON
from apps.lms.models import (
    Certificate,
    Course,
    CourseInstructor,
    CourseInvitation,
    CourseStatus,
    Enrollment,
    Learner,
    LessonCompletion,
    QuestionBank,
    QuizAttempt,
)
from apps.lms.services import learning
from gigsy.celery import app as celery_app
from gigsy.events import Event, publish, registry
from gigsy.events.consumer import ConsumerRunner
from gigsy.events.models import OutboxEvent
from gigsy.events.relay import Relay
from tests.events.conftest import Recorder, bus, run_until  # noqa: F401 (fixture)
from tests.lms.conftest import build_course, client_for
from tests.lms.someone_everywhere import (
    LEA_EMAIL,
    LEA_NAME,
    World,
    build_world,
    certificate_with_pdf,
    delete_account,
    deliver_user_deleted,
    pdf_text,
)

pytestmark = pytest.mark.django_db
VERIFY = "/api/v1/certificates/verify"


@pytest.fixture
def world(instructor: Any, other_learner: Any, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path
    return build_world(instructor, other_learner)


@pytest.fixture
def pseudonym(world: World) -> str:
    pseudonym = delete_account(world.lea)
    assert deliver_user_deleted() == 1
    return pseudonym


def _lms_models() -> list[Any]:
    return list(django_apps.get_app_config("lms").get_models(include_auto_created=True))


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every lms table."""
    return {
        model._meta.db_table: [
            {k: str(v) for k, v in row.items()} for row in model.objects.order_by("pk").values()
        ]
        for model in _lms_models()
    }


def _events(event_type: str) -> list[dict[str, Any]]:
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [json.loads(bytes(row.payload))["data"] for row in rows]


# --- learning ------------------------------------------------------------------------------------


def test_their_learning_and_lms_copy_of_them_are_gone(world: World, pseudonym: str) -> None:
    lea = world.lea.pk
    assert not Enrollment.objects.filter(user_id=lea).exists()
    assert not LessonCompletion.objects.filter(enrollment__user_id=lea).exists()
    assert not QuizAttempt.objects.filter(user_id=lea).exists()  # answers went with them
    assert not Learner.objects.filter(user_id=lea).exists()


def test_other_learners_keep_everything(world: World) -> None:
    def others() -> dict[str, list[Any]]:
        ids = [world.otto.pk, world.wanda.pk]
        return {
            "enrollments": list(Enrollment.objects.filter(user_id__in=ids).order_by("pk").values()),
            "completions": list(
                LessonCompletion.objects.filter(enrollment__user_id__in=ids).order_by("pk").values()
            ),
            "attempts": list(QuizAttempt.objects.filter(user_id__in=ids).order_by("pk").values()),
            "copies": list(Learner.objects.filter(user_id__in=ids).order_by("pk").values()),
            "certificate": list(Certificate.objects.filter(pk=world.otto_certificate.pk).values()),
        }

    before = others()
    assert before["attempts"] and before["completions"] and len(before["copies"]) == 2

    delete_account(world.lea)
    deliver_user_deleted()

    assert others() == before


# --- certificates --------------------------------------------------------------------------------


def test_their_certificate_stays_revoked_under_the_pseudonym(
    world: World, api: Any, pseudonym: str
) -> None:
    certificate = Certificate.objects.get(pk=world.lea_certificate.pk)
    assert certificate.revoked_at is not None
    assert certificate.revoke_reason == ACCOUNT_DELETED_REASON
    assert certificate.learner_name == pseudonym

    # A verifier shown the old credential learns it is revoked, not that it is unknown; a
    # revoked certificate names nobody (ADR 0019).
    page = api.get(f"{VERIFY}/{certificate.verify_code}")
    assert page.status_code == 200
    assert page.json()["status"] == "revoked"
    assert page.json()["learner_name"] is None
    assert page.json()["issuer"] == {"kind": "instructor", "name": "Ines"}
    # Revoked as any revocation is: the public list and the event.
    listed = api.get("/api/v1/certificates/revocations").json()["revokedCredentials"]
    assert any(entry["id"].endswith(f"/verify/{certificate.verify_code}") for entry in listed)
    [revoked] = _events("certificate.revoked")
    assert revoked["certificate_id"] == str(certificate.pk)
    assert revoked["user_id"] == str(world.lea.pk)


def test_every_pdf_printing_their_name_is_deleted_after_commit_and_rendered_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.lms.certificates.services import render_pdf

    printed = [world.lea_certificate, world.wanda_certificate, world.otto_solo_certificate]
    old_files = sorted(str(c.pdf.name) for c in printed)
    delete_account(world.lea)
    with django_capture_on_commit_callbacks() as callbacks:
        deliver_user_deleted()

    deleted = [c.args[0] for c in callbacks if getattr(c, "func", None) is not None]
    assert sorted(deleted) == old_files
    certificate = Certificate.objects.get(pk=world.lea_certificate.pk)
    assert not certificate.pdf  # until the queued render runs:
    render_pdf(certificate_id=certificate.pk)
    text = pdf_text(certificate)
    assert "Deleted user" in text
    assert LEA_NAME not in text
    assert "REVOKED" in text
    assert Certificate.objects.get(pk=world.otto_certificate.pk).learner_name == "Otto"


def test_certificates_naming_them_as_creator_name_the_pseudonym(
    world: World, api: Any, pseudonym: str
) -> None:
    from apps.lms.certificates.services import render_pdf

    wanda = Certificate.objects.get(pk=world.wanda_certificate.pk)
    otto = Certificate.objects.get(pk=world.otto_solo_certificate.pk)
    assert (wanda.creator_name, otto.creator_name) == (pseudonym, pseudonym)
    assert (wanda.revoked_at, otto.revoked_at) == (None, None)  # their holders keep them
    assert (wanda.learner_name, otto.learner_name) == ("Wanda", "Otto")
    assert wanda.creator_id == otto.creator_id == world.lea.pk  # the pseudonymized account

    page = api.get(f"{VERIFY}/{wanda.verify_code}").json()
    assert page["status"] == "valid"
    assert page["learner_name"] == "Wanda"
    assert page["issuer"] == {"kind": "instructor", "name": pseudonym}

    # The platform-signed badge is built from the stored columns when asked: it names the
    # pseudonym as the course's creator.
    badge = client_for(world.otto).get(f"/api/v1/certificates/{otto.pk}/badge")
    assert badge.status_code == 200, badge.content
    creator = badge.json()["credential"]["credentialSubject"]["achievement"]["creator"]
    assert creator["name"] == pseudonym

    # Both PDFs printed Lea's name: rendered again, they print the pseudonym.
    for certificate in (wanda, otto):
        assert not certificate.pdf
        render_pdf(certificate_id=certificate.pk)
        text = pdf_text(certificate)
        assert pseudonym in text
        assert LEA_NAME not in text


def test_a_pdf_rendered_from_the_old_names_is_not_stored(world: World) -> None:
    """A render that read the certificate before the erasure committed must not store a PDF
    with the old name (store_pdf compares the names it printed with the row's)."""
    from apps.lms.certificates.services import render_pdf, store_pdf

    certificate = Certificate.objects.get(pk=world.wanda_certificate.pk)
    stale = Certificate.objects.get(pk=certificate.pk)  # read by a render in flight
    Certificate.objects.filter(pk=certificate.pk).update(pdf="")
    delete_account(world.lea)
    deliver_user_deleted()

    assert store_pdf(certificate=stale, content=b"%PDF-old names") is False
    render_pdf(certificate_id=certificate.pk)
    assert "Deleted user" in pdf_text(certificate)


# --- teaching ------------------------------------------------------------------------------------


def test_their_teaching_links_go_and_owners_pass_on(world: World, pseudonym: str) -> None:
    assert not CourseInstructor.objects.filter(user_id=world.lea.pk).exists()
    # Co-taught courses: the other instructor stays, and owns the course Lea owned.
    [shared] = CourseInstructor.objects.filter(course=world.lea_shared.course)
    assert (shared.user_id, shared.is_owner) == (world.ines.pk, True)
    [ines] = CourseInstructor.objects.filter(course=world.ines_course.course)
    assert (ines.user_id, ines.is_owner) == (world.ines.pk, True)


def test_a_draft_only_they_taught_is_deleted(world: World, pseudonym: str) -> None:
    assert not Course.objects.filter(slug="lea-draft").exists()
    assert not QuestionBank.objects.filter(pk=world.lea_draft.quiz.bank_id).exists()


def test_a_published_course_only_they_taught_stays_for_its_learners(
    world: World, pseudonym: str, client: Any
) -> None:
    course = Course.objects.get(slug="lea-solo")
    assert course.status == CourseStatus.PUBLISHED
    assert not CourseInstructor.objects.filter(course=course).exists()
    otto = client_for(world.otto)
    page = otto.get("/api/v1/lms/courses/lea-solo")
    assert page.status_code == 200
    lesson = otto.get(f"/api/v1/lms/lessons/{world.lea_solo.lessons[0].pk}")
    assert lesson.status_code == 200
    assert learning.enroll(course=course, user=world.otto)[0].status == "active"

    # Operators find the courses nobody teaches any more.
    operator = get_user_model().objects.create_superuser("op@example.com", "operator pass 123")
    client.force_login(operator)
    listing = client.get("/admin/lms/course/", {"instructors": "none"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [course]


# --- invitations ---------------------------------------------------------------------------------


def test_invitations_they_answered_or_left_pending_go(world: World, pseudonym: str) -> None:
    lea = world.lea.pk
    assert not CourseInvitation.objects.filter(answered_by_id=lea).exists()
    assert not CourseInvitation.objects.filter(email="someone@example.com").exists()
    # The one they sent that Ines accepted is Ines's history: it stays, naming the pseudonym.
    [sent] = CourseInvitation.objects.filter(invited_by_id=lea)
    assert (sent.course_id, sent.email, sent.status) == (
        world.lea_shared.course.pk,
        "ines@example.com",
        "accepted",
    )
    assert sent.invited_by_name == pseudonym


def test_a_pending_invitation_to_their_old_address_goes_with_the_address(
    world: World, pseudonym: str
) -> None:
    """The event cannot find it (it names no account); accounts hands lms the addresses in the
    deleting transaction (public.forget_addresses, ADR 0022), and that deletes it."""
    [pending] = CourseInvitation.objects.filter(email=LEA_EMAIL)
    assert (pending.course_id, pending.status) == (world.ines_other.course.pk, "pending")

    lms_public.forget_addresses([LEA_EMAIL])

    assert not CourseInvitation.objects.filter(email=LEA_EMAIL).exists()
    # Invitations to other addresses stay.
    assert CourseInvitation.objects.exclude(email=LEA_EMAIL).exists()


# --- as a whole ----------------------------------------------------------------------------------


def test_no_name_or_email_of_theirs_is_left_in_lms(world: World, pseudonym: str) -> None:
    lms_public.forget_addresses([LEA_EMAIL])  # what accounts does in the deleting transaction
    found = [
        (table, row)
        for table, rows in _snapshot().items()
        for row in rows
        if LEA_NAME in json.dumps(row) or LEA_EMAIL in json.dumps(row)
    ]
    assert found == []


def test_a_second_delivery_changes_nothing(world: World, pseudonym: str) -> None:
    before = _snapshot()
    outbox = OutboxEvent.objects.count()

    assert deliver_user_deleted() == 1  # the same event again, past any inbox

    assert _snapshot() == before
    assert OutboxEvent.objects.count() == outbox


def test_a_late_user_updated_does_not_bring_their_copy_back(world: World, pseudonym: str) -> None:
    publish(
        "user.updated",
        {
            "user_id": str(world.lea.pk),
            "display_name": pseudonym,
            "timezone": "UTC",
            "roles": [],
            "is_active": False,
        },
        producer="accounts",
    )
    handler = registry.get("lms.refresh_learner")
    for row in OutboxEvent.objects.filter(event_type="user.updated"):
        handler.func(Event.from_json(bytes(row.payload)))

    assert not Learner.objects.filter(user_id=world.lea.pk).exists()


def test_an_inactive_learners_copy_is_still_refreshed(world: World) -> None:
    """The guard above only stops inserts: an operator's edit of a deactivated learner still
    reaches the copy lms has."""
    get_user_model().objects.filter(pk=world.otto.pk).update(display_name="Otto B", is_active=False)
    registry.get("lms.refresh_learner").func(
        Event(
            type="user.updated",
            version=1,
            data={"user_id": str(world.otto.pk)},
            producer="accounts",
        )
    )
    assert Learner.objects.get(user_id=world.otto.pk).display_name == "Otto B"


# --- over the real bus ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("bus")
def test_over_the_bus_the_pdf_naming_them_is_replaced(
    instructor: Any, other_learner: Any, settings: Any, tmp_path: Any
) -> None:
    """`user.deleted` committed by accounts goes through the relay and JetStream to the
    `lms.erase_user` consumer; after its commit the old PDF is deleted and a real Celery worker
    renders the new one, which names the pseudonym."""
    from tests.factories import UserFactory

    settings.MEDIA_ROOT = tmp_path
    lea = UserFactory(email=LEA_EMAIL, role="instructor", display_name=LEA_NAME)
    solo = build_course(lea, slug="lea-solo")
    learning.enroll(course=solo.course, user=other_learner)
    certificate = certificate_with_pdf(other_learner, solo)
    assert LEA_NAME in pdf_text(certificate)
    pseudonym = delete_account(lea)

    handler = registry.get("lms.erase_user")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        handled = Recorder()
        consumer = ConsumerRunner(
            handler, after_commit=lambda msgs: [handled.record(m) for m in msgs]
        )
        asyncio.run(run_until([Relay(), consumer], lambda: handled.count >= 1, timeout=30))
        deadline = time.monotonic() + 30
        while not Certificate.objects.get(pk=certificate.pk).pdf:
            assert time.monotonic() < deadline, "the worker never rendered the PDF again"
            time.sleep(0.1)

    text = pdf_text(certificate)
    assert pseudonym in text
    assert LEA_NAME not in text
    assert not CourseInstructor.objects.filter(user_id=lea.pk).exists()
