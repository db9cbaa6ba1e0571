"""Escrow in the milestone's life, through the HTTP API and the sandbox's real confirmation
endpoint (its signed webhook goes through the real intake): funding, release on approval with
the platform's fee, partial releases, refunds on cancellation, hourly remainders, failed and late
payments, replays, frozen disputed work, bad input; the ledger checked after each step
(services/escrow.py, docs/decisions/0029 "Integration")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from apps.gigs.ledger import posting
from apps.gigs.ledger.balances import balance
from apps.gigs.models import EntryKind, JournalEntry, Milestone, PaymentRecord
from apps.gigs.payments.sandbox import event_body
from apps.gigs.services.milestones import auto_approve_due
from tests.gigs.conftest import client_for
from tests.gigs.money import balanced_at_end, negative_accounts, totals_per_currency  # noqa: F401
from tests.gigs.paying import post_sandbox, renamed
from tests.gigs.work import (
    age_submission,
    confirm,
    data_of,
    fund,
    hire,
    history,
    milestones,
    parties,
    url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("balanced_at_end")]


@pytest.fixture
def p(client_user, freelancer):
    return parties(hire(client_user, freelancer), client_user, freelancer)


def money(p: Any, milestone: Milestone) -> dict[str, int]:
    """Where the contract's money is: the milestone's escrow, the freelancer's pending funds,
    the platform's fees, the client's refunds and funding."""
    contract = p.contract
    return {
        "escrow": balance(posting.escrow(milestone.pk, "USD")),
        "pending": balance(posting.pending(contract.freelancer_id, "USD")),
        "fees": balance(posting.platform_fees("USD")),
        "refunds": balance(posting.client_refunds(contract.client_id, "USD")),
        "funding": balance(posting.client_funding(contract.client_id, "USD")),
    }


def invariants() -> None:
    assert set(totals_per_currency().values()) <= {0}
    assert negative_accounts() == []


def state(milestone: Milestone) -> tuple[str, str]:
    milestone.refresh_from_db()
    return milestone.status, milestone.money_status


def ask_to_fund(p: Any, milestone: Milestone, key: str | None = None) -> Any:
    return p.step("client", milestone, "fund", key=key)


# --- the whole path -------------------------------------------------------------------------------


def test_fund_confirm_submit_approve_releases_with_the_fee(p, client_user, freelancer, settings):
    settings.GIGS_PLATFORM_FEE_PERCENT = "10"
    design = milestones(p.contract)[0]

    asked = ask_to_fund(p, design)
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["provider"] == "sandbox"
    assert (body["amount"], body["currency"]) == (30_000, "USD")
    assert body["payment_reference"] == f"fund:{design.pk}:1"
    assert body["money_status"] == "funding"
    assert body["client_secret"] is None
    assert body["confirm_url"].endswith("/confirm")
    assert asked["Location"].endswith(url(p.contract, design))
    assert state(design) == ("pending", "funding")
    assert money(p, design)["escrow"] == 0  # nothing is funded until the provider says so

    confirm(body["confirm_url"])
    assert state(design) == ("active", "funded")
    assert money(p, design) == {
        "escrow": 30_000,
        "pending": 0,
        "fees": 0,
        "refunds": 0,
        "funding": -30_000,
    }
    invariants()

    p.ok("freelancer", design, "submit", {"note": "Mock-ups"})
    assert money(p, design)["escrow"] == 30_000
    approved = p.ok("client", design, "approve")
    assert (approved["status"], approved["money_status"]) == ("approved", "released")
    assert money(p, design) == {
        "escrow": 0,
        "pending": 27_000,
        "fees": 3_000,
        "refunds": 0,
        "funding": -30_000,
    }
    invariants()

    [funded] = data_of("milestone.funded")
    assert funded["payment_reference"] == f"fund:{design.pk}:1"
    assert (funded["client_id"], funded["freelancer_id"]) == (
        str(client_user.pk),
        str(freelancer.pk),
    )
    [released] = data_of("milestone.released")
    assert (released["amount"], released["fee"], released["net"]) == (30_000, 3_000, 27_000)
    assert released["final"] is True
    assert released["skills"] == ["django", "python"]
    assert released["gig_title"] == "Build a shop"
    assert released["contract_id"] == str(p.contract.pk)
    assert [action for action, _, _ in history(design)] == ["agreed", "fund", "submit", "approve"]


def test_the_contract_completes_when_every_milestone_is_released(p):
    design, build = milestones(p.contract)
    for milestone in (design, build):
        fund(p, milestone)
        p.ok("freelancer", milestone, "submit")
        last = p.ok("client", milestone, "approve")
    assert last["contract_status"] == "completed"
    [completed] = data_of("contract.completed")
    assert completed["approved_amount"] == 50_000
    assert [e.kind for e in JournalEntry.objects.order_by("id")] == [
        EntryKind.FUND,
        EntryKind.RELEASE,
        EntryKind.FUND,
        EntryKind.RELEASE,
    ]


def test_funding_again_while_the_payment_is_completed_answers_the_same_payment(p):
    design = milestones(p.contract)[0]
    first = ask_to_fund(p, design)
    again = ask_to_fund(p, design)  # another key: the client reloaded the page
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["payment_reference"] == first.json()["payment_reference"]
    assert again.json()["confirm_url"] == first.json()["confirm_url"]
    assert PaymentRecord.objects.filter(milestone=design).count() == 1

    confirm(first.json()["confirm_url"])
    refused = ask_to_fund(p, design)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["current_status"] == "active"


def test_the_same_key_replays_the_first_answer(p):
    design = milestones(p.contract)[0]
    first = ask_to_fund(p, design, key="fund-once")
    replay = ask_to_fund(p, design, key="fund-once")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert PaymentRecord.objects.filter(milestone=design).count() == 1


# --- partial releases and refunds -----------------------------------------------------------------


def test_partial_release_then_the_rest_refunded_by_cancellation(
    p, settings, django_capture_on_commit_callbacks
):
    settings.GIGS_PLATFORM_FEE_PERCENT = "10"
    design = milestones(p.contract)[0]
    fund(p, design)

    part = p.ok("client", design, "release", {"amount": 10_005})
    assert part["money_status"] == "partially_released"
    assert part["status"] == "active"
    assert money(p, design) == {
        "escrow": 19_995,
        "pending": 9_004,  # 10,005 less a fee of 1,000.5 -> 1,001 (half-up)
        "fees": 1_001,
        "refunds": 0,
        "funding": -30_000,
    }
    [released] = data_of("milestone.released")
    assert (released["amount"], released["fee"], released["final"]) == (10_005, 1_001, False)

    p.ok("freelancer", design, "cancel", {"reason": "Scope changed"})
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = p.ok("client", design, "cancel/accept")
    assert (cancelled["status"], cancelled["money_status"]) == ("cancelled", "refunded")
    assert money(p, design) == {
        "escrow": 0,
        "pending": 9_004,
        "fees": 1_001,
        "refunds": 19_995,
        "funding": -30_000,
    }
    invariants()
    [refunded] = data_of("milestone.refunded")
    assert (refunded["amount"], refunded["reason"]) == (19_995, "cancelled")
    # The provider refunded the payment after commit (the sandbox's refund webhook came back).
    payment = PaymentRecord.objects.get(reference=f"fund:{design.pk}:1")
    assert payment.refunded_amount == 19_995
    assert payment.status == "succeeded"  # part of it was released, not refunded


def test_releasing_everything_held_releases_the_milestone(p):
    design, build = milestones(p.contract)
    fund(p, design)
    p.ok("client", design, "release", {"amount": 1_000})
    whole = p.ok("client", design, "release", {"amount": 29_000})
    assert whole["money_status"] == "released"
    assert "release" not in whole["actions"]
    assert money(p, design)["escrow"] == 0
    assert [d["final"] for d in data_of("milestone.released")] == [False, True]
    # Paying everything is accepting the work as it stands: approved, and nothing else to do.
    assert (whole["status"], whole["actions"]) == ("approved", [])
    assert [d["milestone_id"] for d in data_of("milestone.approved")] == [str(design.pk)]
    for party, step, body in (
        ("freelancer", "submit", {"note": "x"}),
        ("client", "approve", None),
        ("client", "cancel", {"reason": "x"}),
    ):
        assert p.step(party, design, step, body).status_code == 409
    # The other milestone cancelled: the contract completes (one milestone paid).
    p.ok("client", build, "cancel", {"reason": "Enough"})
    done = p.ok("freelancer", build, "cancel/accept")
    assert done["contract_status"] == "completed"


def test_an_hourly_week_releases_the_hours_and_refunds_the_rest(
    client_user, freelancer, settings, django_capture_on_commit_callbacks
):
    settings.GIGS_PLATFORM_FEE_PERCENT = "10"
    hourly = parties(hire(client_user, freelancer, hourly=True, weeks=1), client_user, freelancer)
    [week] = milestones(hourly.contract)
    fund(hourly, week)
    assert money(hourly, week)["escrow"] == 30_000  # the cap: 10 h x 3,000

    hourly.ok("freelancer", week, "submit", {"hours_worked": "7.25"})
    with django_capture_on_commit_callbacks(execute=True):
        approved = hourly.ok("client", week, "approve")

    assert (approved["money_status"], approved["contract_status"]) == ("released", "completed")
    assert money(hourly, week) == {
        "escrow": 0,
        "pending": 19_575,  # 21,750 less 2,175
        "fees": 2_175,
        "refunds": 8_250,
        "funding": -30_000,
    }
    invariants()
    [released] = data_of("milestone.released")
    assert (released["amount"], released["fee"]) == (21_750, 2_175)
    [refunded] = data_of("milestone.refunded")
    assert (refunded["amount"], refunded["reason"]) == (8_250, "hourly_remainder")
    assert PaymentRecord.objects.get(milestone=week).refunded_amount == 8_250


def test_an_hourly_week_partly_released_releases_only_the_rest_of_the_hours(
    client_user, freelancer
):
    hourly = parties(hire(client_user, freelancer, hourly=True, weeks=1), client_user, freelancer)
    [week] = milestones(hourly.contract)
    fund(hourly, week)
    hourly.ok("client", week, "release", {"amount": 6_000})
    hourly.ok("freelancer", week, "submit", {"hours_worked": "4"})  # worth 12,000
    hourly.ok("client", week, "approve")
    released = [d["amount"] for d in data_of("milestone.released")]
    assert released == [6_000, 6_000]
    [refunded] = data_of("milestone.refunded")
    assert refunded["amount"] == 18_000
    assert money(hourly, week)["escrow"] == 0


# --- failed, late and replayed payments -----------------------------------------------------------


def test_a_failed_payment_leaves_the_milestone_unfunded_and_the_client_funds_again(p):
    design = milestones(p.contract)[0]
    first = ask_to_fund(p, design).json()
    confirm(first["confirm_url"], "fail")
    assert state(design) == ("pending", "unfunded")
    assert money(p, design)["escrow"] == 0
    shown = p.client.get(url(p.contract, design)).json()
    assert "fund" in shown["actions"]

    second = ask_to_fund(p, design)
    assert second.status_code == 201
    assert second.json()["payment_reference"] == f"fund:{design.pk}:2"
    confirm(second.json()["confirm_url"])
    assert state(design) == ("active", "funded")
    assert money(p, design)["escrow"] == 30_000
    assert [a for a, _, _ in history(design)] == ["agreed", "funding_failed", "fund"]
    assert len(data_of("milestone.funded")) == 1


def test_a_replayed_or_repeated_success_changes_nothing(p):
    design = milestones(p.contract)[0]
    fund(p, design)
    payment = PaymentRecord.objects.get(milestone=design)
    body = event_body(
        "payment.succeeded",
        provider_payment_id=payment.provider_payment_id,
        provider_ref=payment.provider_payment_id,
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
    )
    webhook = APIClient()
    replayed = post_sandbox(webhook, body)
    assert replayed.json()["result"] == "duplicate"
    another = post_sandbox(webhook, renamed(body, "sbx_evt_another_delivery"))
    assert another.json()["result"] == "processed"  # a new event id about the same success

    assert JournalEntry.objects.filter(milestone=design).count() == 1
    assert money(p, design)["escrow"] == 30_000
    assert len(data_of("milestone.funded")) == 1
    assert state(design) == ("active", "funded")


def test_a_failure_after_the_success_changes_nothing(p):
    design = milestones(p.contract)[0]
    funding = fund(p, design)
    assert funding["money_status"] == "funded"
    payment = PaymentRecord.objects.get(milestone=design)
    late = event_body(
        "payment.failed",
        provider_payment_id=payment.provider_payment_id,
        provider_ref=payment.provider_payment_id,
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
    )
    assert post_sandbox(APIClient(), late).status_code == 200
    assert state(design) == ("active", "funded")
    assert money(p, design)["escrow"] == 30_000


def test_a_success_for_a_cancelled_milestone_is_refunded(p, django_capture_on_commit_callbacks):
    design = milestones(p.contract)[0]
    asked = ask_to_fund(p, design).json()
    p.ok("freelancer", design, "cancel", {"reason": "Not needed"})
    cancelled = p.ok("client", design, "cancel/accept")
    assert (cancelled["status"], cancelled["money_status"]) == ("cancelled", "unfunded")

    with django_capture_on_commit_callbacks(execute=True):
        confirm(asked["confirm_url"])  # the payer completed it anyway

    assert state(design) == ("cancelled", "unfunded")
    assert money(p, design) == {
        "escrow": 0,
        "pending": 0,
        "fees": 0,
        "refunds": 30_000,
        "funding": -30_000,
    }
    invariants()
    [refunded] = data_of("milestone.refunded")
    assert (refunded["amount"], refunded["reason"]) == (30_000, "late_payment")
    payment = PaymentRecord.objects.get(milestone=design)
    assert (payment.status, payment.refunded_amount) == ("refunded", 30_000)
    # Delivered again, the success refunds nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = confirm(asked["confirm_url"])
    assert again["result"] == "duplicate"
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND).count() == 1


def test_a_late_success_of_a_failed_attempt_is_refunded_and_the_new_one_funds(
    p, django_capture_on_commit_callbacks
):
    design = milestones(p.contract)[0]
    first = ask_to_fund(p, design).json()
    confirm(first["confirm_url"], "fail")
    second = ask_to_fund(p, design).json()
    with django_capture_on_commit_callbacks(execute=True):
        confirm(first["confirm_url"])  # the payer's bank changed its mind about attempt 1
    assert state(design) == ("pending", "funding")  # still waiting for attempt 2
    assert money(p, design)["refunds"] == 30_000
    confirm(second["confirm_url"])
    assert state(design) == ("active", "funded")
    assert money(p, design)["escrow"] == 30_000
    invariants()


# --- the auto-approval pays -----------------------------------------------------------------------


def test_the_auto_approval_releases(p, settings):
    settings.GIGS_PLATFORM_FEE_PERCENT = "10"
    design = milestones(p.contract)[0]
    fund(p, design)
    p.ok("freelancer", design, "submit")
    age_submission(design, days=settings.GIGS_AUTO_APPROVE_DAYS + 1)

    assert auto_approve_due() == 1

    assert state(design) == ("approved", "released")
    assert money(p, design)["pending"] == 27_000
    [released] = data_of("milestone.released")
    assert released["fee"] == 3_000


def test_a_disputed_milestone_is_frozen_and_skipped_by_the_auto_approval(p, settings):
    design = milestones(p.contract)[0]
    fund(p, design)
    p.ok("freelancer", design, "submit")
    # A dispute (services/disputes.py) moves the money; here only its status matters.
    Milestone.objects.filter(pk=design.pk).update(money_status="disputed")
    age_submission(design, days=settings.GIGS_AUTO_APPROVE_DAYS + 1)

    assert auto_approve_due() == 0
    for who, step, body in (
        ("client", "approve", None),
        ("client", "request-changes", {"note": "x"}),
        ("client", "release", {"amount": 100}),
        ("freelancer", "cancel", {"reason": "x"}),
    ):
        refused = p.step(who, design, step, body)
        assert refused.status_code == 409, (step, refused.content)
        error = refused.json()["error"]
        assert error["code"] == "invalid_transition"
        assert error["details"]["current_status"] == "disputed", step
    assert p.client.get(url(p.contract, design)).json()["actions"] == []
    assert state(design) == ("submitted", "disputed")


# --- bad input ------------------------------------------------------------------------------------


def test_bad_release_amounts_are_400_and_illegal_money_states_409(p):
    design, build = milestones(p.contract)
    unfunded = p.step("client", build, "release", {"amount": 100})
    assert unfunded.status_code == 409
    assert unfunded.json()["error"]["details"] == {
        "current_status": "unfunded",
        "allowed": ["fund"],
    }
    fund(p, design)
    for amount in (0, -5, 30_001, "many", 1.5, None):
        refused = p.step("client", design, "release", {"amount": amount})
        assert refused.status_code == 400, (amount, refused.content)
    over = p.step("client", design, "release", {"amount": 30_001})
    assert over.json()["error"]["code"] == "invalid_amount"
    assert over.json()["error"]["details"] == {"held": 30_000}
    zero = p.step("client", design, "release", {"amount": 0})
    assert zero.json()["error"]["code"] == "invalid_amount"
    by_freelancer = p.step("freelancer", design, "release", {"amount": 100})
    assert by_freelancer.status_code == 403
    assert money(p, design)["escrow"] == 30_000
    assert not JournalEntry.objects.filter(kind=EntryKind.RELEASE).exists()


def test_money_steps_need_a_key_and_strangers_get_404(p, stranger, client_user, other_freelancer):
    design = milestones(p.contract)[0]
    for step, body in (("fund", None), ("release", {"amount": 1}), ("approve", None)):
        missing = p.client.post(url(p.contract, design, step), body, format="json")
        assert missing.status_code == 400, step
        assert missing.json()["error"]["code"] == "idempotency_key_missing"
        lost = client_for(stranger).post(
            url(p.contract, design, step), body, format="json", HTTP_IDEMPOTENCY_KEY="k-" + step
        )
        assert lost.status_code == 404, step
    elsewhere = milestones(hire(client_user, other_freelancer))[0]
    wrong = f"{url(p.contract)}/milestones/{elsewhere.pk}/fund"
    assert p.client.post(wrong, HTTP_IDEMPOTENCY_KEY="k").status_code == 404
    assert PaymentRecord.objects.count() == 0


def test_funding_is_the_clients_and_needs_a_pending_milestone(p):
    design = milestones(p.contract)[0]
    assert p.step("freelancer", design, "fund").status_code == 403
    fund(p, design)
    p.ok("freelancer", design, "submit")
    refused = p.step("client", design, "fund")
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["current_status"] == "submitted"
    # The old "start" is gone: funding replaced it.
    gone = p.client.post(url(p.contract, design, "start"), HTTP_IDEMPOTENCY_KEY="k")
    assert gone.status_code == 404


def test_the_sandbox_confirmation_url_is_a_real_route(p):
    design = milestones(p.contract)[0]
    body = ask_to_fund(p, design).json()
    path = urlsplit(body["confirm_url"]).path
    assert path.startswith("/api/v1/gigs/payments/sandbox/")
    assert APIClient().post(path, {"outcome": "succeed"}, format="json").status_code == 200
    assert state(design) == ("active", "funded")
