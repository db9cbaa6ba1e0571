"""The sandbox provider: payments without a payment company, for development and tests.

It behaves like a real provider where our code can tell: ids are deterministic (derived from our
reference, so the same reference is the same payment, as Stripe's idempotency keys make it), a
payment completes only when the payer confirms it, and the confirmation arrives as a webhook
signed like Stripe's (`Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
with SANDBOX_WEBHOOK_SECRET, refused when more than 300 s old or ahead) and delivered to the same
intake, through the same verification, as a real provider's.

The payer's side is `confirm()`, behind POST /api/v1/gigs/payments/sandbox/<payment id>/confirm
(404 unless PAYMENTS_PROVIDER=sandbox). Failures on demand: `outcome="fail"` there, or a
reference matching one of SANDBOX_FAIL_REFERENCES (fnmatch patterns) makes the payment, refund
or payout fail.

Refunds and payouts answer their final status at once, and their webhook (refund.succeeded,
payout.paid, payout.failed) is delivered when the caller's transaction commits, as a provider's
would arrive after the call returned.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any, Literal

import structlog
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from apps.gigs.models import PaymentRecord, PaymentStatus
from apps.gigs.payments.intake import Intake, receive_webhook
from apps.gigs.payments.provider import (
    EVENT_TYPES,
    EventType,
    InvalidPayloadError,
    InvalidSignatureError,
    PaymentSession,
    PayoutResult,
    ProviderError,
    ProviderEvent,
    ProviderFailure,
    RefundResult,
    check_money,
    header,
)
from gigsy.errors import NotFoundError

log = structlog.get_logger(__name__)

NAME = "sandbox"
SIGNATURE_HEADER = "Sandbox-Signature"
TOLERANCE_SECONDS = 300
Outcome = Literal["succeed", "fail"]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def payment_id_for(reference: str) -> str:
    return f"sbx_pay_{_digest('payment', reference)}"


def _signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _parse_signature_header(value: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in value.split(","):
        key, _, text = item.strip().partition("=")
        if key == "t" and text.isascii() and text.isdigit():
            timestamp = int(text)
        elif key == "v1" and text:
            signatures.append(text)
    if timestamp is None or not signatures:
        raise InvalidSignatureError(f"The {SIGNATURE_HEADER} header needs t=<unix time>,v1=<hex>.")
    return timestamp, signatures


class SandboxProvider:
    name = NAME

    def __init__(
        self,
        *,
        secret: str,
        fail_references: list[str] | None = None,
        tolerance: int = TOLERANCE_SECONDS,
    ) -> None:
        self.secret = secret
        self.fail_references = list(fail_references or [])
        self.tolerance = tolerance

    @classmethod
    def from_settings(cls) -> SandboxProvider:
        return cls(
            secret=settings.SANDBOX_WEBHOOK_SECRET,
            fail_references=list(settings.SANDBOX_FAIL_REFERENCES),
        )

    def fails(self, reference: str) -> bool:
        return any(fnmatchcase(reference, pattern) for pattern in self.fail_references)

    # --- the provider interface ---------------------------------------------------------------
    def create_payment(
        self, *, amount: int, currency: str, reference: str, metadata: Mapping[str, str]
    ) -> PaymentSession:
        check_money(amount, currency)
        payment_id = payment_id_for(reference)
        path = reverse("gigs-payments-sandbox-confirm", kwargs={"payment_id": payment_id})
        return PaymentSession(
            provider_payment_id=payment_id,
            client_secret=None,
            confirm_url=f"{settings.PUBLIC_API_URL.rstrip('/')}{path}",
            status="pending",
        )

    def refund(self, *, provider_payment_id: str, amount: int, reference: str) -> RefundResult:
        payment = PaymentRecord.objects.filter(
            provider=NAME, provider_payment_id=provider_payment_id
        ).first()
        if payment is None:
            raise ProviderError(
                f"No sandbox payment {provider_payment_id}.", code=ProviderFailure.NO_PAYMENT
            )
        check_money(amount, payment.currency)
        if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
            raise ProviderError(
                "Only a succeeded payment can be refunded.", code=ProviderFailure.NOT_PAID
            )
        left = payment.amount - payment.refunded_amount
        if amount > left:
            raise ProviderError(
                f"The refund of {amount} is more than the {left} left of the payment.",
                code=ProviderFailure.AMOUNT_TOO_LARGE,
            )
        refund_id = f"sbx_re_{_digest('refund', reference)}"
        if self.fails(reference):
            return RefundResult(provider_refund_id=refund_id, status="failed")
        self._deliver_on_commit(
            "refund.succeeded",
            provider_payment_id=provider_payment_id,
            provider_ref=refund_id,
            reference=reference,
            amount=amount,
            currency=payment.currency,
        )
        return RefundResult(provider_refund_id=refund_id, status="succeeded")

    def payout(
        self, *, destination: str, amount: int, currency: str, reference: str
    ) -> PayoutResult:
        check_money(amount, currency)
        if not destination:
            raise ProviderError(
                "A payout needs a destination account.", code=ProviderFailure.NO_DESTINATION
            )
        payout_id = f"sbx_po_{_digest('payout', reference)}"
        failed = self.fails(reference)
        self._deliver_on_commit(
            "payout.failed" if failed else "payout.paid",
            provider_payment_id=None,
            provider_ref=payout_id,
            reference=reference,
            amount=amount,
            currency=currency,
        )
        return PayoutResult(provider_payout_id=payout_id, status="failed" if failed else "paid")

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        timestamp, signatures = _parse_signature_header(header(headers, SIGNATURE_HEADER))
        expected = _signature(self.secret, timestamp, body)
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            raise InvalidSignatureError("The signature does not match the body.")
        if abs(time.time() - timestamp) > self.tolerance:
            raise InvalidSignatureError(
                f"The signature's timestamp is more than {self.tolerance} seconds from now."
            )
        return _event_of(body)

    # --- building and delivering events -------------------------------------------------------
    def sign(self, body: bytes, *, timestamp: int | None = None) -> str:
        """The signature header's value for `body` (now, unless `timestamp` says otherwise)."""
        at = int(time.time()) if timestamp is None else timestamp
        return f"t={at},v1={_signature(self.secret, at, body)}"

    def deliver(self, body: bytes) -> Intake:
        """Send a signed event to the webhook intake, as the provider's servers would."""
        headers = {SIGNATURE_HEADER: self.sign(body)}
        return receive_webhook(provider=NAME, body=body, headers=headers)

    def _deliver_on_commit(self, event_type: EventType, **data: Any) -> None:
        body = event_body(event_type, **data)

        def send() -> None:
            try:
                self.deliver(body)
            except Exception:  # a real provider would retry; the sandbox logs it
                log.exception("sandbox_webhook_failed", event_type=event_type, **data)

        transaction.on_commit(send)


