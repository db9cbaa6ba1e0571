"""Disputes (services/disputes.py, api/disputes.py): either party opens one on funded or
submitted work, its escrow moves to the dispute hold; an operator splits it with one journal
entry, the client's part refunded through the provider, an append-only audit record; the
contract completes once every milestone is finished. Checked through the API and the ledger's
lines."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.utils import DatabaseError, IntegrityError
from django.test.utils import CaptureQueriesContext

from apps.gigs.ledger import posting as ledger
from apps.gigs.ledger.balances import balance
from apps.gigs.models import (
    AccountKind,
    Contract,
    Dispute,
    JournalEntry,
    Milestone,
    MoneyAudit,
    PaymentRecord,
)
from apps.gigs.services import disputes
from apps.gigs.services import milestones as steps
from gigsy.errors import ApplicationError, ConflictError, ForbiddenError
from tests.gigs.conftest import client_for
from tests.gigs.money import balanced_at_end, lines_of, negative_accounts, totals_per_currency
from tests.gigs.work import data_of, fund_now, hire, history, milestones, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("balanced_at_end")]
__all__ = ["balanced_at_end"]  # a fixture, used through pytestmark

FEE_PERCENT = 10
DISPUTES = "/api/v1/gigs/disputes"
ESCROW, HOLD = AccountKind.ESCROW, AccountKind.DISPUTE_HOLD
PENDING, FEES, REFUNDS = (
    AccountKind.FREELANCER_PENDING,
    AccountKind.PLATFORM_FEES,
    AccountKind.CLIENT_REFUNDS,
)


@pytest.fixture(autouse=True)
def fee_percent(settings: Any) -> None:
    settings.GIGS_PLATFORM_FEE_PERCENT = FEE_PERCENT


def fund(milestone: Milestone) -> Milestone:
    """Fund a milestone the way the marketplace does (engineer F's escrow service and the
    sandbox's signed confirmation): its amount in escrow, a succeeded payment behind it (what a
    refund goes back through), its work active."""
    contract = Contract.objects.get(pk=milestone.contract_id)
    client = get_user_model().objects.get(pk=contract.client_id)
    funded = fund_now(contract, milestone, client)
    funded.contract = contract
    return funded


def open_(api: Any, contract: Contract, milestone: Milestone, reason: str = "Not delivered") -> Any:
    return api.post(f"{url(contract, milestone)}/disputes", {"reason": reason}, format="json")


def held(milestone: Milestone, kind: str = HOLD) -> int:
    return balance(ledger.AccountKey(kind, milestone.pk, "USD"))


@pytest.fixture
def world(client_user: Any, freelancer: Any) -> tuple[Contract, Milestone, Milestone]:
    contract = hire(client_user, freelancer)
    first, second = milestones(contract)
    return contract, first, second


# --- opening ----------------------------------------------------------------------------------


def test_the_client_disputes_funded_work_and_its_escrow_moves_to_the_hold(
    world, client_user, freelancer
):
    contract, first, _ = world
    fund(first)

    response = open_(client_for(client_user), contract, first, "  Nothing arrived  ")

    assert response.status_code == 201, response.content
    body = response.json()
    dispute = Dispute.objects.get()
    assert response["Location"].endswith(f"{DISPUTES}/{dispute.pk}")
    assert body["status"] == "open" and body["held_amount"] == 30_000
    assert body["opened_by_role"] == "client" and body["my_role"] == "client"
    assert body["reason"] == "Nothing arrived"
    assert body["money_status"] == "disputed" and body["milestone_status"] == "active"
    assert body["resolution"] is None
    assert body["history"][-1]["action"] == "dispute"
    assert body["history"][-1]["note"] == "Nothing arrived"
    first.refresh_from_db()
    assert first.money_status == "disputed"
    assert (held(first, ESCROW), held(first)) == (0, 30_000)
    entry = JournalEntry.objects.get(reference=f"dispute:{dispute.pk}:hold")
    assert lines_of(entry) == {(ESCROW, first.pk, -30_000), (HOLD, first.pk, 30_000)}
    assert history(first)[-1] == ("dispute", "active", "active")
    [event] = data_of("dispute.opened")
    assert event["dispute_id"] == str(dispute.pk)
    assert event["milestone_id"] == str(first.pk) and event["contract_id"] == str(contract.pk)
    assert event["gig_title"] == "Build a shop" and event["held_amount"] == 30_000
    assert (event["client_id"], event["freelancer_id"]) == (
        str(client_user.pk),
        str(freelancer.pk),
    )
    assert (event["opened_by"], event["opened_by_role"]) == (str(client_user.pk), "client")


def test_the_freelancer_disputes_submitted_work(world, client_user, freelancer):
    contract, first, _ = world
    fund(first)
    steps.submit_milestone(contract_id=contract.pk, milestone_id=first.pk, user=freelancer)

    response = open_(client_for(freelancer), contract, first, "The client does not answer")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["opened_by_role"] == "freelancer" and body["milestone_status"] == "submitted"
    assert held(first) == 30_000
    assert data_of("dispute.opened")[0]["opened_by_role"] == "freelancer"


def test_a_partly_released_milestone_holds_only_what_is_left(world, client_user, freelancer):
    contract, first, _ = world
    fund(first)
    ledger.release(milestone=first, freelancer_id=freelancer.pk, amount=10_000, fee=1_000)
    Milestone.objects.filter(pk=first.pk).update(money_status="partially_released")

    response = open_(client_for(freelancer), contract, first)

    assert response.status_code == 201, response.content
    assert response.json()["held_amount"] == 20_000
    assert (held(first, ESCROW), held(first)) == (0, 20_000)


@pytest.mark.parametrize("money_status", ["unfunded", "funding", "released", "refunded"])
def test_no_dispute_without_money_in_escrow(world, client_user, money_status):
    contract, first, _ = world
    Milestone.objects.filter(pk=first.pk).update(money_status=money_status)

    response = open_(client_for(client_user), contract, first)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["details"]["current_status"] == money_status
    assert money_status.replace("_", " ") in error["message"]
    assert "money" in error["message"]
    assert not Dispute.objects.exists()


def test_a_second_dispute_on_the_same_milestone_is_refused(world, client_user, freelancer):
    contract, first, _ = world
    fund(first)
    assert open_(client_for(client_user), contract, first).status_code == 201

    again = open_(client_for(freelancer), contract, first, "Me too")

    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "dispute_already_open"
    assert error["details"]["dispute_id"] == Dispute.objects.get().pk
    assert Dispute.objects.count() == 1 and held(first) == 30_000


def test_the_database_keeps_one_open_dispute_per_milestone(world, client_user):
    """The partial unique index is the last word when two openings race past the look-up."""
    contract, first, _ = world
    fund(first)
    disputes.open_dispute(
        contract_id=contract.pk, milestone_id=first.pk, user=client_user, reason="One"
    )
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Dispute.objects.create(
            milestone=first, opened_by_id=client_user.pk, reason="Two", held_amount=1
        )
    assert "gigs_dispute_one_open" in str(raised.value)


def test_strangers_do_not_see_the_milestone_and_operators_do_not_dispute(
    world, stranger, operator, client_user
):
    contract, first, _ = world
    fund(first)

    assert open_(client_for(stranger), contract, first).status_code == 404
    assert open_(client_for(operator), contract, first).status_code == 403
    no_reason = open_(client_for(client_user), contract, first, "   ")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["error"]["fields"]
    assert not Dispute.objects.exists()
    first.refresh_from_db()
    assert first.money_status == "funded" and held(first, ESCROW) == 30_000


# --- reading ----------------------------------------------------------------------------------


def test_the_parties_list_their_disputes_and_others_do_not_see_them(
    world, client_user, freelancer, stranger, operator
):
    contract, first, second = world
    fund(first)
    fund(second)
    one = disputes.open_dispute(
        contract_id=contract.pk, milestone_id=first.pk, user=client_user, reason="One"
    )
    two = disputes.open_dispute(
        contract_id=contract.pk, milestone_id=second.pk, user=freelancer, reason="Two"
    )

    for user, role in ((client_user, "client"), (freelancer, "freelancer")):
        page = client_for(user).get(DISPUTES)
        assert page.status_code == 200
        assert page.json()["count"] == 2
        assert [d["id"] for d in page.json()["results"]] == [two.pk, one.pk]  # newest first
        assert {d["my_role"] for d in page.json()["results"]} == {role}
    assert client_for(stranger).get(DISPUTES).json()["count"] == 0
    assert client_for(stranger).get(f"{DISPUTES}/{one.pk}").status_code == 404
    assert client_for(freelancer).get(f"{DISPUTES}/{one.pk}").status_code == 200
    seen = client_for(operator).get(f"{DISPUTES}/{one.pk}")
    assert seen.status_code == 200 and seen.json()["my_role"] is None
    assert client_for(client_user).get(f"{DISPUTES}/999999").status_code == 404


def _count(api: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def test_dispute_pages_cost_a_fixed_number_of_queries(
    client_user, freelancer, operator, django_assert_max_num_queries
):
    parts = [(f"Part {n}", 1_000 + n) for n in range(8)]
    contract = hire(client_user, freelancer, parts=parts)
    items = milestones(contract)
    for milestone in items:
        fund(milestone)
    cora = client_for(client_user)
    cora.get("/api/v1/auth/me")  # the authenticated user is cached from here on
    # contract and milestone locked, the open dispute, the escrow (lock, balance), the dispute
    # (in a savepoint), the hold entry (lock, read, the hold's account created the first time,
    # insert, in ledger.post's savepoint), the milestone, the history, the outbox, the
    # service's savepoint; the answer: the opener's name, the history
    with django_assert_max_num_queries(23):
        assert open_(cora, contract, items[0]).status_code == 201
    disputes.open_dispute(
        contract_id=contract.pk, milestone_id=items[1].pk, user=freelancer, reason="Late"
    )
    few = _count(cora, DISPUTES)
    for milestone in items[2:]:
        _opened(contract, milestone, client_user)
    assert _count(cora, DISPUTES) == few
    with django_assert_max_num_queries(2):  # the count, the page (with milestone and contract)
        assert cora.get(DISPUTES).json()["count"] == 8
    dispute = Dispute.objects.order_by("pk").first()
    assert dispute is not None
    with django_assert_max_num_queries(3):  # the dispute (joined), the opener's name, history
        assert cora.get(f"{DISPUTES}/{dispute.pk}").status_code == 200
    disputes.resolve_dispute(
        dispute_id=dispute.pk,
        operator=operator,
        freelancer_amount=dispute.held_amount,
        client_amount=0,
        reason="Done.",
    )
    with django_assert_max_num_queries(4):  # ... and the resolution's fee
        assert cora.get(f"{DISPUTES}/{dispute.pk}").json()["resolution"]["fee"] == 100


# --- resolving --------------------------------------------------------------------------------


def _opened(contract: Contract, milestone: Milestone, user: Any) -> Dispute:
    return disputes.open_dispute(
        contract_id=contract.pk, milestone_id=milestone.pk, user=user, reason="Half done"
    )


def test_a_split_is_one_entry_fee_on_the_freelancers_part_and_the_rest_refunded(
    world, client_user, freelancer, operator, django_capture_on_commit_callbacks
):
    contract, first, _ = world
    fund(first)
    dispute = _opened(contract, first, client_user)

    with django_capture_on_commit_callbacks(execute=True):
        resolved = disputes.resolve_dispute(
            dispute_id=dispute.pk,
            operator=operator,
            freelancer_amount=12_345,
            client_amount=17_655,
            reason="Half the pages were delivered.",
        )

    assert resolved.status == "resolved"
    assert (resolved.freelancer_amount, resolved.client_amount) == (12_345, 17_655)
    assert resolved.resolved_by_id == operator.pk and resolved.resolved_at is not None
    assert resolved.resolution == "Half the pages were delivered."
    entry = JournalEntry.objects.get(reference=f"dispute:{dispute.pk}:resolve")
    fee = 1_235  # 10 % of 12,345 = 1,234.5, half-up
    assert lines_of(entry) == {
        (HOLD, first.pk, -30_000),
        (PENDING, freelancer.pk, 12_345 - fee),
        (FEES, None, fee),
        (REFUNDS, client_user.pk, 17_655),
    }
    assert held(first) == 0
    assert balance(ledger.pending(freelancer.pk, "USD")) == 12_345 - fee
    assert balance(ledger.client_refunds(client_user.pk, "USD")) == 17_655
    assert totals_per_currency() == {"USD": 0} and negative_accounts() == []
    first.refresh_from_db()
    assert first.money_status == "resolved"
    assert history(first)[-1] == ("resolve_dispute", "active", "active")
    audit = MoneyAudit.objects.get()
    assert (audit.operator_id, audit.action, audit.entry_id) == (
        operator.pk,
        "resolve_dispute",
        entry.pk,
    )
    assert audit.reason == "Half the pages were delivered."
    assert audit.details["fee"] == fee and audit.details["client_amount"] == 17_655
    # The client's part went back through the provider, once, under the dispute's reference.
    payment = PaymentRecord.objects.get(reference=first.payment_reference)
    assert payment.refunded_amount == 17_655
    [event] = data_of("dispute.resolved")
    assert (event["freelancer_amount"], event["client_amount"], event["fee"]) == (
        12_345,
        17_655,
        fee,
    )
    assert event["resolved_by"] == str(operator.pk) and event["gig_title"] == "Build a shop"
    # The parties read the resolution on the dispute's page.
    page = client_for(freelancer).get(f"{DISPUTES}/{dispute.pk}").json()
    assert page["status"] == "resolved" and page["money_status"] == "resolved"
    assert page["resolution"]["fee"] == fee
    assert page["resolution"]["reason"] == "Half the pages were delivered."
    assert page["history"][-1]["actor_role"] == "operator"


def test_a_refund_the_provider_refuses_leaves_the_resolution_and_is_retried_once(
    world, client_user, operator, settings, django_capture_on_commit_callbacks
):
    """The ledger's split stands (the money is owed to the client either way); the refusal is
    logged, and a retry under the dispute's reference refunds once."""
    contract, first, _ = world
    fund(first)
    dispute = _opened(contract, first, client_user)
    settings.SANDBOX_FAIL_REFERENCES = ["dispute:*:refund"]

    with django_capture_on_commit_callbacks(execute=True):
        disputes.resolve_dispute(
            dispute_id=dispute.pk,
            operator=operator,
            freelancer_amount=10_000,
            client_amount=20_000,
            reason="A third.",
        )

    dispute.refresh_from_db()
    assert dispute.status == "resolved"
    payment = PaymentRecord.objects.get(reference=first.payment_reference)
    assert payment.refunded_amount == 0
    settings.SANDBOX_FAIL_REFERENCES = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert disputes.refund_client(
                dispute_id=dispute.pk, payment_reference=payment.reference, amount=20_000
            )
    payment.refresh_from_db()
    assert payment.refunded_amount == 20_000  # two asks, one refund


