"""Escrow under concurrency, with real transactions and real threads (each its own database
connection): fifty release requests on one milestone release once; the same funding request sent
at once with the same Idempotency-Key charges once (services/escrow.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from apps.gigs.ledger import posting
from apps.gigs.ledger.balances import balance
from apps.gigs.models import EntryKind, JournalEntry, PaymentRecord
from tests.gigs.conftest import client_for
from tests.gigs.money import negative_accounts, totals_per_currency
from tests.gigs.threads import in_threads as racing
from tests.gigs.work import fund, hire, milestones, parties, url

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(work: Callable[[int], Any], threads: int) -> list[Any]:
    return racing(work, threads, timeout=60)


def test_fifty_concurrent_releases_of_one_milestone_release_once(client_user, freelancer):
    p = parties(hire(client_user, freelancer), client_user, freelancer)
    design = milestones(p.contract)[0]
    fund(p, design)
    target = url(p.contract, design, "release")

    def release(i: int) -> int:
        api = client_for(client_user)  # a client per thread: APIClient is not thread-safe
        response = api.post(
            target, {"amount": 30_000}, format="json", HTTP_IDEMPOTENCY_KEY=f"release-{i}"
        )
        return response.status_code

    statuses = in_threads(release, 50)

    assert Counter(statuses) == {200: 1, 409: 49}, statuses
    assert JournalEntry.objects.filter(milestone=design, kind=EntryKind.RELEASE).count() == 1
    assert balance(posting.escrow(design.pk, "USD")) == 0
    assert balance(posting.pending(freelancer.pk, "USD")) + balance(
        posting.platform_fees("USD")
    ) == (30_000)
    design.refresh_from_db()
    assert design.money_status == "released"
    assert set(totals_per_currency().values()) <= {0}
    assert negative_accounts() == []


def test_concurrent_funding_with_the_same_key_charges_once(client_user, freelancer):
    p = parties(hire(client_user, freelancer), client_user, freelancer)
    design = milestones(p.contract)[0]
    target = url(p.contract, design, "fund")

    def ask(_: int) -> tuple[int, str | None]:
        api = client_for(client_user)
        response = api.post(target, format="json", HTTP_IDEMPOTENCY_KEY="fund-the-design")
        reference = response.json().get("payment_reference") if response.status_code < 300 else None
        return response.status_code, reference

    answers = in_threads(ask, 8)

    # One ran; the others waited and got its answer replayed, or were told it was in flight.
    assert all(status in (201, 409) for status, _ in answers), answers
    assert {reference for status, reference in answers if status == 201} == {f"fund:{design.pk}:1"}
    assert PaymentRecord.objects.filter(milestone=design).count() == 1
    design.refresh_from_db()
    assert (design.money_status, design.payment_reference) == ("funding", f"fund:{design.pk}:1")
