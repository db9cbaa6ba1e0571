"""What a person's money statements show, read from the ledger: a client's receipts (their
payments into escrow and the refunds back) and a freelancer's payouts. Each is one query for a
page, whatever its length."""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet, Subquery

from apps.gigs.models import (
    AccountKind,
    EntryKind,
    JournalLine,
    PaymentRecord,
    PaymentStatus,
    Payout,
)

# A receipt is the client's line of one of these entries: a funding (their payment) or the
# money given back (a refund, a dispute's client part).
RECEIPT_KINDS = (EntryKind.FUND, EntryKind.REFUND, EntryKind.DISPUTE_RESOLVE)
CLIENT_KINDS = (AccountKind.CLIENT_FUNDING, AccountKind.CLIENT_REFUNDS)


def receipts_of(client_id: int) -> QuerySet[JournalLine]:
    """The client's receipt lines, newest first. Each carries `entry` (kind, reference,
    created_at, contract and milestone ids) and is annotated with `contract_title`,
    `milestone_title` and the provider's `provider` and `provider_payment_id` of the
    milestone's payment (None before funding goes through a provider). The receipt's id is
    its entry's: each of these entries has one line on the client's accounts."""
    payment = PaymentRecord.objects.filter(
        milestone_id=OuterRef("entry__milestone_id"),
        status__in=[PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED],
    ).order_by("-created_at", "-id")
    return (
        JournalLine.objects.filter(
            account__owner_id=client_id,
            account__kind__in=CLIENT_KINDS,
            entry__kind__in=RECEIPT_KINDS,
        )
        .select_related("entry")
        .annotate(
            contract_title=F("entry__contract__title"),
            milestone_title=F("entry__milestone__title"),
            provider=Subquery(payment.values("provider")[:1]),
            provider_payment_id=Subquery(payment.values("provider_payment_id")[:1]),
        )
        .order_by("-entry__created_at", "-entry_id")
    )


def receipt_of(client_id: int, receipt_id: int) -> JournalLine | None:
    """One receipt of the client's by its id (its entry's); None for anyone else's."""
    return receipts_of(client_id).filter(entry_id=receipt_id).first()


def payouts_of(user_id: int) -> QuerySet[Payout]:
    """The user's payouts, newest first."""
    return Payout.objects.filter(user_id=user_id).order_by("-created_at", "-id")


def payout_of(user_id: int, payout_id: int) -> Payout | None:
    """One of the user's payouts (None for anyone else's)."""
    return Payout.objects.filter(user_id=user_id, pk=payout_id).first()
