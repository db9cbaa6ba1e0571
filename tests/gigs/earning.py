"""Helpers of the money tests (tests/gigs/test_money*.py): money put into the ledger with the
ledger's own movements (fund, release, clear), as the escrow services will post them, and the
money API's paths."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.gigs.ledger import posting
from apps.gigs.ledger.clearing import clear_due
from apps.gigs.models import Contract, JournalEntry, Milestone
from tests.gigs.money import contract_with_milestones

MONEY = "/api/v1/gigs"


@dataclass
class Earned:
    contract: Contract
    first: Milestone
    second: Milestone
    funded: JournalEntry
    released: JournalEntry


def earn(client: Any, freelancer: Any, *, amount: int = 30_000, fee: int = 3_000) -> Earned:
    """A contract whose first milestone the client funded with `amount` and released (the
    platform taking `fee`): the freelancer has `amount - fee` pending."""
    contract, first, second = contract_with_milestones(client, freelancer)
    funded = posting.fund(
        milestone=first,
        client_id=client.pk,
        amount=amount,
        currency="USD",
        reference=f"fund:test:{first.pk}",
    )
    released = posting.release(milestone=first, freelancer_id=freelancer.pk, amount=amount, fee=fee)
    return Earned(contract, first, second, funded, released)


def clear_all() -> int:
    """Run the clearing sweep as if the clearing period had passed."""
    return clear_due(timezone.now() + timedelta(days=365))


def key_headers(key: str) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key}
