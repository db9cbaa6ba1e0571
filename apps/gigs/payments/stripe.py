"""The Stripe adapter, on the official `stripe` package.

- Funding: a PaymentIntent (amount, lower-case currency, our reference in its metadata and as
  the idempotency key); the frontend completes it with Stripe.js and the `client_secret`.
- Refunds: a Refund of (part of) the PaymentIntent.
- Payouts: with STRIPE_CONNECT, a Transfer to the freelancer's connected account (`acct_...`);
  without, Stripe takes no payouts and `payout` refuses.
- Webhooks: `stripe.Webhook.construct_event` checks the `Stripe-Signature` header (HMAC-SHA256
  of "<t>.<body>" with STRIPE_WEBHOOK_SECRET, at most 300 s old) before anything is read.

Events mapped (anything else is authentic and ignored):

    payment_intent.succeeded                         -> payment.succeeded (amount_received)
    payment_intent.payment_failed, .canceled         -> payment.failed
    refund.created, refund.updated (status succeeded) -> refund.succeeded
    transfer.created, payout.paid                    -> payout.paid
    transfer.reversed, payout.failed                 -> payout.failed

`charge.refunded` is not mapped: it repeats what refund.* says about the same refund, and since
API version 2022-11-15 a Charge no longer lists its refunds. A refund reported by both
refund.created and refund.updated is counted once (PaymentRecord.refunds, keyed by refund id).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings

from apps.gigs.payments.provider import (
    EventType,
    InvalidPayloadError,
    InvalidSignatureError,
    PaymentSession,
    PayoutResult,
    PayoutStatus,
    ProviderError,
    ProviderEvent,
    ProviderFailure,
    RefundResult,
    RefundStatus,
    SessionStatus,
    check_money,
    header,
)

NAME = "stripe"
SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300

_SESSION_STATUS: dict[str, SessionStatus] = {
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "requires_action": "pending",
    "processing": "processing",
    "requires_capture": "processing",
    "succeeded": "succeeded",
    "canceled": "failed",
}
_REFUND_STATUS: dict[str, RefundStatus] = {
    "pending": "pending",
    "requires_action": "pending",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
}
# Stripe event type -> ours, and which Stripe object it carries.
_EVENTS: dict[str, tuple[EventType, str]] = {
    "payment_intent.succeeded": ("payment.succeeded", "payment_intent"),
    "payment_intent.payment_failed": ("payment.failed", "payment_intent"),
    "payment_intent.canceled": ("payment.failed", "payment_intent"),
    "refund.created": ("refund.succeeded", "refund"),
    "refund.updated": ("refund.succeeded", "refund"),
    "transfer.created": ("payout.paid", "transfer"),
    "payout.paid": ("payout.paid", "payout"),
    "transfer.reversed": ("payout.failed", "transfer"),
    "payout.failed": ("payout.failed", "payout"),
}
_RETRYABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


class StripeProvider:
    name = NAME

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        connect: bool = False,
        api_base: str | None = None,
        max_network_retries: int = 2,
        tolerance: int = TOLERANCE_SECONDS,
    ) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.connect = connect
        self.api_base = api_base
        self.max_network_retries = max_network_retries
        self.tolerance = tolerance
        self._api: stripe.StripeClient | None = None

    @classmethod
    def from_settings(cls) -> StripeProvider:
        return cls(
            api_key=settings.STRIPE_API_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            connect=settings.STRIPE_CONNECT,
        )

    @property
    def api(self) -> stripe.StripeClient:
        if self._api is None:
            if not self.api_key:
                raise ProviderError(
                    "STRIPE_API_KEY is not set.", code=ProviderFailure.NOT_CONFIGURED
                )
            # Retries are safe: every call that creates something carries an idempotency key.
            self._api = stripe.StripeClient(
                self.api_key,
                base_addresses={"api": self.api_base} if self.api_base else None,
                max_network_retries=self.max_network_retries,
            )
        return self._api

    # --- the provider interface ---------------------------------------------------------------
    def create_payment(
        self, *, amount: int, currency: str, reference: str, metadata: Mapping[str, str]
    ) -> PaymentSession:
        check_money(amount, currency)
        with _translated_errors():
            intent = self.api.v1.payment_intents.create(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "metadata": {**metadata, "reference": reference},
                    "automatic_payment_methods": {"enabled": True},
                },
                options={"idempotency_key": reference},
            )
        return PaymentSession(
            provider_payment_id=intent.id,
            client_secret=intent.client_secret,
            confirm_url=None,
            status=_SESSION_STATUS.get(intent.status, "pending"),
        )

    def refund(self, *, provider_payment_id: str, amount: int, reference: str) -> RefundResult:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValueError(f"amount must be a positive integer of minor units, not {amount!r}")
        with _translated_errors():
            refund = self.api.v1.refunds.create(
                params={
                    "payment_intent": provider_payment_id,
                    "amount": amount,
                    "metadata": {"reference": reference},
                },
                options={"idempotency_key": reference},
            )
        return RefundResult(
            provider_refund_id=refund.id, status=_REFUND_STATUS.get(refund.status or "", "pending")
        )

    def payout(
        self, *, destination: str, amount: int, currency: str, reference: str
    ) -> PayoutResult:
        check_money(amount, currency)
        if not self.connect:
            raise ProviderError(
                "Payouts through Stripe need Stripe Connect (STRIPE_CONNECT).",
                code=ProviderFailure.PAYOUTS_UNAVAILABLE,
            )
        if not destination.startswith("acct_"):
            raise ProviderError(
                f"A Connect payout goes to a connected account (acct_...), not {destination!r}.",
                code=ProviderFailure.NO_DESTINATION,
            )
        with _translated_errors():
            transfer = self.api.v1.transfers.create(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "destination": destination,
                    "metadata": {"reference": reference},
                },
                options={"idempotency_key": reference},
            )
        status: PayoutStatus = "failed" if transfer.reversed else "paid"
        return PayoutResult(provider_payout_id=transfer.id, status=status)

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        try:
            event = stripe.Webhook.construct_event(
                body,
                header(headers, SIGNATURE_HEADER),
                self.webhook_secret,
                tolerance=self.tolerance,
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignatureError(f"Stripe signature: {exc.user_message or exc}") from None
        except UnicodeDecodeError:  # before the check: Stripe signs UTF-8 text
            raise InvalidSignatureError("The body is not UTF-8 text.") from None
        except ValueError as exc:  # verified, then not JSON or not a snapshot event
            raise InvalidPayloadError(str(exc)) from None
        return event_of(event.to_dict())


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Stripe's exceptions as ProviderError: what failed, and whether a retry may work."""
    try:
        yield
    except stripe.StripeError as exc:
        message = exc.user_message or str(exc) or type(exc).__name__
        raise ProviderError(
            f"Stripe: {message}",
            code=str(exc.code or type(exc).__name__),
            retryable=isinstance(exc, _RETRYABLE),
        ) from exc


