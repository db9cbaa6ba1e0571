"""Concurrent posting, for real: eight threads, each with its own database connection and its
own committed transactions, move money from one account at once. The row locks of post()
serialize them: no account goes negative, exactly as many succeed as the money allows, a
reference posts once, and a first posting to an account creates it once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from apps.gigs.ledger import balances, posting
from apps.gigs.models import JournalEntry, LedgerAccount, Milestone
from gigsy.errors import ConflictError
from tests.gigs.money import negative_accounts, totals_per_currency
from tests.gigs.threads import in_threads as racing
from tests.gigs.work import hire, milestones

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def in_threads(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    return racing(work, threads)


def outcome(result: Any) -> str:
    if isinstance(result, ConflictError):
        return result.code
    if isinstance(result, JournalEntry):
        return "posted"
    return repr(result)


def loaded(milestone_id: int) -> Milestone:
    return Milestone.objects.select_related("contract").get(pk=milestone_id)


def test_eight_threads_paying_out_from_one_account_never_overdraw_it(client_user, freelancer):
    contract = hire(client_user, freelancer, parts=[("All", 20_000)])
    [milestone] = milestones(contract)
    milestone.contract = contract
    posting.fund(milestone=milestone, client_id=client_user.pk, amount=20_000, currency="USD")
    posting.release(milestone=milestone, freelancer_id=freelancer.pk, amount=20_000, fee=0)
    posting.clear(user_id=freelancer.pk, currency="USD", amount=20_000, reference="c")

    def pay_out_ten_times(i: int) -> list[str]:
        return [
            outcome(
                _try(
                    lambda n=n: posting.payout(
                        user_id=freelancer.pk, amount=700, currency="USD", reference=f"p{i}-{n}"
                    )
                )
            )
            for n in range(10)
        ]

    results = in_threads(pay_out_ten_times)

    tally = Counter(o for per_thread in results for o in per_thread)
    assert tally == {"posted": 28, "insufficient_funds": 52}  # 28 x 700 = 19,600 of 20,000
    assert balances.balances_of(freelancer.pk)[0].available == 400
    assert balances.balance(posting.payouts(freelancer.pk, "USD")) == 19_600
    assert negative_accounts() == []
    assert totals_per_currency() == {"USD": 0}


def test_eight_releases_of_one_escrow_release_only_what_it_holds(client_user, freelancer):
    contract = hire(client_user, freelancer, parts=[("All", 10_000)])
    [milestone] = milestones(contract)
    milestone.contract = contract
    posting.fund(milestone=milestone, client_id=client_user.pk, amount=10_000, currency="USD")

    results = in_threads(
        lambda i: posting.release(
            milestone=loaded(milestone.pk), freelancer_id=freelancer.pk, amount=3_000, fee=300
        )
    )

    assert Counter(map(outcome, results)) == {"posted": 3, "insufficient_funds": 5}
    assert balances.milestone_position(milestone.pk).in_escrow == 1_000
    assert balances.balance(posting.platform_fees("USD")) == 900
    assert negative_accounts() == []


def test_the_same_reference_from_eight_threads_funds_once(client_user, freelancer):
    contract = hire(client_user, freelancer, parts=[("All", 10_000)])
    [milestone] = milestones(contract)

    results = in_threads(
        lambda i: posting.fund(
            milestone=loaded(milestone.pk),
            client_id=client_user.pk,
            amount=10_000,
            currency="USD",
            reference="fund:pi_once",
        )
    )

    assert {result.pk for result in results if isinstance(result, JournalEntry)} == {
        JournalEntry.objects.get(reference="fund:pi_once").pk
    }
    assert all(isinstance(result, JournalEntry) for result in results), results
    assert balances.milestone_position(milestone.pk).funded == 10_000


def test_first_postings_to_a_new_account_create_it_once(client_user, freelancer):
    contract = hire(client_user, freelancer, parts=[(f"Part {i}", 1_000) for i in range(THREADS)])
    ids = [m.pk for m in milestones(contract)]

    results = in_threads(
        lambda i: posting.fund(
            milestone=loaded(ids[i]), client_id=client_user.pk, amount=1_000, currency="USD"
        )
    )

    assert Counter(map(outcome, results)) == {"posted": THREADS}
    assert LedgerAccount.objects.filter(kind="client_funding").count() == 1
    assert balances.balance(posting.client_funding(client_user.pk, "USD")) == -8_000


def _try(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ConflictError as error:
        return error
