"""Operators' payment screens: payment records and webhook receipts, read-only, found by our
reference, the provider's id or the event id."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.gigs.models import WebhookReceipt
from tests.gigs.paying import pay, post_sandbox, sandbox_event

pytestmark = pytest.mark.django_db

ADMIN = "/admin/gigs"


@pytest.fixture
def admin_client(operator: Any) -> Client:
    operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    return client


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_operators_find_payments_and_what_the_provider_said(
    admin_client: Client, api: APIClient
) -> None:
    paid, waiting = pay("fund:1:1", amount=5_000), pay("fund:2:1", amount=700)
    post_sandbox(api, sandbox_event(paid))
    receipt = WebhookReceipt.objects.get()

    assert _ids(admin_client.get(f"{ADMIN}/paymentrecord/")) == {paid.pk, waiting.pk}
    assert _ids(admin_client.get(f"{ADMIN}/paymentrecord/?status__exact=succeeded")) == {paid.pk}
    found = admin_client.get(f"{ADMIN}/paymentrecord/?q={waiting.provider_payment_id}")
    assert _ids(found) == {waiting.pk}
    assert _ids(admin_client.get(f"{ADMIN}/paymentrecord/?q=fund:1:1")) == {paid.pk}
    page = admin_client.get(f"{ADMIN}/paymentrecord/{paid.pk}/change/").content.decode()
    assert "5,000 USD (minor units)" in page

    assert _ids(admin_client.get(f"{ADMIN}/webhookreceipt/?q={receipt.event_id}")) == {receipt.pk}
    shown = admin_client.get(f"{ADMIN}/webhookreceipt/{receipt.pk}/change/").content.decode()
    assert "&quot;payment.succeeded&quot;" in shown and "fund:1:1" in shown


def test_payment_screens_change_nothing(admin_client: Client, api: APIClient) -> None:
    paid = pay()
    post_sandbox(api, sandbox_event(paid))
    receipt = WebhookReceipt.objects.get()
    for model, pk in (("paymentrecord", paid.pk), ("webhookreceipt", receipt.pk)):
        assert admin_client.get(f"{ADMIN}/{model}/add/").status_code == 403
        assert (
            admin_client.post(f"{ADMIN}/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
        )
        assert admin_client.post(f"{ADMIN}/{model}/{pk}/change/", {}).status_code == 403
    paid.refresh_from_db()
    assert paid.status == "succeeded" and WebhookReceipt.objects.count() == 1