def event_of(payload: Mapping[str, Any]) -> ProviderEvent | None:
    """A Stripe event (a verified snapshot event as JSON) in our terms; None if not ours to act
    on. InvalidPayloadError when a mapped event lacks what Stripe documents for it."""
    mapped = _EVENTS.get(str(payload.get("type")))
    if mapped is None:
        return None
    event_type, object_kind = mapped
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping) or obj.get("object") != object_kind:
        raise InvalidPayloadError(f"A {payload.get('type')} event without its {object_kind}.")
    if object_kind == "refund" and obj.get("status") != "succeeded":
        return None  # pending refunds are reported again when they settle
    metadata = obj.get("metadata")
    reference = metadata.get("reference", "") if isinstance(metadata, Mapping) else ""
    amount = obj.get("amount")
    if event_type == "payment.succeeded" and obj.get("amount_received"):
        amount = obj.get("amount_received")
    payment_id = {
        "payment_intent": obj.get("id"),
        "refund": obj.get("payment_intent"),
    }.get(object_kind)
    event_id, object_id, created = payload.get("id"), obj.get("id"), payload.get("created")
    currency = obj.get("currency")
    if not (
        isinstance(event_id, str)
        and 0 < len(event_id) <= 255
        and isinstance(object_id, str)
        and isinstance(created, int)
        and isinstance(amount, int)
        and isinstance(currency, str)
        and isinstance(reference, str)
        and (object_kind not in ("payment_intent", "refund") or isinstance(payment_id, str))
    ):
        raise InvalidPayloadError(f"A {payload.get('type')} event lacks a documented field.")
    try:
        check_money(amount, currency.upper())
        at = datetime.fromtimestamp(created, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidPayloadError(str(exc)) from None
    return ProviderEvent(
        id=event_id,
        type=event_type,
        provider_payment_id=payment_id if isinstance(payment_id, str) else None,
        provider_ref=object_id,
        reference=reference,
        amount=amount,
        currency=currency.upper(),
        created=at,
        payload=payload,
    )
