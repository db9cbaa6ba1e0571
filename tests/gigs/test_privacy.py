"""A person's gig marketplace data (issue 11, docs/decisions/0028): the export holds it all;
an active contract blocks the account's deletion; once deleted (DELETE /api/v1/auth/me, which
publishes `user.deleted`), the handler `gigs.erase_user` cancels what they left open, withdraws
what they left waiting, empties every text they wrote and deletes their blocks and credentials,
while contracts, milestones, reviews' ratings and reports stay on the pseudonymized account."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model

from apps.gigs.models import (
    ApplicantBlock,
    Application,
    ApplicationStatus,
    Contract,
    ContractStatus,
    Gig,
    GigStatus,
    HeldCredential,
    Milestone,
    MilestoneEvent,
    Report,
    ReportStatus,
    Review,
    UserRating,
)
from apps.gigs.services import applications
from apps.gigs.services import milestones as milestone_services
from gigsy import privacy
from gigsy.events import Event, registry
from gigsy.events.consumer import ConsumerRunner
from gigsy.events.models import OutboxEvent
from gigsy.events.relay import Relay
from tests.events.conftest import Recorder, bus, run_until  # noqa: F401 (fixture)
from tests.factories import DEFAULT_PASSWORD
from tests.gigs.conftest import client_for
from tests.gigs.someone_everywhere import (
    DANA_CERTIFICATE,
    DANA_EMAIL,
    DANA_MARK,
    DANA_NAME,
    World,
    build_world,
    hire,
    post,
)

pytestmark = pytest.mark.django_db
ME = "/api/v1/auth/me"


@pytest.fixture
def world(client_user: Any, freelancer: Any, other_freelancer: Any, operator: Any) -> World:
    return build_world(client_user, freelancer, other_freelancer, operator)


def delete_account(user: Any) -> None:
    """The owner deletes their account through the API (accounts publishes `user.deleted`)."""
    response = client_for(user).delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204, response.content


def deliver_user_deleted() -> int:
    """Hand every `user.deleted` in the outbox to gigs' handler, as its consumer would."""
    handler = registry.get("gigs.erase_user")
    assert handler.event_type == privacy.DELETED_EVENT
    rows = list(OutboxEvent.objects.filter(event_type="user.deleted").order_by("id"))
    for row in rows:
        handler.func(Event.from_json(bytes(row.payload)))
    return len(rows)


def events(event_type: str) -> list[dict[str, Any]]:
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [json.loads(bytes(row.payload))["data"] for row in rows]


def gigs_models() -> list[Any]:
    return list(django_apps.get_app_config("gigs").get_models(include_auto_created=True))


def snapshot() -> dict[str, list[dict[str, str]]]:
    """Every row of every gigs table (times included: a rerun must not touch a row)."""
    return {
        model._meta.db_table: [
            {k: str(v) for k, v in row.items()} for row in model.objects.order_by("pk").values()
        ]
        for model in gigs_models()
    }


@pytest.fixture
def erased(world: World) -> World:
    delete_account(world.dana)
    assert deliver_user_deleted() == 1
    return world


# --- the export -----------------------------------------------------------------------------------


