"""Balances, derived from journal lines (never stored): an account's, a user's pending and
available funds per currency, a user's history of lines, a milestone's money position."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum

from apps.gigs.ledger.posting import AccountKey
from apps.gigs.models import AccountKind, EntryKind, JournalLine, LedgerAccount, Milestone

# The accounts that belong to a person (the others belong to a milestone or the platform).
USER_KINDS = (
    AccountKind.CLIENT_FUNDING,
    AccountKind.CLIENT_REFUNDS,
    AccountKind.FREELANCER_PENDING,
    AccountKind.FREELANCER_AVAILABLE,
    AccountKind.PAYOUTS,
)


def balance(account: LedgerAccount | AccountKey) -> int:
    """The sum of an account's lines (0 for an account never posted to)."""
    lines = JournalLine.objects.all()
    if isinstance(account, LedgerAccount):
        lines = lines.filter(account_id=account.pk)
    else:
        lines = lines.filter(
            account__kind=account.kind,
            account__owner_id=account.owner_id,
            account__currency=account.currency,
        )
    return int(lines.aggregate(total=Sum("amount"))["total"] or 0)


@dataclass(frozen=True, slots=True)
class UserBalance:
    """A freelancer's funds in one currency: released and still clearing, and cleared (what a
    payout may take)."""

    currency: str
    pending: int
    available: int


def balances_of(user_id: int) -> list[UserBalance]:
    """The user's pending and available funds per currency they were ever paid in, by
    currency (one query)."""
    rows = (
        LedgerAccount.objects.filter(
            owner_id=user_id,
            kind__in=[AccountKind.FREELANCER_PENDING, AccountKind.FREELANCER_AVAILABLE],
        )
        .values("currency")
        .annotate(
            pending=Sum("lines__amount", filter=Q(kind=AccountKind.FREELANCER_PENDING)),
            available=Sum("lines__amount", filter=Q(kind=AccountKind.FREELANCER_AVAILABLE)),
        )
        .order_by("currency")
    )
    return [
        UserBalance(
            currency=row["currency"],
            pending=int(row["pending"] or 0),
            available=int(row["available"] or 0),
        )
        for row in rows
    ]


def history(user_id: int) -> QuerySet[JournalLine]:
    """Every line on the user's accounts, newest first, ready to paginate. Each line carries
    its entry (`entry.kind`, `entry.memo`, `entry.contract_id`, `entry.milestone_id`,
    `entry.created_at`) and account (`account.kind`), and is annotated with `contract_title`,
    `milestone_title` and `fee`: the platform's fee taken in the same entry (None when the
    entry took none). A release of 10,000 with a fee of 1,000 is the freelancer's +9,000 line
    with fee 1,000; a client's funding is their -10,000 line."""
    fee = JournalLine.objects.filter(
        entry_id=OuterRef("entry_id"), account__kind=AccountKind.PLATFORM_FEES
    ).values("amount")[:1]
    return (
        JournalLine.objects.filter(account__owner_id=user_id, account__kind__in=USER_KINDS)
        .select_related("entry", "account")
        .annotate(
            contract_title=F("entry__contract__title"),
            milestone_title=F("entry__milestone__title"),
            fee=Subquery(fee),
        )
        .order_by("-entry__created_at", "-entry_id", "id")
    )


@dataclass(frozen=True, slots=True)
class MilestonePosition:
    """Where a milestone's money is: `funded` came in; of it `released` went to the freelancer
    (fees included), `refunded` back to the client, `held` sits in a dispute and `in_escrow`
    waits. funded == released + refunded + held + in_escrow, and in_escrow >= 0."""

    funded: int
    released: int
    refunded: int
    held: int
    in_escrow: int


def milestone_position(milestone: Milestone | int) -> MilestonePosition:
    """The money position of a milestone (or a milestone id) from the lines of its entries
    (one query). Clearing entries carry the milestone for the history but move nothing in or
    out of it."""
    milestone_id = milestone if isinstance(milestone, int) else milestone.pk
    clearing = Q(entry__kind=EntryKind.CLEAR) | Q(entry__reverses__kind=EntryKind.CLEAR)
    totals = JournalLine.objects.filter(entry__milestone_id=milestone_id).aggregate(
        funding=Sum("amount", filter=Q(account__kind=AccountKind.CLIENT_FUNDING)),
        released=Sum(
            "amount",
            filter=Q(account__kind__in=[AccountKind.FREELANCER_PENDING, AccountKind.PLATFORM_FEES])
            & ~clearing,
        ),
        refunded=Sum("amount", filter=Q(account__kind=AccountKind.CLIENT_REFUNDS)),
        held=Sum("amount", filter=Q(account__kind=AccountKind.DISPUTE_HOLD)),
        in_escrow=Sum("amount", filter=Q(account__kind=AccountKind.ESCROW)),
    )
    return MilestonePosition(
        funded=-int(totals["funding"] or 0),
        released=int(totals["released"] or 0),
        refunded=int(totals["refunded"] or 0),
        held=int(totals["held"] or 0),
        in_escrow=int(totals["in_escrow"] or 0),
    )
