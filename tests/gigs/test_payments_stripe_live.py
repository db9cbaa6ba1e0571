"""The Stripe adapter against Stripe itself, in test mode, when STRIPE_API_KEY is set to a test
key (sk_test_... or rk_test_...); skipped otherwise, like tests/platform/test_real_servers.py.
STRIPE_TEST_CONNECTED_ACCOUNT (acct_..., a test-mode connected account with the transfers
capability) adds a Connect payout. Webhooks cannot reach this machine: their mapping is tested
with signed fixtures in test_payments_stripe.py."""

from __future__ import annotations

import os
import secrets

import pytest
import stripe

from apps.gigs.payments.stripe import StripeProvider

KEY = os.environ.get("STRIPE_API_KEY", "")
ACCOUNT = os.environ.get("STRIPE_TEST_CONNECTED_ACCOUNT", "")

pytestmark = pytest.mark.skipif(
    not KEY.startswith(("sk_test_", "rk_test_")),
    reason="STRIPE_API_KEY not set to a test-mode key",
)


def test_a_payment_confirmed_with_a_test_card_is_refunded_for_real() -> None:
    adapter = StripeProvider(api_key=KEY, webhook_secret="", connect=bool(ACCOUNT))
    reference = f"gigsy-live-test:{secrets.token_hex(8)}"
    session = adapter.create_payment(
        amount=1_234, currency="USD", reference=reference, metadata={"test": "live"}
    )
    assert session.provider_payment_id.startswith("pi_")
    assert session.client_secret and session.status == "pending"
    again = adapter.create_payment(
        amount=1_234, currency="USD", reference=reference, metadata={"test": "live"}
    )
    assert again.provider_payment_id == session.provider_payment_id  # the idempotency key

    # What Stripe.js does in the browser, with Stripe's test card.
    client = stripe.StripeClient(KEY)
    confirmed = client.v1.payment_intents.confirm(
        session.provider_payment_id,
        params={"payment_method": "pm_card_visa", "return_url": "https://example.com/return"},
    )
    assert confirmed.status == "succeeded"
    assert confirmed.metadata["reference"] == reference

    refund = adapter.refund(
        provider_payment_id=session.provider_payment_id, amount=234, reference=f"{reference}:r"
    )
    assert refund.provider_refund_id.startswith("re_")
    assert refund.status in ("succeeded", "pending")


@pytest.mark.skipif(not ACCOUNT, reason="STRIPE_TEST_CONNECTED_ACCOUNT not set")
def test_a_payout_is_a_transfer_to_the_connected_account() -> None:
    adapter = StripeProvider(api_key=KEY, webhook_secret="", connect=True)
    result = adapter.payout(
        destination=ACCOUNT,
        amount=100,
        currency="USD",
        reference=f"gigsy-live-test:{secrets.token_hex(8)}:payout",
    )
    assert result.provider_payout_id.startswith("tr_") and result.status == "paid"
