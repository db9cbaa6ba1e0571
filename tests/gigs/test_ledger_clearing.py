"""Released money clears from pending to available GIGS_CLEARING_DAYS after its release (the
beat task "gigs.clear_pending_funds", apps/gigs/ledger/clearing.py): once per release, never
a reversed one, skipping (not waiting for) an account another transaction holds."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from apps.gigs.ledger import balances, posting
from apps.gigs.ledger.balances import UserBalance
from apps.gigs.ledger.clearing import clear_due
from apps.gigs.models import JournalEntry, LedgerAccount
from apps.gigs.tasks.ledger import clear_pending_funds
from tests.gigs.money import (
    balanced_at_end,  # noqa: F401  # fixture
    contract_with_milestones,
    lines_of,
)

DAYS = 5


@pytest.fixture(autouse=True)
def _clearing_days(settings):
    settings.GIGS_CLEARING_DAYS = DAYS


@pytest.fixture
def deal(client_user, freelancer):
    return contract_with_milestones(client_user, freelancer)


def release(milestone, client, freelancer, amount, fee=0):
    posting.fund(milestone=milestone, client_id=client.pk, amount=amount, currency="USD")
    return posting.release(milestone=milestone, freelancer_id=freelancer.pk, amount=amount, fee=fee)


def days_later(days: float):
    return timezone.now() + timedelta(days=days)


@pytest.mark.usefixtures("balanced_at_end")
def test_a_release_clears_once_after_the_clearing_period(deal, client_user, freelancer):
    contract, first, _ = deal
    released = release(first, client_user, freelancer, 30_000, fee=3_000)

    assert clear_due(days_later(DAYS - 0.1)) == 0
    assert clear_due(days_later(DAYS + 0.1)) == 1
    assert clear_due(days_later(DAYS + 0.1)) == 0  # idempotent
    assert clear_due(days_later(DAYS + 30)) == 0

    cleared = JournalEntry.objects.get(kind="clear")
    assert cleared.reference == f"clear:{released.pk}"
    assert (cleared.contract_id, cleared.milestone_id) == (contract.pk, first.pk)
    assert lines_of(cleared) == {
        ("freelancer_pending", freelancer.pk, -27_000),
        ("freelancer_available", freelancer.pk, 27_000),
    }
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=0, available=27_000)]
    # Clearing moves nothing in or out of the milestone.
    assert balances.milestone_position(first.pk).released == 30_000


@pytest.mark.usefixtures("balanced_at_end")
def test_each_release_clears_on_its_own(deal, client_user, freelancer):
    _, first, second = deal
    release(first, client_user, freelancer, 30_000)
    release(second, client_user, freelancer, 20_000)

    assert clear_due(days_later(DAYS + 1), batch=1) == 2  # batches until none is left

    assert JournalEntry.objects.filter(kind="clear").count() == 2
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=0, available=50_000)]


@pytest.mark.usefixtures("balanced_at_end")
def test_the_freelancers_part_of_a_dispute_clears_the_clients_does_not(
    deal, client_user, freelancer
):
    _, first, second = deal
    for milestone in (first, second):
        posting.fund(
            milestone=milestone, client_id=client_user.pk, amount=milestone.amount, currency="USD"
        )
        posting.hold_for_dispute(milestone=milestone, amount=milestone.amount)
    posting.resolve_dispute(milestone=first, freelancer_amount=10_000, client_amount=20_000, fee=0)
    posting.resolve_dispute(milestone=second, freelancer_amount=0, client_amount=20_000, fee=0)

    assert clear_due(days_later(DAYS + 1)) == 1
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=0, available=10_000)]


@pytest.mark.usefixtures("balanced_at_end")
def test_a_reversed_release_is_not_cleared(deal, client_user, freelancer):
    _, first, _ = deal
    released = release(first, client_user, freelancer, 30_000)
    posting.reverse(released, memo="Released by mistake")

    assert clear_due(days_later(DAYS + 1)) == 0
    assert not JournalEntry.objects.filter(kind="clear").exists()


@pytest.mark.usefixtures("balanced_at_end")
def test_the_beat_task_clears_what_is_due(deal, client_user, freelancer, settings):
    _, first, _ = deal
    release(first, client_user, freelancer, 30_000)
    settings.GIGS_CLEARING_DAYS = 0

    assert clear_pending_funds() == 1
    assert clear_pending_funds() == 0
    assert balances.balances_of(freelancer.pk)[0].available == 30_000


def test_the_beat_schedule_runs_the_task_hourly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["gigs.clear_pending_funds"]
    assert entry["task"] == "gigs.clear_pending_funds"
    assert entry["schedule"] == 3600.0
    assert django_settings.GIGS_CLEARING_DAYS == DAYS


@pytest.mark.django_db(transaction=True)
def test_an_account_another_transaction_holds_is_skipped_until_the_next_run(
    client_user, freelancer
):
    _, first, _ = contract_with_milestones(client_user, freelancer)
    release(first, client_user, freelancer, 30_000)
    pending = LedgerAccount.objects.get(kind="freelancer_pending")
    locked, finish = threading.Event(), threading.Event()

    def hold_the_account() -> None:
        try:
            with transaction.atomic():
                LedgerAccount.objects.select_for_update().filter(pk=pending.pk).first()
                locked.set()
                finish.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_account)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert clear_due(days_later(DAYS + 1)) == 0  # skipped at once, not waited for
    finally:
        finish.set()
        holder.join(timeout=30)

    assert clear_due(days_later(DAYS + 1)) == 1
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=0, available=30_000)]
