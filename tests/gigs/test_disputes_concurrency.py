"""Disputes under concurrency, for real: threads with their own connections and committed
transactions. Both parties disputing at once open one dispute and hold the money once; two
operators resolving at once split it once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from apps.gigs.ledger import posting
from apps.gigs.ledger.balances import balance
from apps.gigs.models import Dispute, JournalEntry, Milestone, MoneyAudit
from apps.gigs.services import disputes
from gigsy.errors import ConflictError
from tests.gigs.money import negative_accounts, totals_per_currency
from tests.gigs.test_ledger_concurrency import in_threads
from tests.gigs.work import hire, milestones

pytestmark = pytest.mark.django_db(transaction=True)


def _funded(client_user: Any, freelancer: Any) -> tuple[int, Milestone]:
    contract = hire(client_user, freelancer, parts=[("All", 20_000)])
    [milestone] = milestones(contract)
    milestone.contract = contract
    posting.fund(milestone=milestone, client_id=client_user.pk, amount=20_000, currency="USD")
    Milestone.objects.filter(pk=milestone.pk).update(money_status="funded", status="active")
    return contract.pk, milestone


def _outcome(result: Any) -> str:
    if isinstance(result, ConflictError):
        return str(result.code)
    if isinstance(result, Dispute):
        return "done"
    return repr(result)


def test_both_parties_disputing_at_once_open_one_dispute(client_user, freelancer):
    contract_id, milestone = _funded(client_user, freelancer)
    people = [client_user, freelancer] * 4

    results = in_threads(
        lambda i: disputes.open_dispute(
            contract_id=contract_id, milestone_id=milestone.pk, user=people[i], reason=f"#{i}"
        )
    )

    assert Counter(map(_outcome, results)) == {"done": 1, "dispute_already_open": 7}
    assert Dispute.objects.count() == 1
    assert JournalEntry.objects.filter(kind="dispute_hold").count() == 1
    assert balance(posting.dispute_hold(milestone.pk, "USD")) == 20_000
    assert balance(posting.escrow(milestone.pk, "USD")) == 0


def test_two_operators_resolving_at_once_split_once(client_user, freelancer, operator, settings):
    settings.GIGS_PLATFORM_FEE_PERCENT = 10
    contract_id, milestone = _funded(client_user, freelancer)
    dispute = disputes.open_dispute(
        contract_id=contract_id, milestone_id=milestone.pk, user=client_user, reason="Late"
    )

    results = in_threads(
        lambda i: disputes.resolve_dispute(
            dispute_id=dispute.pk,
            operator=operator,
            freelancer_amount=5_000 * (i % 4),
            client_amount=20_000 - 5_000 * (i % 4),
            reason=f"Operator {i}",
        ),
        threads=4,
    )

    assert Counter(map(_outcome, results)) == {"done": 1, "dispute_already_resolved": 3}
    assert JournalEntry.objects.filter(kind="dispute_resolve").count() == 1
    assert MoneyAudit.objects.count() == 1
    assert balance(posting.dispute_hold(milestone.pk, "USD")) == 0
    assert totals_per_currency() == {"USD": 0} and negative_accounts() == []
