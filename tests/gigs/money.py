"""Helpers of the ledger tests (tests/gigs/test_ledger*.py): a contract to move money on, the
lines of an entry read back, the ledger-wide invariants, and a fixture that makes the database
check the deferred balance triggers before a test's transaction is rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.gigs.models import Contract, JournalEntry, JournalLine, Milestone
from tests.gigs.work import hire, milestones


def contract_with_milestones(client: Any, freelancer: Any) -> tuple[Contract, Milestone, Milestone]:
    """A fixed-price USD contract of two milestones (30,000 and 20,000 cents), started the way
    the marketplace starts one; each milestone knows its contract (as the services pass it)."""
    contract = hire(client, freelancer)
    first, second = milestones(contract)
    first.contract = second.contract = contract
    return contract, first, second


def lines_of(entry: JournalEntry) -> set[tuple[str, int | None, int]]:
    """(account kind, owner, amount) of each line of the entry."""
    return set(
        JournalLine.objects.filter(entry_id=entry.pk).values_list(
            "account__kind", "account__owner_id", "amount"
        )
    )


def totals_per_currency() -> dict[str, int]:
    """The sum of every line per currency: zero for each in a double-entry ledger."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT currency, sum(amount) FROM "gigs"."journal_line" GROUP BY currency')
        return {currency: int(total) for currency, total in cursor.fetchall()}


def negative_accounts() -> list[tuple[str, int | None, str, int]]:
    """Accounts below zero other than client funding (which goes negative as it funds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.kind, a.owner_id, a.currency, sum(l.amount)
            FROM "gigs"."journal_line" l JOIN "gigs"."ledger_account" a ON a.id = l.account_id
            WHERE a.kind <> 'client_funding'
            GROUP BY a.id HAVING sum(l.amount) < 0
            """
        )
        return [(kind, owner, cur, int(total)) for kind, owner, cur, total in cursor.fetchall()]


def check_deferred_constraints() -> None:
    """Run the checks PostgreSQL defers to commit (the ledger's balance triggers) now: a test's
    transaction is rolled back, never committed, so they would otherwise never run."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def balanced_at_end(db: Any) -> Iterator[None]:
    """Fails the test if an entry it wrote does not balance (the database's own check)."""
    yield
    check_deferred_constraints()