def test_the_export_holds_everything_gigs_knows_about_them(
    world: World, django_assert_max_num_queries: Any
) -> None:
    [exporter] = [e for e in privacy.exporters() if e.context == "gigs"]
    assert exporter.description.startswith("Your gig marketplace")
    with django_assert_max_num_queries(15):  # 14 + the milestones' disputes
        data = exporter.export(world.dana.pk)
    json.dumps(data)  # JSON-ready as it is

    assert [g["title"] for g in data["gigs posted"]] == [
        "Dana's draft",
        "Dana's open gig",
        "Dana hires Finn",
    ]
    assert {a["gig title"]: a["cover letter"] for a in data["applications"]} == {
        "Cora's open gig": f"Dana's letter ({DANA_MARK})",
        "Cora hires Dana": f"Dana applies ({DANA_MARK})",
    }
    hired, worked = data["contracts"]
    assert (hired["you are"], hired["other party"]) == ("client", "Finn Freelancer")
    assert (worked["you are"], worked["other party"]) == ("freelancer", "Cora Client")
    [milestone] = worked["milestones"]
    assert milestone["submission note"] == f"Here is my work ({DANA_MARK}) (again)"
    assert milestone["changes requested"] == "Cora asks for one more page"
    steps = [(s["action"], s["by"]) for s in milestone["history"]]
    assert ("submit", "you") in steps and ("request_changes", "the other party") in steps
    assert sorted(r["text"] for r in data["reviews you wrote"]) == [
        f"Cora pays on time ({DANA_MARK})",
        f"Finn was great ({DANA_MARK})",
    ]
    assert sorted((r["by"], r["rating"]) for r in data["reviews of you"]) == [
        ("Cora Client", 5),
        ("Finn Freelancer", 4),
    ]
    assert data["ratings"] == {
        "as freelancer": {"average": 5.0, "reviews": 1},
        "as client": {"average": 4.0, "reviews": 1},
    }
    [filed] = data["reports you filed"]
    assert (filed["gig title"], filed["details"]) == (
        "Cora's open gig",
        f"Looks copied ({DANA_MARK})",
    )
    assert [b["name"] for b in data["people you blocked"]] == ["Finn Freelancer"]
    assert data["course certificates gigs knows you hold"] == [
        {"certificate id": DANA_CERTIFICATE, "course id": 77, "revoked": False}
    ]
    # Others' applications to her gigs are theirs, and who blocked her stays out.
    assert "Olga's letter" not in json.dumps(data)
    assert "Cora Client" not in json.dumps(data["people you blocked"])


def test_the_export_costs_the_same_whatever_the_volume(
    world: World, django_assert_max_num_queries: Any
) -> None:
    hire(world.dana, world.olga, title="One more contract", letter="Olga again")
    [exporter] = [e for e in privacy.exporters() if e.context == "gigs"]
    with django_assert_max_num_queries(15):  # 14 + the milestones' disputes
        data = exporter.export(world.dana.pk)
    assert len(data["contracts"]) == 3


# --- what stops a deletion ------------------------------------------------------------------------


def test_an_active_contract_blocks_the_deletion_naming_it(
    client_user: Any, freelancer: Any
) -> None:
    contract = hire(client_user, freelancer, title="Still running", letter="Me")
    for party in (client_user, freelancer):
        response = client_for(party).delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "deletion_blocked"
        [blocker] = error["details"]["blockers"]
        assert blocker["context"] == "gigs"
        assert blocker["code"] == "open_contract"
        assert f"#{contract.pk}" in blocker["message"] and "Still running" in blocker["message"]
    assert not OutboxEvent.objects.filter(event_type="user.deleted").exists()

    # Once its milestones end, nothing stands in the way.
    milestone = Milestone.objects.get(contract=contract)
    ids = {"contract_id": contract.pk, "milestone_id": milestone.pk}
    milestone_services.propose_cancel(**ids, user=freelancer, reason="Not needed")
    milestone_services.accept_cancel(**ids, user=client_user)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.CANCELLED
    assert privacy.deletion_blockers(freelancer.pk) == []


# --- the erasure ----------------------------------------------------------------------------------


def test_what_they_left_open_is_cancelled_and_what_waits_is_withdrawn(erased: World) -> None:
    w = erased
    for gig in (w.dana_draft, w.dana_open):
        gig.refresh_from_db()
        assert gig.status == GigStatus.CANCELLED
        assert gig.status_reason == "Account deleted"
    closed = {e["gig_id"]: e["reason"] for e in events("gig.closed")}
    assert closed[str(w.dana_draft.pk)] == closed[str(w.dana_open.pk)] == "Account deleted"
    # Olga's application to Dana's open gig is rejected, as in any cancellation.
    olga = Application.objects.get(pk=w.olgas_application.pk)
    assert olga.status == ApplicationStatus.REJECTED
    assert olga.cover_letter == "Olga's letter"
    assert str(olga.pk) in {e["application_id"] for e in events("application.rejected")}
    # Dana's application to Cora's gig is withdrawn (the gig stays open for others).
    dana = Application.objects.get(pk=w.danas_application.pk)
    assert dana.status == ApplicationStatus.WITHDRAWN
    assert [e["application_id"] for e in events("application.withdrawn")] == [str(dana.pk)]
    assert Gig.objects.get(pk=w.cora_open.pk).status == GigStatus.OPEN
    # Her finished gig stays as it was: the contract's subject.
    assert Gig.objects.get(pk=w.dana_hired.gig_id).status == GigStatus.COMPLETED


