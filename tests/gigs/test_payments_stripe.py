"""The Stripe adapter against a local fake of Stripe's API (tests/gigs/fake_stripe.py) and
hand-written webhook events that follow Stripe's documented objects, signed the way Stripe signs
them (`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<payload>")>`), computed here and
not by the `stripe` package. Nothing here reaches the network."""

from __future__ import annotations

import json
import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.gigs.models import PaymentRecord, WebhookReceipt
from apps.gigs.payments.intake import Delivery
from apps.gigs.payments.provider import ProviderError, get_provider
from apps.gigs.payments.records import begin_payment
from apps.gigs.payments.stripe import StripeProvider
from tests.gigs.fake_stripe import FakeStripe, payment_intent, serve
from tests.gigs.paying import WEBHOOK, hmac_header, listening  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

SECRET = "whsec_" + "t3st" * 8
API_VERSION = "2024-06-20"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    yield from serve()


@pytest.fixture
def stripe_settings(settings: Any, fake: FakeStripe) -> Any:
    """Stripe as the configured provider (its webhook endpoint is the one that answers)."""
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_API_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    return settings


def provider(fake: FakeStripe, *, connect: bool = False) -> StripeProvider:
    return StripeProvider(
        api_key="sk_test_fake",
        webhook_secret=SECRET,
        connect=connect,
        api_base=fake.url,
        max_network_retries=0,
    )


# --- fixtures: Stripe events as the API reference documents them ---------------------------------
def event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    """An Event object (snapshot payload) as Stripe posts it to a webhook endpoint."""
    return json.dumps(
        {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": f"req_{secrets.token_hex(7)}", "idempotency_key": None},
            "type": event_type,
        },
        indent=2,  # Stripe sends pretty-printed JSON: the signature covers the bytes as sent
    ).encode()


def intent(record: PaymentRecord, status: str, **over: Any) -> dict[str, Any]:
    received = record.amount if status == "succeeded" else 0
    return (
        payment_intent(
            record.provider_payment_id,
            amount=record.amount,
            currency=record.currency.lower(),
            metadata={"reference": record.reference},
            status=status,
            created=int(time.time()) - 60,
            amount_received=received,
            last_payment_error=(
                {
                    "code": "card_declined",
                    "decline_code": "insufficient_funds",
                    "type": "card_error",
                }
                if status == "requires_payment_method"
                else None
            ),
        )
        | over
    )


def refund_object(record: PaymentRecord, refund_id: str, amount: int, status: str) -> dict:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": "txn_1",
        "charge": "ch_1",
        "created": int(time.time()),
        "currency": record.currency.lower(),
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "metadata": {"reference": f"refund:{refund_id}"},
        "payment_intent": record.provider_payment_id,
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }


def transfer_object(reference: str, *, reversed_: bool = False) -> dict[str, Any]:
    return {
        "id": "tr_1",
        "object": "transfer",
        "amount": 9_000,
        "amount_reversed": 9_000 if reversed_ else 0,
        "balance_transaction": "txn_2",
        "created": int(time.time()),
        "currency": "usd",
        "description": None,
        "destination": "acct_1Freelancer",
        "destination_payment": "py_1",
        "livemode": False,
        "metadata": {"reference": reference},
        "reversals": {"object": "list", "data": [], "has_more": False, "total_count": 0},
        "reversed": reversed_,
        "source_transaction": None,
        "source_type": "card",
        "transfer_group": None,
    }


def post_stripe(api: APIClient, body: bytes, *, secret: str = SECRET, **kw: Any) -> Any:
    return api.generic(
        "POST",
        f"{WEBHOOK}/stripe",
        body,
        content_type="application/json; charset=utf-8",
        HTTP_STRIPE_SIGNATURE=hmac_header(secret, body, **kw),
    )


@pytest.fixture
def record(stripe_settings: Any, fake: FakeStripe) -> PaymentRecord:
    """A payment started through the adapter against the fake API."""
    started, _ = begin_payment(
        amount=5_000, currency="USD", reference="fund:42:1", provider=provider(fake)
    )
    return started


