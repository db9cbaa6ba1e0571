"""Helpers of the payments tests: sandbox payments, signed webhooks, a recording listener."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.gigs.models import PaymentRecord
from apps.gigs.payments.intake import Delivery, on_payment_event, remove_payment_listener
from apps.gigs.payments.records import begin_payment
from apps.gigs.payments.sandbox import SandboxProvider, event_body

WEBHOOK = "/api/v1/gigs/payments/webhooks"


def pay(reference: str = "fund:1:1", amount: int = 5_000, currency: str = "USD") -> PaymentRecord:
    """A sandbox payment, started and not yet confirmed."""
    record, session = begin_payment(amount=amount, currency=currency, reference=reference)
    assert session.status == "pending"
    return record


def hmac_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """`t=...,v1=...` computed here, not by the code under test: HMAC-SHA256 of "<t>.<body>"."""
    at = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def sandbox_event(
    record: PaymentRecord, event_type: str = "payment.succeeded", **over: Any
) -> bytes:
    data: dict[str, Any] = {
        "provider_payment_id": record.provider_payment_id,
        "provider_ref": record.provider_payment_id,
        "reference": record.reference,
        "amount": record.amount,
        "currency": record.currency,
    } | over
    return event_body(event_type, **data)


def post_sandbox(api: APIClient, body: bytes, *, secret: str | None = None, **kw: Any) -> Any:
    """POST a sandbox webhook signed with `secret` (default: the configured one)."""
    key = secret if secret is not None else SandboxProvider.from_settings().secret
    return api.generic(
        "POST",
        f"{WEBHOOK}/sandbox",
        body,
        content_type="application/json",
        HTTP_SANDBOX_SIGNATURE=hmac_header(key, body, **kw),
    )


def event_id(body: bytes) -> str:
    return str(json.loads(body)["id"])


def renamed(body: bytes, new_id: str) -> bytes:
    """The same event under another id (another event about the same happening)."""
    return body.replace(event_id(body).encode(), new_id.encode())


@pytest.fixture(name="heard")
def listening() -> Iterator[list[Delivery]]:
    """Every delivery the intake dispatches during the test, in order."""
    deliveries: list[Delivery] = []

    def record_delivery(delivery: Delivery) -> None:
        deliveries.append(delivery)

    on_payment_event(record_delivery)
    yield deliveries
    remove_payment_listener(record_delivery)
