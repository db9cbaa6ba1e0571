"""One milestone's money from the client's card to the freelancer's bank, end to end through
the HTTP API and the sandbox's signed webhooks: fund -> confirm -> submit -> approve (release
with the platform's fee) -> clearing (GIGS_CLEARING_DAYS later) -> payout (payout.paid). The
ledger is read back after every step: where each cent is, and every currency sums to zero."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.gigs.ledger import posting
from apps.gigs.ledger.balances import balance, milestone_position
from apps.gigs.ledger.clearing import clear_due
from apps.gigs.models import Milestone, Payout, PayoutStatus
from tests.gigs.conftest import client_for
from tests.gigs.money import balanced_at_end, negative_accounts, totals_per_currency  # noqa: F401
from tests.gigs.work import confirm, data_of, hire, milestones, parties

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("balanced_at_end")]

CLEARING_DAYS = 5


def ledger(contract: Any, milestone: Milestone) -> dict[str, int]:
    """Every account the walk touches, by what it is for."""
    client, freelancer = contract.client_id, contract.freelancer_id
    return {
        "funding": balance(posting.client_funding(client, "USD")),
        "escrow": balance(posting.escrow(milestone.pk, "USD")),
        "pending": balance(posting.pending(freelancer, "USD")),
        "available": balance(posting.available(freelancer, "USD")),
        "fees": balance(posting.platform_fees("USD")),
        "payouts": balance(posting.payouts(freelancer, "USD")),
        "refunds": balance(posting.client_refunds(client, "USD")),
    }


def balanced() -> None:
    assert totals_per_currency() == {"USD": 0}
    assert negative_accounts() == []


def test_a_milestone_walks_from_funding_to_the_freelancers_bank(
    client_user: Any, freelancer: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.GIGS_PLATFORM_FEE_PERCENT = "10"
    settings.GIGS_CLEARING_DAYS = CLEARING_DAYS
    p = parties(hire(client_user, freelancer), client_user, freelancer)
    design = milestones(p.contract)[0]  # 30,000 USD cents
    nothing = dict.fromkeys(
        ("funding", "escrow", "pending", "available", "fees", "payouts", "refunds"), 0
    )

    # Fund: the provider's payment is created, but no money moves before it confirms.
    asked = p.step("client", design, "fund")
    assert asked.status_code == 201, asked.content
    assert asked.json()["money_status"] == "funding"
    assert ledger(p.contract, design) == nothing
    assert totals_per_currency() == {}

    # Confirm: the payer's bank says yes, by the sandbox's signed webhook through the intake.
    confirmed = confirm(asked.json()["confirm_url"])
    assert (confirmed["payment_status"], confirmed["result"]) == ("succeeded", "processed")
    design.refresh_from_db()
    assert (design.status, design.money_status) == ("active", "funded")
    assert ledger(p.contract, design) == nothing | {"funding": -30_000, "escrow": 30_000}
    balanced()

    # Submit: work moves, money does not.
    submitted = p.ok("freelancer", design, "submit", {"note": "Mock-ups attached"})
    assert (submitted["status"], submitted["money_status"]) == ("submitted", "funded")
    assert ledger(p.contract, design) == nothing | {"funding": -30_000, "escrow": 30_000}
    balanced()

    # Approve: everything held is released, 10 % to the platform, the rest pending.
    approved = p.ok("client", design, "approve")
    assert (approved["status"], approved["money_status"]) == ("approved", "released")
    after_release = nothing | {"funding": -30_000, "pending": 27_000, "fees": 3_000}
    assert ledger(p.contract, design) == after_release
    position = milestone_position(design)
    assert (position.funded, position.released, position.refunded, position.in_escrow) == (
        30_000,
        30_000,
        0,
        0,
    )
    [released] = data_of("milestone.released")
    assert (released["amount"], released["fee"], released["net"]) == (30_000, 3_000, 27_000)
    balanced()

    # Clearing: nothing before GIGS_CLEARING_DAYS, the release once after it, and once only.
    assert clear_due(timezone.now() + timedelta(days=CLEARING_DAYS - 1)) == 0
    assert ledger(p.contract, design) == after_release
    later = timezone.now() + timedelta(days=CLEARING_DAYS, hours=1)
    assert clear_due(later) == 1
    assert clear_due(later) == 0
    after_clearing = nothing | {"funding": -30_000, "available": 27_000, "fees": 3_000}
    assert ledger(p.contract, design) == after_clearing
    assert milestone_position(design) == position  # clearing moves nothing in or out of it
    balanced()

    # Payout: more than is available is refused with nothing moved; then 20,000 leaves, and the
    # sandbox's payout.paid webhook (delivered at commit) marks it paid.
    api = client_for(freelancer)
    too_much = api.post(
        "/api/v1/gigs/payouts",
        {"amount": 27_001, "currency": "USD"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="walk-payout-too-much",
    )
    assert too_much.status_code == 409, too_much.content
    assert too_much.json()["error"]["code"] == "insufficient_funds"
    assert ledger(p.contract, design) == after_clearing
    with django_capture_on_commit_callbacks(execute=True):
        paid = api.post(
            "/api/v1/gigs/payouts",
            {"amount": 20_000, "currency": "USD"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="walk-payout",
        )
    assert paid.status_code == 201, paid.content
    payout = Payout.objects.get()
    assert (payout.status, payout.amount) == (PayoutStatus.PAID, 20_000)
    assert [event["payout_id"] for event in data_of("payout.paid")] == [str(payout.pk)]
    assert ledger(p.contract, design) == nothing | {
        "funding": -30_000,
        "available": 7_000,
        "fees": 3_000,
        "payouts": 20_000,
    }
    balanced()

    # The balances the freelancer reads agree with the ledger.
    shown = api.get("/api/v1/gigs/balances")
    assert shown.status_code == 200, shown.content
    assert shown.json() == [{"currency": "USD", "pending": 0, "available": 7_000}]
