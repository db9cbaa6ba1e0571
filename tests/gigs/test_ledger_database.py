"""What the database itself guarantees about the ledger (migration gigs 0003_ledger), whatever
code writes to it: entries and lines are append-only (UPDATE and DELETE raise, from raw SQL
and from the ORM), an entry whose lines do not sum to zero per currency or that has fewer than
two lines is refused at commit, and a line's currency is its account's."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from apps.gigs.ledger import balances, posting
from apps.gigs.models import JournalEntry, JournalLine, LedgerAccount
from tests.gigs.money import check_deferred_constraints, contract_with_milestones


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def funded(db, client_user, freelancer) -> JournalEntry:
    _, first, _ = contract_with_milestones(client_user, freelancer)
    return posting.fund(milestone=first, client_id=client_user.pk, amount=30_000, currency="USD")


@pytest.mark.parametrize(
    "sql",
    [
        'UPDATE "gigs"."journal_line" SET amount = amount * 2',
        'UPDATE "gigs"."journal_entry" SET memo = \'edited\'',
        'DELETE FROM "gigs"."journal_line"',
        'DELETE FROM "gigs"."journal_entry" WHERE id = %s',
    ],
)
def test_update_and_delete_of_entries_and_lines_raise(funded, sql):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        raw(sql, [funded.pk] if "%s" in sql else None)

    assert JournalLine.objects.filter(entry_id=funded.pk).count() == 2
    assert JournalEntry.objects.get(pk=funded.pk).memo == funded.memo


def test_the_orm_cannot_change_or_delete_them_either(funded):
    entry = JournalEntry.objects.get(pk=funded.pk)
    entry.memo = "rewritten"
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.filter(entry_id=funded.pk).update(amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.filter(entry_id=funded.pk).delete()

    assert balances.balance(posting.escrow(funded.milestone_id, "USD")) == 30_000


def test_a_line_in_another_currency_than_its_account_is_refused(funded):
    account = LedgerAccount.objects.get(kind="escrow")

    with pytest.raises(IntegrityError, match="gigs_line_account_fk"), transaction.atomic():
        JournalLine.objects.create(entry_id=funded.pk, account=account, amount=5, currency="EUR")


def test_a_zero_line_is_refused(funded):
    account = LedgerAccount.objects.get(kind="escrow")

    with pytest.raises(IntegrityError, match="gigs_line_not_zero"), transaction.atomic():
        JournalLine.objects.create(entry_id=funded.pk, account=account, amount=0, currency="USD")


def test_the_balance_check_runs_inside_a_transaction_when_asked(funded):
    """SET CONSTRAINTS ... IMMEDIATE runs the deferred check before commit; the ledger tests use
    it (tests/gigs/money.py) so their rolled-back transactions are checked too."""
    account = LedgerAccount.objects.get(kind="escrow")
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        # A line slipped into an entry committed earlier unbalances it.
        JournalLine.objects.create(entry_id=funded.pk, account=account, amount=1, currency="USD")
        check_deferred_constraints()
    check_deferred_constraints()  # what the test posted through the ledger balances


# Committing for real: pytest-django's transactional tests run outside a wrapping transaction
# and empty the tables after (TRUNCATE, which the append-only triggers allow; ADR 0029).


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_entry_fails_at_commit(client_user, freelancer):
    fees = posting.account_ids([posting.platform_fees("USD")])[posting.platform_fees("USD")]
    funding_key = posting.client_funding(client_user.pk, "USD")
    funding = posting.account_ids([funding_key])[funding_key]

    with (
        pytest.raises(
            IntegrityError, match=r"journal entry \d+ does not balance: its USD lines sum to 1"
        ),
        transaction.atomic(),
    ):
        entry = JournalEntry.objects.create(kind="fund")
        JournalLine.objects.bulk_create(
            [
                JournalLine(entry=entry, account_id=funding, amount=-100, currency="USD"),
                JournalLine(entry=entry, account_id=fees, amount=101, currency="USD"),
            ]
        )
        # Inside the transaction nothing has complained yet: the check waits for commit.
        assert JournalLine.objects.filter(entry=entry).count() == 2

    assert JournalEntry.objects.count() == 0
    assert JournalLine.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_entry_with_fewer_than_two_lines_fails_at_commit(client_user):
    key = posting.client_funding(client_user.pk, "USD")
    funding = posting.account_ids([key])[key]

    with pytest.raises(IntegrityError, match="has 0 line"), transaction.atomic():
        JournalEntry.objects.create(kind="fund", memo="no lines")
    # One line can only balance at zero, which the line's own check refuses.
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(kind="fund", memo="one line")
        JournalLine.objects.create(entry=entry, account_id=funding, amount=-7, currency="USD")

    assert JournalEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_lines_added_later_to_a_committed_entry_fail_at_commit(client_user, freelancer):
    _, first, _ = contract_with_milestones(client_user, freelancer)
    entry = posting.fund(milestone=first, client_id=client_user.pk, amount=500, currency="USD")
    escrow = LedgerAccount.objects.get(kind="escrow")

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        JournalLine.objects.create(entry_id=entry.pk, account=escrow, amount=500, currency="USD")

    assert balances.balance(escrow) == 500
    assert balances.milestone_position(first.pk).funded == 500
