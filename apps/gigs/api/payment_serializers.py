"""Input and output shapes of the payment endpoints: the webhook intake and the sandbox's
confirmation (apps/gigs/payments/)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.gigs.models import PaymentStatus
from gigsy.api.inputs import StrictInput

WEBHOOK_RESULTS = (
    ("processed", "Recorded and acted on"),
    ("duplicate", "Already processed: nothing changed"),
    ("ignored", "Authentic, but not an event Gigsy acts on"),
)
SANDBOX_OUTCOMES = (("succeed", "The payment succeeds"), ("fail", "The payment fails"))


# --- inputs ---------------------------------------------------------------------------------------
class SandboxConfirmInput(StrictInput):
    """The payer's answer to a sandbox payment (an empty body succeeds)."""

    outcome = serializers.ChoiceField(
        choices=SANDBOX_OUTCOMES,
        required=False,
        default="succeed",
        help_text="What the payer's bank says. A reference in SANDBOX_FAIL_REFERENCES fails "
        "whatever this says.",
    )


# --- outputs --------------------------------------------------------------------------------------
class WebhookOutput(serializers.Serializer[Any]):
    """What became of the event: a provider needs only the 200."""

    result = serializers.ChoiceField(choices=WEBHOOK_RESULTS)
    event_id = serializers.CharField(allow_null=True, help_text="The provider's event id.")


class SandboxConfirmOutput(serializers.Serializer[Any]):
    """The payment after the confirmation's webhook was delivered."""

    payment_id = serializers.CharField()
    reference = serializers.CharField()
    payment_status = serializers.ChoiceField(
        choices=PaymentStatus.choices, help_text="The payment as the webhook left it."
    )
    event_id = serializers.CharField(help_text="The webhook event the confirmation delivered.")
    result = serializers.ChoiceField(
        choices=WEBHOOK_RESULTS,
        help_text="`duplicate`: this confirmation was already delivered; nothing changed.",
    )
