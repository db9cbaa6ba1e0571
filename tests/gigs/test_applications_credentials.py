"""The credential gate (issue 12): a gig may require a course certificate; gigs keeps its own
copy of who holds which (HeldCredential), fed by lms's `certificate.issued` and
`certificate.revoked` through the consumer's path (inbox and all). A revocation closes the gate
for new applications, and no late or repeated `issued` opens it again."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from apps.gigs import selectors
from apps.gigs.models import Application, Gig, HeldCredential
from apps.gigs.services import credentials
from apps.lms.certificates.services import issue_certificate, revoke_certificate
from apps.lms.models import Certificate, Course
from gigsy.events import inbox
from tests.factories import UserFactory
from tests.gigs.applying import (
    GIGS,
    deliver,
    deliver_certificates,
    error_of,
    outbox_events,
    post_gig,
)
from tests.gigs.conftest import client_for
from tests.lms.conftest import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db: Any) -> Course:
    return build_course(UserFactory(email="ines@example.com", role="instructor")).course


@pytest.fixture
def gated(client_user: Any, course: Course) -> Gig:
    return post_gig(client_user, title="Python scripts", required_course_id=course.pk)


def _certify(user: Any, course: Course) -> Certificate:
    certificate, created = issue_certificate(user_id=user.pk, course_id=course.pk)
    assert created
    return certificate


def _apply_api(user: Any, gig: Gig) -> Any:
    return client_for(user).post(
        f"{GIGS}/{gig.pk}/applications",
        {"cover_letter": "I passed the course.", "bid_amount": 30_000},
        format="json",
    )


def test_the_gate_opens_with_a_certificate_and_closes_with_its_revocation(
    gated: Gig, course: Course, freelancer: Any, operator: Any
) -> None:
    refused = _apply_api(freelancer, gated)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "credential_required")
    assert error_of(refused)["details"] == {"course_id": course.pk, "course_title": "Python Basics"}

    certificate = _certify(freelancer, course)
    assert deliver_certificates()["certificate.issued"] == [inbox.Outcome.HANDLED]
    assert selectors.holds_credential(user_id=freelancer.pk, course_id=course.pk)
    first = _apply_api(freelancer, gated)
    assert first.status_code == 201, first.content

    revoke_certificate(certificate=certificate, by=operator, reason="Issued in error.")
    deliver_certificates()
    assert not selectors.holds_credential(user_id=freelancer.pk, course_id=course.pk)
    # What was applied stays; a new application is refused.
    assert Application.objects.get(pk=first.json()["id"]).status == "submitted"
    client_for(freelancer).post(f"{GIGS}/applications/{first.json()['id']}/withdraw")
    again = _apply_api(freelancer, gated)
    assert (again.status_code, error_of(again)["code"]) == (403, "credential_required")
    assert HeldCredential.objects.get().revoked is True


def test_a_certificate_whose_event_never_came_is_found_in_lms_on_a_miss(
    gated: Gig, course: Course, freelancer: Any, other_freelancer: Any, operator: Any
) -> None:
    """Certified before gigs' consumer first ran (the stream keeps a week of events), or the
    event is still on its way: the gate asks lms once."""
    _certify(freelancer, course)
    revoke_certificate(
        certificate=_certify(other_freelancer, course), by=operator, reason="Cheated."
    )
    assert not HeldCredential.objects.exists()  # nothing delivered

    assert _apply_api(freelancer, gated).status_code == 201
    refused = _apply_api(other_freelancer, gated)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "credential_required")
    # What opened the gate is recorded; a refusal rolls back with the rest of the attempt.
    assert list(HeldCredential.objects.values_list("user_id", "revoked")) == [
        (freelancer.pk, False)
    ]
    # The events arriving late change nothing, and record the revocation.
    deliver_certificates()
    assert sorted(HeldCredential.objects.values_list("user_id", "revoked")) == sorted(
        [(freelancer.pk, False), (other_freelancer.pk, True)]
    )


def test_a_revocation_gigs_recorded_is_not_undone_by_asking_lms(
    gated: Gig, course: Course, freelancer: Any
) -> None:
    certificate = _certify(freelancer, course)
    # Suppose gigs learnt of a revocation lms no longer shows (it never un-revokes; if it did,
    # it would say so with its own event): the read-through does not reopen the gate.
    credentials.record_revoked(
        certificate_id=certificate.pk, user_id=freelancer.pk, course_id=course.pk
    )
    assert _apply_api(freelancer, gated).status_code == 403
    assert HeldCredential.objects.get().revoked is True


def test_someone_elses_certificate_or_another_courses_does_not_open_the_gate(
    gated: Gig, course: Course, freelancer: Any, other_freelancer: Any
) -> None:
    other_course = build_course(
        UserFactory(email="ivan@example.com", role="instructor"), slug="other"
    ).course
    _certify(other_freelancer, course)
    _certify(freelancer, other_course)
    deliver_certificates()

    assert HeldCredential.objects.count() == 2
    assert _apply_api(freelancer, gated).status_code == 403
    assert _apply_api(other_freelancer, gated).status_code == 201
    # An ungated gig takes anyone.
    assert _apply_api(freelancer, post_gig(gated.client, title="Open to all")).status_code == 201


def test_redelivered_and_repeated_events_change_nothing(
    course: Course, freelancer: Any, operator: Any
) -> None:
    certificate = _certify(freelancer, course)
    [issued] = outbox_events("certificate.issued")
    assert deliver(issued, "gigs.hold_credential") == inbox.Outcome.HANDLED
    assert deliver(issued, "gigs.hold_credential") == inbox.Outcome.DUPLICATE
    # Past the inbox (a replay from the dead-letter table): the handler itself is idempotent.
    from gigsy.events import registry

    registry.get("gigs.hold_credential").func(issued)
    row = HeldCredential.objects.get()
    assert (row.certificate_id, row.user_id, row.course_id, row.revoked) == (
        certificate.pk,
        freelancer.pk,
        course.pk,
        False,
    )

    revoke_certificate(certificate=certificate, by=operator, reason="Cheated.")
    [revoked] = outbox_events("certificate.revoked")
    for _ in range(2):
        registry.get("gigs.revoke_credential").func(revoked)
    assert HeldCredential.objects.get().revoked is True


def test_a_late_issued_never_undoes_a_revocation(
    gated: Gig, course: Course, freelancer: Any, operator: Any
) -> None:
    certificate = _certify(freelancer, course)
    revoke_certificate(certificate=certificate, by=operator, reason="Issued in error.")
    [issued], [revoked] = outbox_events("certificate.issued"), outbox_events("certificate.revoked")

    # The revocation arrives first (the issue's delivery failed and is retried later).
    assert deliver(revoked, "gigs.revoke_credential") == inbox.Outcome.HANDLED
    assert deliver(issued, "gigs.hold_credential") == inbox.Outcome.HANDLED

    assert HeldCredential.objects.get(pk=certificate.pk).revoked is True
    assert not selectors.holds_credential(user_id=freelancer.pk, course_id=course.pk)
    assert _apply_api(freelancer, gated).status_code == 403


def test_the_repair_command_copies_a_users_certificates_from_lms(
    gated: Gig, course: Course, freelancer: Any, other_freelancer: Any, operator: Any, capsys: Any
) -> None:
    """No event delivered at all (say, parked and never replayed): the command catches up."""
    _certify(freelancer, course)
    other = _certify(other_freelancer, course)
    revoke_certificate(certificate=other, by=operator, reason="Cheated.")

    call_command(
        "gigs_sync_credentials", "--user", str(freelancer.pk), "--user", str(other_freelancer.pk)
    )

    out = capsys.readouterr().out
    assert f"user {freelancer.pk}: 1 valid, 0 revoked" in out
    assert f"user {other_freelancer.pk}: 0 valid, 1 revoked" in out
    assert selectors.holds_credential(user_id=freelancer.pk, course_id=course.pk)
    assert not selectors.holds_credential(user_id=other_freelancer.pk, course_id=course.pk)
    assert _apply_api(freelancer, gated).status_code == 201
    # Again, and then the late events: nothing changes.
    credentials.sync_credentials(user_id=other_freelancer.pk)
    deliver_certificates()
    assert sorted(HeldCredential.objects.values_list("user_id", "revoked")) == sorted(
        [(freelancer.pk, False), (other_freelancer.pk, True)]
    )