def test_all_to_one_party_is_a_resolution_too(world, client_user, freelancer, operator):
    contract, first, _ = world
    fund(first)
    dispute = _opened(contract, first, freelancer)

    disputes.resolve_dispute(
        dispute_id=dispute.pk,
        operator=operator,
        freelancer_amount=30_000,
        client_amount=0,
        reason="Delivered as agreed.",
    )

    entry = JournalEntry.objects.get(reference=f"dispute:{dispute.pk}:resolve")
    assert lines_of(entry) == {
        (HOLD, first.pk, -30_000),
        (PENDING, freelancer.pk, 27_000),
        (FEES, None, 3_000),
    }


@pytest.mark.parametrize(
    ("freelancer_amount", "client_amount", "code"),
    [
        (10_000, 10_000, "invalid_split"),
        (20_000, 20_000, "invalid_split"),
        (0, 0, "invalid_split"),
        (-5_000, 35_000, "invalid_amount"),
    ],
)
def test_a_split_that_does_not_add_up_is_refused_and_moves_nothing(
    world, client_user, operator, freelancer_amount, client_amount, code
):
    contract, first, _ = world
    fund(first)
    dispute = _opened(contract, first, client_user)

    with pytest.raises(ApplicationError) as raised:
        disputes.resolve_dispute(
            dispute_id=dispute.pk,
            operator=operator,
            freelancer_amount=freelancer_amount,
            client_amount=client_amount,
            reason="Split.",
        )

    assert raised.value.code == code
    if code == "invalid_split":
        assert raised.value.details == {"total": 30_000}
    dispute.refresh_from_db()
    assert dispute.status == "open" and held(first) == 30_000
    assert not MoneyAudit.objects.exists()