def event_body(
    event_type: EventType,
    *,
    provider_payment_id: str | None,
    provider_ref: str,
    reference: str,
    amount: int,
    currency: str,
    created: int | None = None,
) -> bytes:
    """A sandbox event as its webhook carries it. The id is derived from the type and the object,
    so the same happening is the same event however often it is sent."""
    return json.dumps(
        {
            "id": f"sbx_evt_{_digest(event_type, provider_ref)}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()) if created is None else created,
            "data": {
                "provider_payment_id": provider_payment_id,
                "provider_ref": provider_ref,
                "reference": reference,
                "amount": amount,
                "currency": currency,
            },
        },
        separators=(",", ":"),
    ).encode()


def _event_of(body: bytes) -> ProviderEvent:
    try:
        payload = json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        raise InvalidPayloadError("The body is not JSON.") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise InvalidPayloadError("The body is not a sandbox event.")
    event_id, event_type, created = payload.get("id"), payload.get("type"), payload.get("created")
    amount, currency = data.get("amount"), data.get("currency")
    payment_id, ref = data.get("provider_payment_id"), data.get("provider_ref")
    reference = data.get("reference")
    if not (
        isinstance(event_id, str)
        and 0 < len(event_id) <= 255
        and event_type in EVENT_TYPES
        and isinstance(created, int)
        and isinstance(ref, str)
        and ref
        and isinstance(reference, str)
        and (payment_id is None or isinstance(payment_id, str))
        and isinstance(amount, int)
        and isinstance(currency, str)
    ):
        raise InvalidPayloadError("The sandbox event lacks a field or has one of the wrong type.")
    try:
        check_money(amount, currency)
        at = datetime.fromtimestamp(created, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidPayloadError(str(exc)) from None
    return ProviderEvent(
        id=event_id,
        type=event_type,
        provider_payment_id=payment_id,
        provider_ref=ref,
        reference=reference,
        amount=amount,
        currency=currency,
        created=at,
        payload=payload,
    )


# --- the payer's side -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Confirmation:
    payment: PaymentRecord  # as the webhook left it
    event_id: str
    result: str  # the intake's: processed or duplicate


def confirm(*, payment_id: str, outcome: Outcome = "succeed") -> Confirmation:
    """The payer completes (or fails) a sandbox payment: its webhook is built, signed and
    delivered to the intake. 404 unless the sandbox is the provider, or for an unknown id."""
    if settings.PAYMENTS_PROVIDER != NAME:
        raise NotFoundError("The sandbox is not the payment provider here.")
    payment = PaymentRecord.objects.filter(provider=NAME, provider_payment_id=payment_id).first()
    if payment is None:
        raise NotFoundError("No sandbox payment has this id.")
    provider = SandboxProvider.from_settings()
    failed = outcome == "fail" or provider.fails(payment.reference)
    intake = provider.deliver(
        event_body(
            "payment.failed" if failed else "payment.succeeded",
            provider_payment_id=payment.provider_payment_id,
            provider_ref=payment.provider_payment_id,
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
        )
    )
    payment.refresh_from_db()
    assert intake.event is not None  # a sandbox payment event is always acted on
    return Confirmation(payment=payment, event_id=intake.event.id, result=intake.result)
