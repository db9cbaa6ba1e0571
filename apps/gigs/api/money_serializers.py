"""Input and output shapes of balances, transaction history, payouts and receipts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.gigs.models import AccountKind, EntryKind, PayoutStatus
from gigsy.api.inputs import StrictInput

RECEIPT_KINDS = (("payment", "The client's payment into escrow"), ("refund", "Money given back"))


# --- inputs ---------------------------------------------------------------------------------------
class PayoutInput(StrictInput):
    amount = serializers.IntegerField(
        help_text="Minor units (cents) of available funds to pay out; positive."
    )
    currency = serializers.CharField(
        max_length=3, help_text="ISO 4217, upper case: a currency of the caller's balances."
    )


# --- outputs --------------------------------------------------------------------------------------
class BalanceOutput(serializers.Serializer[Any]):
    currency = serializers.CharField()
    pending = serializers.IntegerField(
        help_text="Released to the caller, still clearing (GIGS_CLEARING_DAYS); minor units."
    )
    available = serializers.IntegerField(help_text="Cleared: what a payout may take.")


class TransactionOutput(serializers.Serializer[Any]):
    """One line on one of the caller's accounts, explained."""

    id = serializers.IntegerField(help_text="The line's id.")
    entry_id = serializers.IntegerField()
    entry_kind = serializers.ChoiceField(
        choices=EntryKind.choices, source="entry.kind", help_text="What the movement was."
    )
    account_kind = serializers.ChoiceField(
        choices=AccountKind.choices,
        source="account.kind",
        help_text="Which of the caller's balances the line moved (freelancer_pending, "
        "freelancer_available, ...).",
    )
    amount = serializers.IntegerField(
        help_text="Signed minor units: positive adds to that balance, negative takes from it."
    )
    currency = serializers.CharField()
    memo = serializers.CharField(source="entry.memo")
    contract_id = serializers.IntegerField(source="entry.contract_id", allow_null=True)
    contract_title = serializers.CharField(allow_null=True)
    milestone_id = serializers.IntegerField(source="entry.milestone_id", allow_null=True)
    milestone_title = serializers.CharField(allow_null=True)
    fee = serializers.IntegerField(
        allow_null=True,
        help_text="The platform's fee taken in the same movement (a release), minor units; "
        "null when it took none.",
    )
    created_at = serializers.DateTimeField(source="entry.created_at")


class PayoutOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(
        choices=PayoutStatus.choices,
        help_text="requested: taken from the available funds, waiting for the provider; "
        "failed: the funds are available again.",
    )
    provider = serializers.CharField()
    provider_payout_id = serializers.CharField(help_text="The provider's id (empty until known).")
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)


class ReceiptOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RECEIPT_KINDS)
    amount = serializers.IntegerField(help_text="Minor units, positive.")
    currency = serializers.CharField()
    contract_id = serializers.IntegerField(allow_null=True)
    contract_title = serializers.CharField(allow_null=True)
    milestone_id = serializers.IntegerField(allow_null=True)
    milestone_title = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    reference = serializers.CharField(
        allow_null=True, help_text="Gigsy's reference of the movement."
    )
    provider = serializers.CharField(allow_null=True)
    provider_payment_id = serializers.CharField(
        allow_null=True,
        help_text="The provider's id of the milestone's payment (find it in the provider's "
        "dashboard or the card statement); null before a provider took part.",
    )


def receipt_body(line: Any) -> dict[str, Any]:
    """A receipt from a line of ledger/statements.receipts_of."""
    entry = line.entry
    return {
        "id": entry.pk,
        "kind": "payment" if entry.kind == EntryKind.FUND else "refund",
        "amount": abs(line.amount),
        "currency": line.currency,
        "contract_id": entry.contract_id,
        "contract_title": line.contract_title,
        "milestone_id": entry.milestone_id,
        "milestone_title": line.milestone_title,
        "created_at": entry.created_at,
        "reference": entry.reference,
        "provider": line.provider,
        "provider_payment_id": line.provider_payment_id,
    }