def test_only_operators_resolve_and_only_once(world, client_user, freelancer, operator):
    contract, first, _ = world
    fund(first)
    dispute = _opened(contract, first, client_user)
    terms = {"freelancer_amount": 15_000, "client_amount": 15_000, "reason": "Even."}

    for party in (client_user, freelancer):
        with pytest.raises(ForbiddenError):
            disputes.resolve_dispute(dispute_id=dispute.pk, operator=party, **terms)
    disputes.resolve_dispute(dispute_id=dispute.pk, operator=operator, **terms)
    with pytest.raises(ConflictError) as again:
        disputes.resolve_dispute(dispute_id=dispute.pk, operator=operator, **terms)

    assert again.value.code == "dispute_already_resolved"
    assert JournalEntry.objects.filter(kind="dispute_resolve").count() == 1
    assert MoneyAudit.objects.count() == 1


def test_the_audit_record_cannot_be_changed_or_deleted(world, client_user, operator):
    contract, first, _ = world
    fund(first)
    disputes.resolve_dispute(
        dispute_id=_opened(contract, first, client_user).pk,
        operator=operator,
        freelancer_amount=1,
        client_amount=29_999,
        reason="Almost nothing delivered.",
    )
    audit = MoneyAudit.objects.get()
    table = MoneyAudit._meta.db_table

    for sql in (
        f"UPDATE {table} SET reason = 'rewritten' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [audit.pk])

    audit.refresh_from_db()
    assert audit.reason == "Almost nothing delivered."


def test_the_contract_completes_once_its_last_milestone_is_resolved(
    client_user, freelancer, operator
):
    contract = hire(client_user, freelancer, parts=[("Everything", 40_000)])
    [only] = milestones(contract)
    fund(only)
    steps.submit_milestone(contract_id=contract.pk, milestone_id=only.pk, user=freelancer)
    dispute = _opened(contract, only, client_user)

    disputes.resolve_dispute(
        dispute_id=dispute.pk,
        operator=operator,
        freelancer_amount=20_000,
        client_amount=20_000,
        reason="Half.",
    )

    contract.refresh_from_db()
    assert contract.status == "completed" and contract.ended_at is not None
    [completed] = data_of("contract.completed")
    assert completed["contract_id"] == str(contract.pk)


def test_the_work_is_frozen_while_disputed(world, client_user, freelancer):
    """Every work step on a disputed milestone is a 409 naming the money status (engineer
    F's guard in services/milestones.py), and nothing moves."""
    contract, first, _ = world
    fund(first)
    steps.submit_milestone(contract_id=contract.pk, milestone_id=first.pk, user=freelancer)
    assert open_(client_for(freelancer), contract, first).status_code == 201
    client, worker = client_for(client_user), client_for(freelancer)

    refused = [
        client.post(url(contract, first, "approve"), {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"),
        client.post(url(contract, first, "request-changes"), {"note": "More"}, format="json"),
        worker.post(url(contract, first, "cancel"), {"reason": "Stop"}, format="json"),
    ]

    for response in refused:
        assert response.status_code == 409, response.content
        error = response.json()["error"]
        assert error["code"] == "invalid_transition"
        assert error["details"]["current_status"] == "disputed"
    first.refresh_from_db()
    assert (first.status, first.money_status) == ("submitted", "disputed")
    assert held(first) == 30_000 and not JournalEntry.objects.filter(kind="release").exists()


# --- a person's data ------------------------------------------------------------------------------


def test_the_export_shows_a_dispute_and_the_erasure_empties_its_reason(
    world, client_user, freelancer, operator
):
    from apps.gigs.public import export_user
    from apps.gigs.services.privacy import erase_user

    contract, first, _ = world
    fund(first)
    dispute = disputes.open_dispute(
        contract_id=contract.pk, milestone_id=first.pk, user=client_user, reason="Cora says no"
    )
    disputes.resolve_dispute(
        dispute_id=dispute.pk,
        operator=operator,
        freelancer_amount=0,
        client_amount=30_000,
        reason="Nothing delivered.",
    )

    def exported(user: Any) -> dict[str, Any]:
        [found] = [
            d
            for c in export_user(user.pk)["contracts"]
            for m in c["milestones"]
            for d in m["disputes"]
        ]
        return found

    mine, theirs = exported(client_user), exported(freelancer)
    assert (mine["opened by you"], mine["reason"]) == (True, "Cora says no")
    assert (theirs["opened by you"], theirs["reason"]) == (False, None)
    assert mine["refunded to the client"] == 30_000 and mine["resolution"] == "Nothing delivered."

    erase_user(user_id=client_user.pk)

    dispute.refresh_from_db()
    assert dispute.reason == "" and dispute.client_amount == 30_000
    assert exported(client_user)["reason"] == ""