# --- API calls ------------------------------------------------------------------------------------
def test_a_payment_is_a_payment_intent_keyed_by_our_reference(
    stripe_settings: Any, fake: FakeStripe
) -> None:
    record, session = begin_payment(
        amount=5_000,
        currency="USD",
        reference="fund:42:1",
        metadata={"milestone_id": "42"},
        provider=provider(fake),
    )
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", "/v1/payment_intents")
    assert sent.params == {
        "amount": "5000",
        "currency": "usd",
        "metadata[milestone_id]": "42",
        "metadata[reference]": "fund:42:1",
        "automatic_payment_methods[enabled]": "true",
    }
    assert sent.headers["idempotency-key"] == "fund:42:1"
    assert sent.headers["authorization"] == "Bearer sk_test_fake"
    assert sent.headers["stripe-version"]  # the package's pinned API version
    assert session.provider_payment_id.startswith("pi_")
    assert session.client_secret is not None
    assert session.client_secret.startswith(f"{session.provider_payment_id}_secret_")
    assert (session.confirm_url, session.status) == (None, "pending")
    assert (record.provider, record.provider_payment_id, record.status) == (
        "stripe",
        session.provider_payment_id,
        "created",
    )
    # A retry with the same reference is the same PaymentIntent (Stripe's idempotency).
    again, same = begin_payment(
        amount=5_000,
        currency="USD",
        reference="fund:42:1",
        metadata={"milestone_id": "42"},
        provider=provider(fake),
    )
    assert again.pk == record.pk and same.provider_payment_id == session.provider_payment_id
    assert len(fake.requests) == 2 and PaymentRecord.objects.count() == 1


def test_get_provider_builds_the_adapter_from_settings(stripe_settings: Any) -> None:
    stripe_settings.STRIPE_CONNECT = True
    adapter = get_provider()
    assert isinstance(adapter, StripeProvider)
    assert (adapter.api_key, adapter.webhook_secret, adapter.connect) == (
        "sk_test_fake",
        SECRET,
        True,
    )


def test_a_refund_is_a_refund_of_the_payment_intent(
    record: PaymentRecord, fake: FakeStripe
) -> None:
    result = provider(fake).refund(
        provider_payment_id=record.provider_payment_id, amount=2_000, reference="refund:42:1"
    )
    sent = fake.requests[-1]
    assert (sent.path, sent.headers["idempotency-key"]) == ("/v1/refunds", "refund:42:1")
    assert sent.params == {
        "payment_intent": record.provider_payment_id,
        "amount": "2000",
        "metadata[reference]": "refund:42:1",
    }
    assert result.provider_refund_id.startswith("re_") and result.status == "succeeded"


def test_a_payout_is_a_connect_transfer(fake: FakeStripe) -> None:
    result = provider(fake, connect=True).payout(
        destination="acct_1Freelancer", amount=9_000, currency="USD", reference="payout:7:1"
    )
    [sent] = fake.requests
    assert (sent.path, sent.headers["idempotency-key"]) == ("/v1/transfers", "payout:7:1")
    assert sent.params == {
        "amount": "9000",
        "currency": "usd",
        "destination": "acct_1Freelancer",
        "metadata[reference]": "payout:7:1",
    }
    assert result.provider_payout_id.startswith("tr_") and result.status == "paid"


def test_payouts_need_connect_and_a_connected_account(fake: FakeStripe) -> None:
    with pytest.raises(ProviderError) as off:
        provider(fake).payout(
            destination="acct_1Freelancer", amount=9_000, currency="USD", reference="payout:1"
        )
    assert off.value.code == "payouts_unavailable"
    with pytest.raises(ProviderError) as nowhere:
        provider(fake, connect=True).payout(
            destination="ba_1Bank", amount=9_000, currency="USD", reference="payout:2"
        )
    assert nowhere.value.code == "no_destination"
    assert fake.requests == []  # refused before anything was sent


