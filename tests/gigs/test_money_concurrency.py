"""Payout requests at the same moment, for real: threads with their own connections and
committed transactions, through the HTTP API. The payout profile's row lock and the ledger's
account lock serialize them: available funds are never overdrawn, and one Idempotency-Key
sent from several threads pays once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from apps.gigs.ledger import balances
from apps.gigs.models import EntryKind, JournalEntry, Payout
from tests.gigs.conftest import client_for
from tests.gigs.earning import MONEY, clear_all, earn, key_headers
from tests.gigs.money import negative_accounts, totals_per_currency
from tests.gigs.threads import in_threads as racing

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def in_threads(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    return racing(work, threads)


def outcome(response: Any) -> str:
    if response.status_code == 201:
        return "paid out"
    return str(response.json()["error"]["code"])


@pytest.fixture
def available_27k(client_user: Any, freelancer: Any) -> None:
    earn(client_user, freelancer, amount=30_000, fee=3_000)
    assert clear_all() == 1


@pytest.mark.usefixtures("available_27k")
def test_payouts_at_once_never_take_more_than_is_available(freelancer: Any) -> None:
    apis = [client_for(freelancer) for _ in range(THREADS)]

    def pay_out(i: int) -> str:
        body = {"amount": 10_000, "currency": "USD"}
        return outcome(
            apis[i].post(f"{MONEY}/payouts", body, format="json", **key_headers(f"k{i}"))
        )

    results = in_threads(pay_out)
    assert Counter(results) == {"paid out": 2, "insufficient_funds": THREADS - 2}
    assert Payout.objects.count() == 2
    [usd] = balances.balances_of(freelancer.pk)
    assert usd.available == 7_000
    assert negative_accounts() == []
    assert totals_per_currency() == {"USD": 0}


@pytest.mark.usefixtures("available_27k")
def test_one_key_sent_from_several_threads_pays_once(freelancer: Any) -> None:
    apis = [client_for(freelancer) for _ in range(THREADS)]

    def pay_out(i: int) -> str:
        body = {"amount": 5_000, "currency": "USD"}
        return outcome(apis[i].post(f"{MONEY}/payouts", body, format="json", **key_headers("one")))

    results = in_threads(pay_out)
    # The first runs; the others wait for it and replay its answer, or are told it is in flight.
    assert results.count("paid out") >= 1
    assert set(results) <= {"paid out", "idempotency_key_in_use"}
    assert Payout.objects.count() == 1
    assert JournalEntry.objects.filter(kind=EntryKind.PAYOUT).count() == 1
    [usd] = balances.balances_of(freelancer.pk)
    assert usd.available == 22_000
