"""Funding a milestone with Stripe as the provider, against the local fake Stripe API (the real
`stripe` client, Stripe's documented objects and errors) and Stripe-signed webhooks: the answer
carries the PaymentIntent's client secret, the signed `payment_intent.succeeded` funds the
milestone, and a provider that fails is a 503 that charges nothing and forgets the key."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.gigs.ledger import posting
from apps.gigs.ledger.balances import balance
from apps.gigs.models import PaymentRecord
from apps.gigs.payments import records
from apps.gigs.services import escrow
from tests.gigs.fake_stripe import FakeStripe
from tests.gigs.test_payments_stripe import (  # noqa: F401  # fixtures
    event,
    fake,
    intent,
    post_stripe,
    stripe_settings,
)
from tests.gigs.test_payments_stripe import provider as stripe_provider
from tests.gigs.work import data_of, hire, milestones, parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(client_user: Any, freelancer: Any, stripe_settings: Any, fake: FakeStripe, monkeypatch):  # noqa: F811
    # The adapter is built from settings without an API base: point it at the fake server.
    monkeypatch.setattr(records, "get_provider", lambda: stripe_provider(fake))
    monkeypatch.setattr(escrow, "get_provider", lambda name=None: stripe_provider(fake))
    return parties(hire(client_user, freelancer), client_user, freelancer)


def test_stripe_funding_answers_the_client_secret_and_its_signed_success_funds(p, fake):  # noqa: F811
    design = milestones(p.contract)[0]

    asked = p.step("client", design, "fund")

    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["provider"] == "stripe"
    assert body["client_secret"].startswith("pi_")
    assert body["confirm_url"] is None
    sent = fake.requests[-1]
    assert sent.path == "/v1/payment_intents"
    assert sent.params["metadata[milestone_id]"] == str(design.pk)
    # Our reference is Stripe's idempotency key.
    assert sent.headers.get("idempotency-key") == f"fund:{design.pk}:1"

    record = PaymentRecord.objects.get(milestone=design)
    webhook = post_stripe(
        APIClient(), event("payment_intent.succeeded", intent(record, "succeeded"))
    )
    assert webhook.status_code == 200, webhook.content

    design.refresh_from_db()
    assert (design.status, design.money_status) == ("active", "funded")
    assert balance(posting.escrow(design.pk, "USD")) == 30_000
    assert [d["payment_reference"] for d in data_of("milestone.funded")] == [f"fund:{design.pk}:1"]


def test_a_failing_provider_is_503_charges_nothing_and_the_same_key_works_later(p, fake):  # noqa: F811
    design = milestones(p.contract)[0]
    fake.fail_next(500, {"type": "api_error", "message": "Something went wrong on Stripe's end."})

    refused = p.step("client", design, "fund", key="fund-design")

    assert refused.status_code == 503, refused.content
    assert refused.json()["error"]["code"] == "payment_provider_unavailable"
    design.refresh_from_db()
    assert (design.money_status, design.payment_reference) == ("unfunded", "")
    assert not PaymentRecord.objects.exists()

    retried = p.step("client", design, "fund", key="fund-design")  # the key was forgotten
    assert retried.status_code == 201, retried.content
    assert retried.json()["payment_reference"] == f"fund:{design.pk}:1"
    assert PaymentRecord.objects.filter(milestone=design).count() == 1


def test_an_attempt_stripe_forgot_is_abandoned_for_a_new_one(p, fake):  # noqa: F811
    design = milestones(p.contract)[0]
    first = p.step("client", design, "fund")
    assert first.status_code == 201, first.content
    fake._idempotent.clear()  # Stripe keeps idempotency keys for 24 hours

    again = p.step("client", design, "fund")  # the client comes back a day later

    assert again.status_code == 201, again.content
    assert again.json()["payment_reference"] == f"fund:{design.pk}:2"
    assert again.json()["client_secret"] != first.json()["client_secret"]
    design.refresh_from_db()
    assert (design.money_status, design.payment_reference) == ("funding", f"fund:{design.pk}:2")
    # The first attempt, completed after all, is refunded, never counted.
    old = PaymentRecord.objects.get(reference=f"fund:{design.pk}:1")
    post_stripe(APIClient(), event("payment_intent.succeeded", intent(old, "succeeded")))
    design.refresh_from_db()
    assert design.money_status == "funding"
    assert balance(posting.escrow(design.pk, "USD")) == 0
    assert balance(posting.client_refunds(p.contract.client_id, "USD")) == 30_000