def test_stripe_refusals_are_provider_errors_that_say_whether_to_retry(
    fake: FakeStripe,
) -> None:
    adapter = provider(fake)
    fake.fail_next(
        400,
        {
            "type": "invalid_request_error",
            "code": "charge_already_refunded",
            "message": "Charge ch_1 has already been refunded.",
        },
    )
    with pytest.raises(ProviderError) as refunded:
        adapter.refund(provider_payment_id="pi_1", amount=100, reference="refund:1")
    assert (refunded.value.code, refunded.value.retryable) == ("charge_already_refunded", False)
    assert "already been refunded" in str(refunded.value)

    fake.fail_next(500, {"type": "api_error", "message": "Something went wrong on Stripe's end."})
    with pytest.raises(ProviderError) as outage:
        adapter.create_payment(amount=100, currency="USD", reference="fund:9:1", metadata={})
    assert outage.value.retryable is True

    fake.fail_next(429, {"type": "invalid_request_error", "code": "rate_limit", "message": "Slow"})
    with pytest.raises(ProviderError) as limited:
        adapter.create_payment(amount=100, currency="USD", reference="fund:9:2", metadata={})
    assert limited.value.retryable is True

    # The same idempotency key with other parameters: Stripe refuses, and so do we.
    adapter.create_payment(amount=100, currency="USD", reference="fund:9:3", metadata={})
    with pytest.raises(ProviderError) as reused:
        adapter.create_payment(amount=200, currency="USD", reference="fund:9:3", metadata={})
    assert reused.value.retryable is False


def test_an_unreachable_stripe_is_a_retryable_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = StripeProvider(
        api_key="sk_test_fake",
        webhook_secret=SECRET,
        api_base=f"http://127.0.0.1:{port}",
        max_network_retries=0,
    )
    with pytest.raises(ProviderError) as down:
        adapter.create_payment(amount=100, currency="USD", reference="fund:1", metadata={})
    assert down.value.retryable is True


def test_no_api_key_is_a_clear_error(settings: Any) -> None:
    settings.STRIPE_API_KEY = ""
    with pytest.raises(ProviderError) as missing:
        StripeProvider.from_settings().create_payment(
            amount=100, currency="USD", reference="fund:1", metadata={}
        )
    assert missing.value.code == "provider_not_configured"


# --- webhooks -------------------------------------------------------------------------------------
def test_payment_intent_succeeded_marks_the_payment_succeeded(
    api: APIClient, record: PaymentRecord, heard: list[Delivery]
) -> None:
    body = event("payment_intent.succeeded", intent(record, "succeeded"))
    response = post_stripe(api, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"result": "processed", "event_id": json.loads(body)["id"]}
    record.refresh_from_db()
    assert record.status == "succeeded"
    [delivery] = heard
    assert delivery.event.type == "payment.succeeded"
    assert (delivery.event.reference, delivery.event.amount, delivery.event.currency) == (
        "fund:42:1",
        5_000,
        "USD",
    )
    receipt = WebhookReceipt.objects.get()
    assert (receipt.provider, receipt.type) == ("stripe", "payment.succeeded")
    assert receipt.payload["type"] == "payment_intent.succeeded"


def test_a_stripe_event_redelivered_is_processed_once(
    api: APIClient, record: PaymentRecord, heard: list[Delivery]
) -> None:
    body = event("payment_intent.succeeded", intent(record, "succeeded"))
    first = post_stripe(api, body)
    # Stripe retries with a fresh signature timestamp; the event id is what repeats.
    later = post_stripe(api, body, timestamp=int(time.time()) + 5)
    assert (first.json()["result"], later.json()["result"]) == ("processed", "duplicate")
    assert len(heard) == 1 and WebhookReceipt.objects.count() == 1


def test_a_failure_then_a_success_and_a_late_failure(api: APIClient, record: PaymentRecord) -> None:
    failed = event("payment_intent.payment_failed", intent(record, "requires_payment_method"))
    post_stripe(api, failed)
    record.refresh_from_db()
    assert record.status == "failed"
    post_stripe(api, event("payment_intent.succeeded", intent(record, "succeeded")))
    post_stripe(api, event("payment_intent.canceled", intent(record, "canceled")))
    record.refresh_from_db()
    assert record.status == "succeeded"


