"""Clearing: released money becomes available GIGS_CLEARING_DAYS after its release (the window
in which a payment provider's chargeback or an operator's correction can still reach it).

Each entry that credited a freelancer's pending funds (a release, or the freelancer's part of
a dispute resolution) is cleared by one `clear` entry with the reference `clear:<entry id>`:
the sweep finds the entries old enough that have no such entry and were not reversed, and a
second sweep, or two sweeps at once, clear nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from apps.gigs.errors import GigsError
from apps.gigs.ledger.posting import clear
from apps.gigs.models import AccountKind, EntryKind, JournalEntry, JournalLine, LedgerAccount
from gigsy.errors import ConflictError

log = structlog.get_logger(__name__)

CLEARABLE = (EntryKind.RELEASE, EntryKind.DISPUTE_RESOLVE)


def clear_reference(entry_id: int) -> str:
    return f"clear:{entry_id}"


@dataclass(frozen=True, slots=True)
class _Due:
    entry_id: int
    account_id: int
    user_id: int
    currency: str
    amount: int
    contract_id: int | None
    milestone_id: int | None


def _due(cutoff: datetime, limit: int, after: int) -> list[_Due]:
    cleared = JournalEntry.objects.filter(
        reference=Concat(Value("clear:"), Cast(OuterRef("entry_id"), CharField()))
    )
    rows = (
        JournalLine.objects.filter(
            account__kind=AccountKind.FREELANCER_PENDING,
            amount__gt=0,
            entry__kind__in=CLEARABLE,
            entry__created_at__lte=cutoff,
            entry__reversed_by__isnull=True,
            entry_id__gt=after,
        )
        .exclude(Exists(cleared))
        .order_by("entry_id")
        .values_list(
            "entry_id",
            "account_id",
            "account__owner_id",
            "currency",
            "amount",
            "entry__contract_id",
            "entry__milestone_id",
        )[:limit]
    )
    return [
        _Due(
            entry_id=entry_id,
            account_id=account_id,
            user_id=int(owner_id or 0),  # pending accounts always have an owner
            currency=currency,
            amount=amount,
            contract_id=contract_id,
            milestone_id=milestone_id,
        )
        for entry_id, account_id, owner_id, currency, amount, contract_id, milestone_id in rows
    ]


@transaction.atomic
def _clear_one(due: _Due) -> bool:
    # SKIP LOCKED: a pending account another sweep (or a reversal) holds is left for the next
    # run instead of waited for; whoever holds it may change what there is to clear.
    locked = (
        LedgerAccount.objects.select_for_update(skip_locked=True)
        .filter(pk=due.account_id)
        .values_list("pk", flat=True)
        .first()
    )
    if locked is None:
        return False
    # Under the lock every clear and reversal of this entry would need: cleared or reversed
    # since the sweep looked?
    if JournalEntry.objects.filter(
        Q(reference=clear_reference(due.entry_id)) | Q(reverses_id=due.entry_id)
    ).exists():
        return False
    clear(
        user_id=due.user_id,
        currency=due.currency,
        amount=due.amount,
        reference=clear_reference(due.entry_id),
        contract_id=due.contract_id,
        milestone_id=due.milestone_id,
        memo=f"Cleared {settings.GIGS_CLEARING_DAYS} days after entry {due.entry_id}",
    )
    return True


def clear_due(now: datetime, *, batch: int = 500) -> int:
    """Clear every release (and dispute payment) older than GIGS_CLEARING_DAYS that is not
    cleared yet, each in its own transaction; return how many were cleared. Run by the beat
    task "gigs.clear_pending_funds"; running it again clears nothing new. A release whose
    pending money is no longer there (taken by the reversal of another, already cleared one)
    is logged (`gigs.clearing_short`) and tried again by every later sweep."""
    cutoff = now - timedelta(days=settings.GIGS_CLEARING_DAYS)
    cleared = 0
    after = 0
    while True:
        due = _due(cutoff, batch, after)
        for item in due:
            try:
                cleared += _clear_one(item)
            except ConflictError as error:
                # Less pending than the release credited: a correction (a reversal) took from
                # it meanwhile. Left for an operator; the rest of the sweep goes on.
                if error.code != GigsError.INSUFFICIENT_FUNDS.value:
                    raise
                log.warning(
                    "gigs.clearing_short",
                    entry_id=item.entry_id,
                    user_id=item.user_id,
                    **(error.details or {}),
                )
        if len(due) < batch:
            return cleared
        after = due[-1].entry_id
