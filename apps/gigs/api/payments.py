"""Payment endpoints: providers' webhooks, and the sandbox's confirmation for development.

Neither takes a signed-in user. A webhook's signature is its authentication (checked by the
provider's own code in apps/gigs/payments/); the sandbox's confirmation plays the payer's bank,
answered only while the sandbox is the provider.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.gigs.api import payment_serializers as s
from apps.gigs.payments import sandbox
from apps.gigs.payments.intake import receive_webhook
from gigsy.api.inputs import parse
from gigsy.api.representation import represent
from gigsy.api.responses import error_responses


class PaymentWebhookView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    # Providers deliver in bursts from a few addresses and retry what is refused; a signature
    # check costs one HMAC and no query, so junk is cheap to refuse without a throttle.
    throttle_classes: list[Any] = []

    @extend_schema(
        auth=[],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: s.WebhookOutput, **error_responses(400, 404)},
        summary="A payment provider's signed event (for the provider, not for apps)",
        description="`provider` is the configured PAYMENTS_PROVIDER (`stripe` or `sandbox`; "
        "another is 404). The body is read as sent and verified with the provider's signature "
        "header (`Stripe-Signature`, `Sandbox-Signature`): a missing, forged or stale one is "
        "400 `invalid_signature` and records nothing. Each event id is processed once: a "
        "replay or a duplicate answers 200 `duplicate` and changes nothing.",
    )
    def post(self, request: Request, provider: str) -> Response:
        # The raw bytes the provider signed, never a re-serialized parse of them.
        intake = receive_webhook(provider=provider, body=request.body, headers=request.headers)
        event_id = intake.event.id if intake.event else None
        return Response(represent(s.WebhookOutput, {"result": intake.result, "event_id": event_id}))


class SandboxConfirmView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        auth=[],
        request=s.SandboxConfirmInput,
        responses={200: s.SandboxConfirmOutput, **error_responses(400, 404)},
        summary="Sandbox only: complete (or fail) a payment as its payer",
        description="The `confirm_url` a sandbox payment hands out. Builds the provider's "
        "signed webhook and delivers it to the webhook intake, as a real provider would. "
        "404 unless PAYMENTS_PROVIDER is `sandbox`, or for an unknown payment.",
    )
    def post(self, request: Request, payment_id: str) -> Response:
        done = sandbox.confirm(payment_id=payment_id, **parse(s.SandboxConfirmInput, request))
        return Response(
            represent(
                s.SandboxConfirmOutput,
                {
                    "payment_id": done.payment.provider_payment_id,
                    "reference": done.payment.reference,
                    "payment_status": done.payment.status,
                    "event_id": done.event_id,
                    "result": done.result,
                },
            )
        )
