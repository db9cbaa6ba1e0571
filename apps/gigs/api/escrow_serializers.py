"""Inputs and outputs of the escrow endpoints (api/escrow.py)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.gigs.models import MoneyStatus
from apps.gigs.payments.provider import PROVIDERS
from gigsy.api.inputs import StrictInput


class FundOutput(serializers.Serializer[Any]):
    """What the payer's side needs to complete the milestone's payment."""

    contract_id = serializers.IntegerField()
    milestone_id = serializers.IntegerField()
    money_status = serializers.ChoiceField(choices=MoneyStatus.choices)
    provider = serializers.ChoiceField(choices=list(PROVIDERS))
    payment_reference = serializers.CharField(
        help_text="Ours, one per funding attempt (fund:<milestone>:<attempt>)."
    )
    amount = serializers.IntegerField(help_text="Minor units: the milestone's amount.")
    currency = serializers.CharField()
    client_secret = serializers.CharField(
        allow_null=True,
        help_text="Stripe: the PaymentIntent's client secret, for Stripe.js to confirm the "
        "payment. Null with the sandbox.",
    )
    confirm_url = serializers.URLField(
        allow_null=True,
        help_text="Sandbox: POST here ({outcome: succeed|fail}) to play the payer's bank. Null "
        "with Stripe.",
    )


class ReleaseInput(StrictInput):
    amount = serializers.IntegerField(
        help_text="Minor units to release now: more than zero and at most what escrow holds "
        "(all of it releases the milestone in full)."
    )
