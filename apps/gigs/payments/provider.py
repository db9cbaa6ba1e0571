"""The one interface every payment provider implements, and the values it answers with.

Amounts are integer minor units and currencies ISO 4217 upper case on our side of the interface,
whatever the provider's own conventions (Stripe wants lower case). Every call that moves money
carries our `reference`: the provider's idempotency key, so a retry of the same call never
charges, refunds or pays twice.

A provider's webhook is the only proof that a payment succeeded: `verify_webhook` checks its
signature and turns the provider's event into a `ProviderEvent` of one of `EVENT_TYPES` (or None:
an authentic event we do not act on).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from django.conf import settings

PROVIDERS = ("sandbox", "stripe")

EventType = Literal[
    "payment.succeeded", "payment.failed", "refund.succeeded", "payout.paid", "payout.failed"
]
EVENT_TYPES: tuple[EventType, ...] = (
    "payment.succeeded",
    "payment.failed",
    "refund.succeeded",
    "payout.paid",
    "payout.failed",
)
# What the payer's side of a payment is waiting for: `pending` until they complete it (Stripe:
# requires_payment_method / requires_confirmation / requires_action).
SessionStatus = Literal["pending", "processing", "succeeded", "failed"]
RefundStatus = Literal["pending", "succeeded", "failed"]
PayoutStatus = Literal["pending", "paid", "failed"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PaymentError(Exception):
    """Base of what this package raises."""


class InvalidSignatureError(PaymentError):
    """The webhook is not provably from the provider: no, a forged or a stale signature, or a
    body that cannot be what the provider signed."""


class InvalidPayloadError(PaymentError):
    """The signature is good but the body is not an event we can read (the provider changed its
    format, or a test signed junk)."""


class ProviderFailure(StrEnum):
    """Why a provider call was refused before or besides what the provider itself said (a
    Stripe refusal keeps Stripe's own code, e.g. `charge_already_refunded`). Not API error
    codes: the services that call providers decide what their callers are told."""

    PROVIDER_ERROR = "provider_error"
    NOT_CONFIGURED = "provider_not_configured"
    REFERENCE_REUSED = "reference_reused"
    NO_PAYMENT = "no_payment"
    NOT_PAID = "not_paid"
    AMOUNT_TOO_LARGE = "amount_too_large"
    NO_DESTINATION = "no_destination"
    PAYOUTS_UNAVAILABLE = "payouts_unavailable"


class ProviderError(PaymentError):
    """The provider refused or could not be reached. `code`: a ProviderFailure or the
    provider's own; `retryable`: the same call (same reference) may succeed later (network,
    rate limit, the provider's own failure)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = ProviderFailure.PROVIDER_ERROR,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.retryable = retryable


@dataclass(frozen=True)
class PaymentSession:
    """What the payer's side needs to complete a payment: Stripe's `client_secret` for
    Stripe.js, or the sandbox's `confirm_url` a development page or a test posts to."""

    provider_payment_id: str
    client_secret: str | None
    confirm_url: str | None
    status: SessionStatus


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str
    status: RefundStatus


@dataclass(frozen=True)
class PayoutResult:
    provider_payout_id: str
    status: PayoutStatus


@dataclass(frozen=True)
class ProviderEvent:
    """A verified provider event, in our terms.

    `provider_payment_id`: the payment the event concerns (a refund's payment too; None for
    payouts). `provider_ref`: the provider's id of the object the event is about (the payment,
    the refund, the transfer or payout). `reference`: ours, as we gave it when asking ("" when
    the provider's object was not made by us). `payload`: the event as the provider sent it."""

    id: str
    type: EventType
    provider_payment_id: str | None
    provider_ref: str
    reference: str
    amount: int
    currency: str
    created: datetime
    payload: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


class PaymentProvider(Protocol):
    name: str

    def create_payment(
        self, *, amount: int, currency: str, reference: str, metadata: Mapping[str, str]
    ) -> PaymentSession:
        """Ask for a payment of `amount` from the payer; the same reference again answers the
        same payment."""
        ...

    def refund(self, *, provider_payment_id: str, amount: int, reference: str) -> RefundResult:
        """Give `amount` of a succeeded payment back to its payer."""
        ...

    def payout(
        self, *, destination: str, amount: int, currency: str, reference: str
    ) -> PayoutResult:
        """Send `amount` to a payee's account at the provider (Stripe: a connected account)."""
        ...

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        """The event in `body` if its signature holds (InvalidSignatureError otherwise); None for an
        authentic event of a kind we do not act on."""
        ...


def check_money(amount: int, currency: str) -> None:
    """Refuse what no provider should be asked: a non-positive or non-integer amount, a currency
    that is not three upper-case letters. The services check amounts against the contract
    first; this is the last guard before money moves."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive integer of minor units, not {amount!r}")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise ValueError(f"currency must be an ISO 4217 code in upper case, not {currency!r}")


def header(headers: Mapping[str, str], name: str) -> str:
    """A header by name, case-insensitively (Django's request.headers is; a plain dict is not)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider named (default: settings PAYMENTS_PROVIDER), configured from settings.
    Built per call: cheap, and a settings change (tests) takes effect at once."""
    name = name or settings.PAYMENTS_PROVIDER
    if name == "sandbox":
        from apps.gigs.payments.sandbox import SandboxProvider

        return SandboxProvider.from_settings()
    if name == "stripe":
        from apps.gigs.payments.stripe import StripeProvider

        return StripeProvider.from_settings()
    raise ValueError(f"unknown payment provider {name!r} (known: {', '.join(PROVIDERS)})")