def test_every_text_they_wrote_is_emptied_and_the_numbers_stay(erased: World) -> None:
    w = erased
    dana = w.dana.pk
    assert set(
        Application.objects.filter(applicant_id=dana).values_list("cover_letter", flat=True)
    ) == {""}
    worked = Milestone.objects.get(contract=w.dana_worked)
    assert worked.submission_note == ""
    assert worked.changes_note == "Cora asks for one more page"  # Cora's words
    hired = Milestone.objects.get(contract=w.dana_hired)
    assert hired.changes_note == ""
    assert hired.submission_note == "Finn's note (again)"  # Finn's words
    assert not MilestoneEvent.objects.filter(actor_id=dana).exclude(note="").exists()
    assert MilestoneEvent.objects.filter(actor_id=w.cora.pk).exclude(note="").exists()
    written = Review.objects.filter(reviewer_id=dana)
    assert {(r.rating, r.text) for r in written} == {(5, ""), (4, "")}
    assert {r.text for r in Review.objects.filter(reviewee_id=dana)} == {
        "Dana delivered",
        "Dana was clear",
    }
    # The others' ratings do not move; hers stay on the pseudonymized account.
    assert UserRating.objects.get(user_id=w.finn.pk).freelancer_sum == 5
    assert UserRating.objects.get(user_id=w.cora.pk).client_sum == 4
    report = Report.objects.get(pk=w.danas_report.pk)
    assert (report.details, report.reason, report.status) == ("", "spam", ReportStatus.OPEN)


def test_blocks_and_credentials_go_and_contracts_stay_on_the_pseudonym(erased: World) -> None:
    w = erased
    dana = w.dana.pk
    assert not ApplicantBlock.objects.filter(client_id=dana).exists()
    assert not ApplicantBlock.objects.filter(blocked_id=dana).exists()
    assert not HeldCredential.objects.filter(user_id=dana).exists()
    for contract in (w.dana_hired, w.dana_worked):
        kept = Contract.objects.get(pk=contract.pk)
        assert kept.status == ContractStatus.COMPLETED
        assert dana in (kept.client_id, kept.freelancer_id)
        assert Milestone.objects.filter(contract=kept).count() == 1
    account = get_user_model().objects.get(pk=dana)
    assert account.display_name != DANA_NAME and not account.is_active


def test_no_table_of_gigs_keeps_their_words_name_or_address(erased: World) -> None:
    found = [
        f"{table}: {row}"
        for table, rows in snapshot().items()
        for row in rows
        if any(
            needle in value
            for value in row.values()
            for needle in (DANA_MARK, DANA_NAME, DANA_EMAIL)
        )
    ]
    assert found == []


def test_the_erasure_is_idempotent(erased: World) -> None:
    before = snapshot()
    published = OutboxEvent.objects.count()
    assert deliver_user_deleted() == 1  # the same event, redelivered
    assert snapshot() == before
    assert OutboxEvent.objects.count() == published


def test_other_peoples_data_is_untouched(world: World) -> None:
    def others() -> dict[str, list[Any]]:
        ids = [world.cora.pk, world.finn.pk, world.olga.pk]
        return {
            "gigs": list(Gig.objects.filter(client_id__in=ids).order_by("pk").values()),
            "letters": list(
                Application.objects.filter(applicant_id__in=ids)
                .exclude(gig__client_id=world.dana.pk)
                .order_by("pk")
                .values()
            ),
            "reviews": list(Review.objects.filter(reviewer_id__in=ids).order_by("pk").values()),
        }

    before = others()
    delete_account(world.dana)
    deliver_user_deleted()
    assert others() == before


# --- over the real bus ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("bus")
def test_over_the_bus_their_open_gig_is_cancelled(client_user: Any, other_freelancer: Any) -> None:
    """`user.deleted` committed by accounts goes through the relay and JetStream to the
    `gigs.erase_user` consumer, which cancels the open gig and rejects its application."""
    gig = post(client_user, "Cora leaves")
    application = applications.apply(
        gig_id=gig.pk, user=other_freelancer, cover_letter="Olga's letter", bid_amount=30_000
    )
    delete_account(client_user)

    handled = Recorder()
    consumer = ConsumerRunner(
        registry.get("gigs.erase_user"), after_commit=lambda msgs: [handled.record(m) for m in msgs]
    )
    asyncio.run(run_until([Relay(), consumer], lambda: handled.count >= 1, timeout=30))

    assert Gig.objects.get(pk=gig.pk).status == GigStatus.CANCELLED
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.REJECTED
