"""The webhook intake: a provider's signed event, processed at most once, in one transaction.

    receive_webhook(provider, body, headers)
        verify (the provider's own code: InvalidSignatureError -> 400 invalid_signature)
        -> insert WebhookReceipt(provider, event id)   unique: a replay or a duplicate stops here
        -> update the PaymentRecord it concerns        state-aware, row locked
        -> call every `on_payment_event` listener      (the funding service, next round)
        -> receipt.processed_at                        all in the same transaction

A crash anywhere before commit leaves no receipt, so the provider's redelivery processes the event
then; once committed, every later delivery of the same event id answers 200 and changes nothing.
Two deliveries at the same moment meet at the receipt's unique index: the second waits for the
first's commit and becomes the duplicate.

Providers do not deliver in order (Stripe says so). The intake guarantees only at-most-once per
event id; a listener must judge an event against the state it finds (a `payment.failed` after
the payment succeeded, a refund before its payment's success, a second event about the same
refund), as `_apply` does for the PaymentRecord: see docs/decisions/0031.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import structlog
from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from apps.gigs.errors import GigsError
from apps.gigs.models import PaymentRecord, PaymentStatus, WebhookReceipt
from apps.gigs.payments.provider import (
    PROVIDERS,
    InvalidPayloadError,
    InvalidSignatureError,
    ProviderEvent,
    get_provider,
)
from gigsy.errors import ApplicationError, NotFoundError

log = structlog.get_logger(__name__)

Result = Literal["processed", "duplicate", "ignored"]


@dataclass(frozen=True)
class Delivery:
    """What a listener gets: the event, and the payment it concerns (locked, as the event left
    it; None for payouts and for payments not started through us) with its status before."""

    event: ProviderEvent
    payment: PaymentRecord | None
    previous_status: str | None

    @property
    def changed(self) -> bool:
        """Whether the event moved the payment's status (a late or repeated one did not)."""
        return self.payment is not None and self.payment.status != self.previous_status


@dataclass(frozen=True)
class Intake:
    result: Result
    event: ProviderEvent | None  # None: ignored
    payment: PaymentRecord | None = None


Listener = Callable[[Delivery], None]
_LISTENERS: dict[str, Listener] = {}


def on_payment_event(listener: Listener) -> Listener:
    """Register a listener for every processed event (usable as a decorator). It runs inside
    the intake's transaction: raising rolls the receipt back, so the provider redelivers.
    Registering the same function again replaces it (module reloads, test re-imports)."""
    _LISTENERS[f"{listener.__module__}.{listener.__qualname__}"] = listener
    return listener


def remove_payment_listener(listener: Listener) -> None:
    _LISTENERS.pop(f"{listener.__module__}.{listener.__qualname__}", None)


def receive_webhook(*, provider: str, body: bytes, headers: Mapping[str, str]) -> Intake:
    """Verify, record once and dispatch one webhook. 404 for a provider that is not the one
    configured (its secret is not ours to trust); 400 `invalid_signature` /
    `invalid_webhook_payload` for what does not verify or cannot be read."""
    if provider not in PROVIDERS or provider != settings.PAYMENTS_PROVIDER:
        raise NotFoundError("No webhook endpoint for this provider here.")
    try:
        event = get_provider(provider).verify_webhook(body, headers)
    except InvalidSignatureError as exc:
        raise ApplicationError(str(exc), code=GigsError.INVALID_SIGNATURE) from None
    except InvalidPayloadError as exc:
        raise ApplicationError(str(exc), code=GigsError.INVALID_WEBHOOK_PAYLOAD) from None
    if event is None:
        return Intake(result="ignored", event=None)
    return process_event(provider=provider, event=event)


@transaction.atomic
def process_event(*, provider: str, event: ProviderEvent) -> Intake:
    """Record and act on a verified event once (see the module docstring)."""
    try:
        with transaction.atomic():
            receipt = WebhookReceipt.objects.create(
                provider=provider, event_id=event.id, type=event.type, payload=dict(event.payload)
            )
    except IntegrityError:
        log.info("payment_webhook_duplicate", provider=provider, event_id=event.id)
        return Intake(result="duplicate", event=event)
    except DataError:  # what jsonb cannot hold (a NUL); only a signer could have sent it
        raise ApplicationError(
            "The event cannot be stored.", code=GigsError.INVALID_WEBHOOK_PAYLOAD
        ) from None
    payment, previous = _apply(provider, event)
    delivery = Delivery(event=event, payment=payment, previous_status=previous)
    for listener in list(_LISTENERS.values()):
        listener(delivery)
    receipt.processed_at = timezone.now()
    receipt.save(update_fields=["processed_at"])
    log.info(
        "payment_webhook_processed",
        provider=provider,
        event_id=event.id,
        type=event.type,
        reference=event.reference,
        changed=delivery.changed,
    )
    return Intake(result="processed", event=event, payment=payment)


def _apply(provider: str, event: ProviderEvent) -> tuple[PaymentRecord | None, str | None]:
    """Move the PaymentRecord the event concerns, judging the event against its state:

    - payment.succeeded: created or failed -> succeeded (a payer may retry after a failure);
      succeeded and refunded stay.
    - payment.failed: created -> failed; anything later stays (a late failure changes nothing).
    - refund.succeeded: adds the refund once per provider refund id; the full amount refunded
      -> refunded. A refund proves the payment succeeded, so one that overtook the success
      event moves created/failed on too.
    - an amount or currency that is not the payment's changes nothing (logged): nothing may be
      counted that was not asked for.
    """
    if event.provider_payment_id is None:  # payouts
        return None, None
    payment = (
        PaymentRecord.objects.select_for_update()
        .filter(provider=provider, provider_payment_id=event.provider_payment_id)
        .first()
    )
    if payment is None:
        log.warning("payment_webhook_unknown_payment", provider=provider, event_id=event.id)
        return None, None
    previous = str(payment.status)
    if event.currency != payment.currency or (
        event.type.startswith("payment.") and event.amount != payment.amount
    ):
        log.error(
            "payment_webhook_mismatch",
            event_id=event.id,
            reference=payment.reference,
            expected=f"{payment.amount} {payment.currency}",
            got=f"{event.amount} {event.currency}",
        )
        return payment, previous
    if event.type == "payment.succeeded":
        if payment.status in (PaymentStatus.CREATED, PaymentStatus.FAILED):
            payment.status = PaymentStatus.SUCCEEDED
    elif event.type == "payment.failed":
        if payment.status == PaymentStatus.CREATED:
            payment.status = PaymentStatus.FAILED
    elif event.type == "refund.succeeded" and event.provider_ref not in payment.refunds:
        if payment.refunded_amount + event.amount > payment.amount:
            log.error("payment_webhook_over_refund", event_id=event.id, reference=payment.reference)
            return payment, previous
        payment.refunds = {**payment.refunds, event.provider_ref: event.amount}
        payment.refunded_amount += event.amount
        full = payment.refunded_amount == payment.amount
        payment.status = PaymentStatus.REFUNDED if full else PaymentStatus.SUCCEEDED
    else:
        return payment, previous
    payment.save(update_fields=["status", "refunds", "refunded_amount", "updated_at"])
    return payment, previous
