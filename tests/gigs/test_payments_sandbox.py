"""The sandbox provider end to end: a payment started, confirmed by its payer through the
confirmation endpoint, which delivers a signed webhook to the same intake a real provider uses;
failures on demand; refunds and payouts with their webhooks; production's refusal of the
development secret."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from rest_framework.test import APIClient

from apps.gigs.apps import check_payment_settings
from apps.gigs.models import PaymentRecord, WebhookReceipt
from apps.gigs.payments.intake import Delivery
from apps.gigs.payments.provider import ProviderError, get_provider
from apps.gigs.payments.records import begin_payment
from apps.gigs.payments.sandbox import SandboxProvider, payment_id_for
from tests.gigs.paying import listening, pay  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def confirm(api: APIClient, record: PaymentRecord, outcome: str | None = None) -> Any:
    body = {} if outcome is None else {"outcome": outcome}
    return api.post(
        f"/api/v1/gigs/payments/sandbox/{record.provider_payment_id}/confirm", body, format="json"
    )


# --- create and confirm ---------------------------------------------------------------------------
def test_a_payment_waits_for_its_payer_and_succeeds_once_confirmed(
    api: APIClient, heard: list[Delivery]
) -> None:
    record, session = begin_payment(
        amount=12_500, currency="EUR", reference="fund:7:1", metadata={"milestone": "7"}
    )
    assert (record.status, record.amount, record.currency, record.provider) == (
        "created",
        12_500,
        "EUR",
        "sandbox",
    )
    # Deterministic: the id is derived from the reference, the same reference is the same payment.
    assert session.provider_payment_id == record.provider_payment_id == payment_id_for("fund:7:1")
    assert session.client_secret is None and session.status == "pending"
    assert session.confirm_url == (
        f"http://127.0.0.1:8000/api/v1/gigs/payments/sandbox/{record.provider_payment_id}/confirm"
    )
    again, same = begin_payment(
        amount=12_500, currency="EUR", reference="fund:7:1", metadata={"milestone": "7"}
    )
    assert again.pk == record.pk and same == session
    assert PaymentRecord.objects.count() == 1
    assert heard == []  # nothing happened to the payment yet

    assert session.confirm_url is not None
    response = api.post(urlsplit(session.confirm_url).path, {}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "payment_id": record.provider_payment_id,
        "reference": "fund:7:1",
        "payment_status": "succeeded",
        "event_id": body["event_id"],
        "result": "processed",
    }
    record.refresh_from_db()
    assert record.status == "succeeded"
    receipt = WebhookReceipt.objects.get()
    assert (receipt.provider, receipt.event_id, receipt.type) == (
        "sandbox",
        body["event_id"],
        "payment.succeeded",
    )
    assert receipt.processed_at is not None and receipt.processed_at >= receipt.received_at
    assert receipt.payload["data"]["amount"] == 12_500
    [delivery] = heard
    assert delivery.event.type == "payment.succeeded" and delivery.event.reference == "fund:7:1"
    assert delivery.payment is not None and delivery.payment.pk == record.pk
    assert (delivery.previous_status, delivery.changed) == ("created", True)


def test_confirming_twice_is_one_event_processed_once(
    api: APIClient, heard: list[Delivery]
) -> None:
    record = pay()
    first, second = confirm(api, record), confirm(api, record)
    assert first.json()["result"] == "processed"
    assert second.status_code == 200
    assert second.json() | {"result": "?"} == first.json() | {"result": "?"}
    assert second.json()["result"] == "duplicate"
    assert WebhookReceipt.objects.count() == 1
    assert len(heard) == 1


def test_outcome_fail_fails_the_payment_and_a_retry_by_the_payer_still_succeeds(
    api: APIClient, heard: list[Delivery]
) -> None:
    record = pay()
    failed = confirm(api, record, "fail")
    assert failed.status_code == 200
    assert failed.json()["payment_status"] == "failed"

    succeeded = confirm(api, record, "succeed")  # a payer may try another card
    assert succeeded.json()["payment_status"] == "succeeded"

    late = confirm(api, record, "fail")  # the same failure again: a replay
    assert late.json()["result"] == "duplicate"
    assert late.json()["payment_status"] == "succeeded"
    assert [(d.event.type, d.previous_status, d.changed) for d in heard] == [
        ("payment.failed", "created", True),
        ("payment.succeeded", "failed", True),
    ]


def test_fail_references_make_payments_refunds_and_payouts_fail(
    api: APIClient, settings: Any, django_capture_on_commit_callbacks: Any, heard: list[Delivery]
) -> None:
    settings.SANDBOX_FAIL_REFERENCES = ["fund:13:*", "refund:13:*", "payout:9:*"]
    doomed = pay("fund:13:1")
    assert confirm(api, doomed, "succeed").json()["payment_status"] == "failed"

    paid = pay("fund:14:1")
    assert confirm(api, paid).json()["payment_status"] == "succeeded"
    provider = get_provider()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refund = provider.refund(
            provider_payment_id=paid.provider_payment_id, amount=1_000, reference="refund:13:1"
        )
        payout = provider.payout(
            destination="freelancer:9", amount=800, currency="USD", reference="payout:9:1"
        )
    assert refund.status == "failed"
    assert payout.status == "failed" and payout.provider_payout_id.startswith("sbx_po_")
    assert len(callbacks) == 1  # a failed refund sends no webhook; a failed payout does
    assert [d.event.type for d in heard][-1] == "payout.failed"
    paid.refresh_from_db()
    assert paid.refunded_amount == 0 and paid.status == "succeeded"


def test_confirmation_is_404_unless_the_sandbox_is_the_provider(
    api: APIClient, settings: Any
) -> None:
    record = pay()
    settings.PAYMENTS_PROVIDER = "stripe"
    response = confirm(api, record)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    settings.PAYMENTS_PROVIDER = "sandbox"
    record.refresh_from_db()
    assert record.status == "created" and not WebhookReceipt.objects.exists()


def test_confirmation_refuses_unknown_payments_and_outcomes(api: APIClient) -> None:
    unknown = api.post("/api/v1/gigs/payments/sandbox/sbx_pay_nothing/confirm", {}, format="json")
    assert unknown.status_code == 404
    record = pay()
    wrong = confirm(api, record, "maybe")
    assert wrong.status_code == 400
    assert "outcome" in wrong.json()["error"]["fields"]
    extra = api.post(
        f"/api/v1/gigs/payments/sandbox/{record.provider_payment_id}/confirm",
        {"outcome": "succeed", "amount": 1},
        format="json",
    )
    assert extra.status_code == 400 and "amount" in extra.json()["error"]["fields"]
    record.refresh_from_db()
    assert record.status == "created"


# --- refunds and payouts --------------------------------------------------------------------------
def test_a_refund_is_counted_when_its_webhook_arrives_after_commit(
    api: APIClient, django_capture_on_commit_callbacks: Any, heard: list[Delivery]
) -> None:
    record = pay(amount=5_000)
    confirm(api, record)
    provider = get_provider()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        result = provider.refund(
            provider_payment_id=record.provider_payment_id, amount=2_000, reference="refund:1"
        )
        assert result.status == "succeeded"
        record.refresh_from_db()
        assert record.refunded_amount == 0  # the webhook waits for the commit
    record.refresh_from_db()
    assert (record.status, record.refunded_amount) == ("succeeded", 2_000)
    assert record.refunds == {result.provider_refund_id: 2_000}

    with django_capture_on_commit_callbacks(execute=True):
        provider.refund(
            provider_payment_id=record.provider_payment_id, amount=3_000, reference="refund:2"
        )
    record.refresh_from_db()
    assert (record.status, record.refunded_amount) == ("refunded", 5_000)
    refunds = [d for d in heard if d.event.type == "refund.succeeded"]
    assert [(d.event.reference, d.event.amount) for d in refunds] == [
        ("refund:1", 2_000),
        ("refund:2", 3_000),
    ]
    assert [d.previous_status for d in refunds] == ["succeeded", "succeeded"]


def test_the_sandbox_refuses_refunds_a_provider_would_refuse(api: APIClient) -> None:
    record = pay(amount=5_000)
    provider = get_provider()
    with pytest.raises(ProviderError) as unpaid:
        provider.refund(
            provider_payment_id=record.provider_payment_id, amount=1_000, reference="r:1"
        )
    assert unpaid.value.code == "not_paid"
    confirm(api, record)
    with pytest.raises(ProviderError) as too_much:
        provider.refund(
            provider_payment_id=record.provider_payment_id, amount=5_001, reference="r:2"
        )
    assert too_much.value.code == "amount_too_large"
    with pytest.raises(ProviderError) as unknown:
        provider.refund(provider_payment_id="sbx_pay_nope", amount=1, reference="r:3")
    assert unknown.value.code == "no_payment"
    with pytest.raises(ValueError, match="amount"):
        provider.refund(provider_payment_id=record.provider_payment_id, amount=0, reference="r:4")


def test_a_payout_is_paid_and_its_webhook_reaches_the_listeners(
    django_capture_on_commit_callbacks: Any, heard: list[Delivery]
) -> None:
    provider = get_provider()
    with django_capture_on_commit_callbacks(execute=True):
        result = provider.payout(
            destination="freelancer:4", amount=4_200, currency="KES", reference="payout:4:1"
        )
    assert result.status == "paid"
    again = provider.payout(
        destination="freelancer:4", amount=4_200, currency="KES", reference="payout:4:1"
    )
    assert again.provider_payout_id == result.provider_payout_id  # deterministic
    [delivery] = heard
    assert delivery.event.type == "payout.paid"
    assert (delivery.event.reference, delivery.event.amount, delivery.event.currency) == (
        "payout:4:1",
        4_200,
        "KES",
    )
    assert delivery.event.provider_ref == result.provider_payout_id
    assert delivery.payment is None and delivery.changed is False
    with pytest.raises(ProviderError):
        provider.payout(destination="", amount=1, currency="KES", reference="payout:4:2")
    with pytest.raises(ValueError, match="currency"):
        provider.payout(destination="f", amount=100, currency="kes", reference="payout:4:3")


# --- starting payments ----------------------------------------------------------------------------
def test_a_reference_names_one_payment() -> None:
    pay("fund:2:1", amount=1_000)
    for other_terms in ({"amount": 1_001, "currency": "USD"}, {"amount": 1_000, "currency": "EUR"}):
        with pytest.raises(ProviderError) as refused:
            begin_payment(reference="fund:2:1", **other_terms)
        assert refused.value.code == "reference_reused"
    for amount, currency in ((0, "USD"), (-5, "USD"), (True, "USD"), (10, "usd"), (10, "US")):
        with pytest.raises(ValueError, match=r"amount|currency"):
            begin_payment(amount=amount, currency=currency, reference=f"fund:x:{amount}")
    assert PaymentRecord.objects.count() == 1


def test_a_sandbox_payment_ties_to_its_milestone_when_given(
    contract_with_milestone: Any,
) -> None:
    milestone = contract_with_milestone
    record, _ = begin_payment(
        amount=milestone.amount, currency="USD", reference="fund:m", milestone_id=milestone.pk
    )
    assert record.milestone_id == milestone.pk
    assert list(milestone.payments.all()) == [record]


@pytest.fixture
def contract_with_milestone(db: Any) -> Any:
    from tests.gigs.work import hired_pair, milestones

    contract, _, _ = hired_pair(client_email="c@example.com", freelancer_email="f@example.com")
    return milestones(contract)[1]  # the first is funded already (through its own payment)


# --- production settings --------------------------------------------------------------------------
def test_production_refuses_the_development_sandbox_secret(settings: Any) -> None:
    settings.DJANGO_ENV = "prod"
    settings.PAYMENTS_PROVIDER = "sandbox"
    for weak in (SandboxProvider.from_settings().secret, "short", "x" * 40 + "change-me"):
        settings.SANDBOX_WEBHOOK_SECRET = weak
        with pytest.raises(ImproperlyConfigured, match="SANDBOX_WEBHOOK_SECRET"):
            check_payment_settings()
    settings.SANDBOX_WEBHOOK_SECRET = "mM3cY9-qLr0vT2wXz5bN8dFgH1jK4pS7uA6eC0iO"
    check_payment_settings()  # a random secret: accepted (and logged as sandbox money)


def test_production_with_stripe_needs_both_keys(settings: Any) -> None:
    settings.DJANGO_ENV = "prod"
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_API_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_live_x", ""
    with pytest.raises(ImproperlyConfigured, match="STRIPE_WEBHOOK_SECRET"):
        check_payment_settings()
    settings.STRIPE_API_KEY, settings.STRIPE_WEBHOOK_SECRET = "", "whsec_abc"
    with pytest.raises(ImproperlyConfigured, match="STRIPE_API_KEY"):
        check_payment_settings()
    settings.STRIPE_API_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_live_change-me", "whsec_abc"
    with pytest.raises(ImproperlyConfigured, match="placeholders"):
        check_payment_settings()  # .env.example's, copied without a thought
    settings.STRIPE_API_KEY = "sk_live_x"
    check_payment_settings()


def test_an_unknown_provider_is_refused_everywhere(settings: Any) -> None:
    settings.PAYMENTS_PROVIDER = "paypal"
    with pytest.raises(ImproperlyConfigured, match="PAYMENTS_PROVIDER"):
        check_payment_settings()
    with pytest.raises(ValueError, match="paypal"):
        get_provider()


def test_a_production_process_refuses_to_start_with_the_development_secret() -> None:
    from tests.platform.test_settings import PROD_EMAIL_URL, ed25519_pem, manage

    prod = {
        "DJANGO_ENV": "prod",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "CERTIFICATE_SIGNING_KEY": ed25519_pem(),
        "EMAIL_URL": PROD_EMAIL_URL,
        "PAYMENTS_PROVIDER": "sandbox",
    }
    refused = manage("check", **prod, SANDBOX_WEBHOOK_SECRET="")
    assert refused.returncode != 0
    assert "SANDBOX_WEBHOOK_SECRET" in refused.stderr
    started = manage("check", **prod, SANDBOX_WEBHOOK_SECRET="Wq1-" * 10)
    assert started.returncode == 0, started.stderr
    assert "payments_sandbox" in started.stdout + started.stderr
