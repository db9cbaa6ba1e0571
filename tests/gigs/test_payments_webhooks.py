"""The webhook intake (apps/gigs/payments/intake.py): the signature is the only authentication,
junk is a 400 and never a 500, each event id is processed once in the transaction that records
it (a replay, a duplicate or a race changes nothing twice; a crash before commit leaves the
event to the provider's redelivery), and events arriving out of order are judged against the
payment's state."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from apps.gigs.models import PaymentRecord, WebhookReceipt
from apps.gigs.payments.intake import (
    Delivery,
    on_payment_event,
    receive_webhook,
    remove_payment_listener,
)
from apps.gigs.payments.sandbox import SIGNATURE_HEADER, SandboxProvider
from gigsy.errors import ApplicationError
from tests.gigs.conftest import client_for
from tests.gigs.paying import (  # noqa: F401 (fixture)
    WEBHOOK,
    event_id,
    hmac_header,
    listening,
    pay,
    post_sandbox,
    renamed,
    sandbox_event,
)

pytestmark = pytest.mark.django_db


def refused(response: Any, code: str = "invalid_signature") -> None:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code


def nothing_recorded(record: PaymentRecord) -> None:
    record.refresh_from_db()
    assert record.status == "created"
    assert not WebhookReceipt.objects.exists()


# --- signatures -----------------------------------------------------------------------------------
def test_a_signed_event_is_processed(api: APIClient, heard: list[Delivery]) -> None:
    record = pay()
    body = sandbox_event(record)
    response = post_sandbox(api, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"result": "processed", "event_id": event_id(body)}
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert [d.event.id for d in heard] == [event_id(body)]


def test_a_forged_signature_records_nothing(api: APIClient, heard: list[Delivery]) -> None:
    record = pay()
    body = sandbox_event(record)
    refused(post_sandbox(api, body, secret="an attacker's guess"))
    # A signature of another body does not cover this one.
    other = sandbox_event(record, amount=1)
    refused(
        api.generic(
            "POST",
            f"{WEBHOOK}/sandbox",
            body,
            content_type="application/json",
            HTTP_SANDBOX_SIGNATURE=post_header_for(other),
        )
    )
    nothing_recorded(record)
    assert heard == []


def post_header_for(body: bytes) -> str:
    return SandboxProvider.from_settings().sign(body)


def test_a_stale_or_future_signature_is_refused(api: APIClient) -> None:
    record = pay()
    body = sandbox_event(record)
    now = int(time.time())
    refused(post_sandbox(api, body, timestamp=now - 301))  # a replay after the tolerance
    refused(post_sandbox(api, body, timestamp=now + 301))  # would stretch the replay window
    nothing_recorded(record)
    assert post_sandbox(api, body, timestamp=now - 290).status_code == 200


@pytest.mark.parametrize(
    "signature",
    ["", "v1=abc", "t=,v1=abc", "t=12x,v1=abc", "t=1700000000", "garbage", "t=١٢٣,v1=ab"],
    ids=["empty", "no-time", "blank-time", "bad-time", "no-v1", "garbage", "non-ascii-digits"],
)
def test_a_malformed_signature_header_is_a_400(api: APIClient, signature: str) -> None:
    record = pay()
    headers = {"HTTP_SANDBOX_SIGNATURE": signature} if signature else {}
    response = api.generic(
        "POST", f"{WEBHOOK}/sandbox", sandbox_event(record), "application/json", **headers
    )
    refused(response)
    nothing_recorded(record)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"\xff\xfe\x00junk", b"[1,2]", b'{"id": "evt"}', b"\x00" * 64],
    ids=["empty", "text", "binary", "array", "partial", "nul"],
)
def test_junk_is_a_400_never_a_500(api: APIClient, body: bytes) -> None:
    # Unsigned junk fails the signature; junk signed with the real secret (only the provider
    # or a test can) fails as a payload the provider never documented.
    refused(api.generic("POST", f"{WEBHOOK}/sandbox", body, "application/json"))
    refused(post_sandbox(api, body), "invalid_webhook_payload")
    assert not WebhookReceipt.objects.exists()


def test_a_signed_event_with_wrong_fields_is_an_invalid_payload(api: APIClient) -> None:
    record = pay()
    for bad in (
        sandbox_event(record, "payment.refunded"),  # not a type we know
        sandbox_event(record, amount=0),
        sandbox_event(record, amount="5000"),
        sandbox_event(record, currency="usd"),
        sandbox_event(record, provider_ref=""),
        sandbox_event(record, reference=None),
    ):
        refused(post_sandbox(api, bad), "invalid_webhook_payload")
    nothing_recorded(record)


def test_an_event_jsonb_cannot_hold_is_refused_not_a_500(api: APIClient) -> None:
    record = pay()
    refused(
        post_sandbox(api, sandbox_event(record, reference="a\u0000b")), "invalid_webhook_payload"
    )
    nothing_recorded(record)


def test_only_the_configured_provider_has_a_webhook(api: APIClient, settings: Any) -> None:
    record = pay()
    body = sandbox_event(record)
    for provider in ("stripe", "paypal", "SANDBOX"):
        response = api.generic(
            "POST",
            f"{WEBHOOK}/{provider}",
            body,
            "application/json",
            HTTP_SANDBOX_SIGNATURE=post_header_for(body),
        )
        assert response.status_code == 404, provider
    settings.PAYMENTS_PROVIDER = "stripe"  # the sandbox's secret is no longer trusted
    assert post_sandbox(api, body).status_code == 404
    nothing_recorded(record)


def test_a_signed_in_caller_gets_nothing_more(api: APIClient, client_user: Any) -> None:
    """No token opens the intake: signed in or not, without the signature it is a 400."""
    record = pay()
    for caller in (api, client_for(client_user)):
        refused(caller.post(f"{WEBHOOK}/sandbox", {"id": "evt_1"}, format="json"))
        assert caller.get(f"{WEBHOOK}/sandbox").status_code == 405
    nothing_recorded(record)


# --- at most once ---------------------------------------------------------------------------------
def test_a_replayed_webhook_is_processed_once(api: APIClient, heard: list[Delivery]) -> None:
    record = pay()
    body = sandbox_event(record)
    first = post_sandbox(api, body)
    replays = [post_sandbox(api, body) for _ in range(3)]  # re-signed each time, as a provider
    assert first.json()["result"] == "processed"
    assert [r.status_code for r in replays] == [200, 200, 200]
    assert {r.json()["result"] for r in replays} == {"duplicate"}
    assert WebhookReceipt.objects.count() == 1
    assert len(heard) == 1


@pytest.mark.django_db(transaction=True)
def test_duplicates_delivered_at_once_are_processed_once() -> None:
    record = pay()
    body = sandbox_event(record)
    calls: list[str] = []

    def slow_listener(delivery: Delivery) -> None:
        calls.append(delivery.event.id)
        time.sleep(0.2)  # hold the receipt's row uncommitted while the others arrive

    on_payment_event(slow_listener)
    results: list[str] = []
    start = threading.Barrier(6)

    def deliver() -> None:
        start.wait()
        try:
            intake = receive_webhook(
                provider="sandbox", body=body, headers={SIGNATURE_HEADER: post_header_for(body)}
            )
            results.append(intake.result)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        remove_payment_listener(slow_listener)
    assert sorted(results) == ["duplicate"] * 5 + ["processed"]
    assert calls == [event_id(body)]
    assert WebhookReceipt.objects.count() == 1
    record.refresh_from_db()
    assert record.status == "succeeded"


def test_a_crash_while_processing_leaves_the_event_to_the_redelivery(
    heard: list[Delivery],
) -> None:
    record = pay()
    body = sandbox_event(record)
    crashes = [RuntimeError("the ledger was unreachable")]

    def flaky(delivery: Delivery) -> None:
        if crashes:
            raise crashes.pop()

    on_payment_event(flaky)
    try:
        with pytest.raises(RuntimeError):
            receive_webhook(
                provider="sandbox", body=body, headers={SIGNATURE_HEADER: post_header_for(body)}
            )
        nothing_recorded(record)  # the receipt rolled back with the listener's work
        redelivered = receive_webhook(
            provider="sandbox", body=body, headers={SIGNATURE_HEADER: post_header_for(body)}
        )
    finally:
        remove_payment_listener(flaky)
    assert redelivered.result == "processed"
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert WebhookReceipt.objects.get().processed_at is not None
    # The recording listener ran in the failed attempt too, but its effects rolled back with it.
    assert [d.event.id for d in heard] == [event_id(body)] * 2


# --- out of order ---------------------------------------------------------------------------------
def test_a_late_failure_after_success_changes_nothing(
    api: APIClient, heard: list[Delivery]
) -> None:
    record = pay()
    post_sandbox(api, sandbox_event(record, "payment.succeeded"))
    late = post_sandbox(api, sandbox_event(record, "payment.failed"))
    assert late.json()["result"] == "processed"  # a new event: recorded, and judged
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert [(d.event.type, d.previous_status, d.changed) for d in heard] == [
        ("payment.succeeded", "created", True),
        ("payment.failed", "succeeded", False),
    ]


def test_a_refund_that_overtook_the_success_is_counted_and_the_success_then_changes_nothing(
    api: APIClient, heard: list[Delivery]
) -> None:
    record = pay(amount=5_000)
    refund = sandbox_event(record, "refund.succeeded", provider_ref="re_1", amount=5_000)
    post_sandbox(api, refund)
    record.refresh_from_db()
    assert (record.status, record.refunded_amount) == ("refunded", 5_000)
    post_sandbox(api, sandbox_event(record, "payment.succeeded"))
    post_sandbox(api, sandbox_event(record, "payment.failed"))
    record.refresh_from_db()
    assert (record.status, record.refunded_amount) == ("refunded", 5_000)
    assert [d.changed for d in heard] == [True, False, False]


def test_one_refund_reported_by_two_events_counts_once(api: APIClient) -> None:
    record = pay(amount=5_000)
    post_sandbox(api, sandbox_event(record))
    created = sandbox_event(record, "refund.succeeded", provider_ref="re_1", amount=2_000)
    # Another event (another id) about the same refund, as Stripe's refund.created + .updated.
    updated = renamed(created, "sbx_evt_other")
    assert post_sandbox(api, created).json()["result"] == "processed"
    assert post_sandbox(api, updated).json()["result"] == "processed"
    record.refresh_from_db()
    assert (record.status, record.refunded_amount, record.refunds) == (
        "succeeded",
        2_000,
        {"re_1": 2_000},
    )


def test_amounts_that_are_not_the_payments_change_nothing(api: APIClient) -> None:
    record = pay(amount=5_000)
    # Signed and well-formed, but not what was asked (each its own event).
    post_sandbox(api, renamed(sandbox_event(record, amount=4_999), "sbx_evt_a"))
    post_sandbox(api, renamed(sandbox_event(record, "payment.failed", currency="EUR"), "sbx_evt_b"))
    record.refresh_from_db()
    assert record.status == "created"
    post_sandbox(api, sandbox_event(record))
    over = sandbox_event(record, "refund.succeeded", provider_ref="re_9", amount=5_001)
    post_sandbox(api, over)
    record.refresh_from_db()
    assert (record.status, record.refunded_amount) == ("succeeded", 0)
    assert WebhookReceipt.objects.count() == 4  # each recorded: a redelivery changes nothing


def test_an_event_about_a_payment_we_never_started_is_recorded_and_changes_nothing(
    api: APIClient, heard: list[Delivery]
) -> None:
    stranger = PaymentRecord(
        reference="elsewhere", provider_payment_id="sbx_pay_elsewhere", amount=100, currency="USD"
    )
    response = post_sandbox(api, sandbox_event(stranger))
    assert response.json()["result"] == "processed"
    assert not PaymentRecord.objects.exists()
    [delivery] = heard
    assert delivery.payment is None and not delivery.changed


def test_the_intake_refuses_in_the_domain_errors_the_api_maps() -> None:
    record = pay()
    body = sandbox_event(record)
    with pytest.raises(ApplicationError) as forged:
        receive_webhook(provider="sandbox", body=body, headers={"Sandbox-Signature": "t=1,v1=0"})
    assert forged.value.code == "invalid_signature"
    # Headers are matched whatever their case (a plain dict is not Django's HttpHeaders).
    secret = SandboxProvider.from_settings().secret
    header = {"sandbox-signature": hmac_header(secret, body)}
    assert receive_webhook(provider="sandbox", body=body, headers=header).result == "processed"