def test_refund_events_count_each_refund_once(api: APIClient, record: PaymentRecord) -> None:
    post_stripe(api, event("payment_intent.succeeded", intent(record, "succeeded")))
    pending = event("refund.created", refund_object(record, "re_1", 2_000, "pending"))
    assert post_stripe(api, pending).json()["result"] == "ignored"  # reported again when settled
    settled = event("refund.updated", refund_object(record, "re_1", 2_000, "succeeded"))
    assert post_stripe(api, settled).json()["result"] == "processed"
    also = event("refund.created", refund_object(record, "re_2", 3_000, "succeeded"))
    post_stripe(api, also)
    again = event("refund.updated", refund_object(record, "re_2", 3_000, "succeeded"))
    post_stripe(api, again)  # another event about re_2
    record.refresh_from_db()
    assert (record.status, record.refunded_amount) == ("refunded", 5_000)
    assert record.refunds == {"re_1": 2_000, "re_2": 3_000}
    # charge.refunded repeats what refund.* said: authentic, and ignored.
    charge = {"id": "ch_1", "object": "charge", "amount_refunded": 5_000, "refunded": True}
    assert post_stripe(api, event("charge.refunded", charge)).json()["result"] == "ignored"
    assert WebhookReceipt.objects.count() == 4


def test_transfers_are_payouts_for_the_listeners(
    api: APIClient, stripe_settings: Any, heard: list[Delivery]
) -> None:
    post_stripe(api, event("transfer.created", transfer_object("payout:7:1")))
    post_stripe(api, event("transfer.reversed", transfer_object("payout:7:2", reversed_=True)))
    assert [(d.event.type, d.event.reference, d.event.provider_ref) for d in heard] == [
        ("payout.paid", "payout:7:1", "tr_1"),
        ("payout.failed", "payout:7:2", "tr_1"),
    ]
    assert all(d.payment is None and d.event.provider_payment_id is None for d in heard)


def test_events_we_do_not_act_on_are_acknowledged_and_not_recorded(
    api: APIClient, stripe_settings: Any, heard: list[Delivery]
) -> None:
    customer = {"id": "cus_1", "object": "customer", "email": "c@example.com", "metadata": {}}
    response = post_stripe(api, event("customer.created", customer))
    assert response.status_code == 200
    assert response.json() == {"result": "ignored", "event_id": None}
    assert heard == [] and not WebhookReceipt.objects.exists()


def test_stripe_signatures_are_checked_before_anything_is_read(
    api: APIClient, record: PaymentRecord, stripe_settings: Any
) -> None:
    body = event("payment_intent.succeeded", intent(record, "succeeded"))
    for response in (
        post_stripe(api, body, secret="whsec_someone_else"),
        post_stripe(api, body, timestamp=int(time.time()) - 301),
        api.generic("POST", f"{WEBHOOK}/stripe", body, content_type="application/json"),
        api.generic(
            "POST",
            f"{WEBHOOK}/stripe",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE="t=notanumber,v1=abc",
        ),
        # Stripe signs UTF-8 text: bytes that are not cannot carry its signature.
        post_stripe(api, b"\xff\xfe" + body),
    ):
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "invalid_signature"
    # A secret that was never configured verifies nothing.
    stripe_settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_stripe(api, body, secret="").status_code == 400
    record.refresh_from_db()
    assert record.status == "created" and not WebhookReceipt.objects.exists()


def test_a_signed_body_stripe_never_documented_is_an_invalid_payload(
    api: APIClient, record: PaymentRecord
) -> None:
    without_object = json.loads(event("payment_intent.succeeded", intent(record, "succeeded")))
    without_object["data"] = {}
    wrong_kind = event("payment_intent.succeeded", {"id": "ch_1", "object": "charge"})
    no_amount = event(
        "payment_intent.succeeded",
        intent(record, "succeeded", amount=None) | {"amount_received": 0},
    )
    for body in (b"not json at all", json.dumps(without_object).encode(), wrong_kind, no_amount):
        response = post_stripe(api, body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_webhook_payload"
    record.refresh_from_db()
    assert record.status == "created" and not WebhookReceipt.objects.exists()
