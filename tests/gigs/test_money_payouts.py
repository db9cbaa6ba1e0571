"""Payouts of available funds (POST/GET /api/v1/gigs/payouts, services/money.py): the sandbox
pays and confirms by its signed webhook, a failure gives the money back, the Idempotency-Key
makes a retry harmless, and operators' holds refuse requests; the operators' money screens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.gigs.ledger import balances, posting
from apps.gigs.models import (
    EntryKind,
    JournalEntry,
    MoneyAudit,
    Payout,
    PayoutProfile,
    PayoutStatus,
)
from apps.gigs.payments.sandbox import SandboxProvider, event_body
from apps.gigs.services import money
from gigsy import privacy
from tests.factories import UserFactory
from tests.gigs.conftest import client_for
from tests.gigs.earning import MONEY, clear_all, earn, key_headers
from tests.gigs.fake_stripe import FakeStripe
from tests.gigs.money import check_deferred_constraints, totals_per_currency
from tests.gigs.test_payments_stripe import event as stripe_event
from tests.gigs.test_payments_stripe import (  # noqa: F401  # fixtures
    fake,
    post_stripe,
    stripe_settings,
    transfer_object,
)
from tests.gigs.test_payments_stripe import provider as stripe_provider
from tests.gigs.work import data_of

pytestmark = pytest.mark.django_db

PAYOUTS = f"{MONEY}/payouts"


@pytest.fixture
def earned(client_user: Any, freelancer: Any) -> Any:
    """The freelancer has 27,000 USD available (30,000 released, 3,000 fee, cleared)."""
    done = earn(client_user, freelancer, amount=30_000, fee=3_000)
    assert clear_all() == 1
    return done


def available(user: Any) -> int:
    found = {b.currency: b.available for b in balances.balances_of(user.pk)}
    return found.get("USD", 0)


def request_payout(api: Any, amount: Any, key: str, currency: str = "USD", capture: Any = None):
    body = {"amount": amount, "currency": currency}
    if capture is None:
        return api.post(PAYOUTS, body, format="json", **key_headers(key))
    # The sandbox delivers its webhook when the request's transaction commits.
    with capture(execute=True):
        return api.post(PAYOUTS, body, format="json", **key_headers(key))


@pytest.mark.usefixtures("earned")
def test_a_payout_takes_available_funds_and_the_sandbox_confirms_it(
    freelancer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = client_for(freelancer)
    response = request_payout(api, 10_000, "payout-1", capture=django_capture_on_commit_callbacks)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["currency"], body["provider"]) == (10_000, "USD", "sandbox")
    payout = Payout.objects.get()
    # The webhook arrived after commit: paid, and said so on the bus.
    assert payout.status == PayoutStatus.PAID and payout.paid_at is not None
    assert payout.provider_payout_id.startswith("sbx_po_")
    assert payout.destination == f"sandbox:user:{freelancer.pk}"
    assert available(freelancer) == 17_000
    entry = JournalEntry.objects.get(kind=EntryKind.PAYOUT)
    assert (entry.reference, payout.entry_id) == (payout.reference, entry.pk)
    assert data_of("payout.paid") == [
        {
            "payout_id": str(payout.pk),
            "user_id": str(freelancer.pk),
            "amount": 10_000,
            "currency": "USD",
            "provider": "sandbox",
            "paid_at": data_of("payout.paid")[0]["paid_at"],
        }
    ]
    assert response["Location"].endswith(f"{PAYOUTS}/{payout.pk}")
    assert api.get(response["Location"]).json()["status"] == "paid"
    listed = api.get(PAYOUTS).json()
    assert listed["count"] == 1
    assert (listed["results"][0]["id"], listed["results"][0]["status"]) == (payout.pk, "paid")
    # In the history, the payout is a line on available funds.
    lines = api.get(f"{MONEY}/transactions").json()["results"]
    assert (lines[0]["entry_kind"], lines[0]["account_kind"], lines[0]["amount"]) == (
        "payout",
        "freelancer_available",
        -10_000,
    )
    assert totals_per_currency() == {"USD": 0}
    check_deferred_constraints()


@pytest.mark.usefixtures("earned")
def test_a_replayed_confirmation_changes_nothing(
    freelancer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request_payout(client_for(freelancer), 5_000, "k", capture=django_capture_on_commit_callbacks)
    payout = Payout.objects.get()
    sandbox = SandboxProvider.from_settings()
    paid = dict(
        provider_payment_id=None,
        provider_ref=payout.provider_payout_id,
        reference=payout.reference,
        amount=5_000,
        currency="USD",
    )
    assert sandbox.deliver(event_body("payout.paid", **paid)).result == "duplicate"
    # A late failure's event after the payout was paid would be a reversal of the transfer:
    # the money came back, so it is available again, once.
    assert sandbox.deliver(event_body("payout.failed", **paid)).result == "processed"
    assert sandbox.deliver(event_body("payout.failed", **paid)).result == "duplicate"
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.FAILED
    assert available(freelancer) == 27_000
    assert len(data_of("payout.paid")) == 1


@pytest.mark.usefixtures("earned")
def test_more_than_is_available_is_refused_and_moves_nothing(freelancer: Any) -> None:
    api = client_for(freelancer)
    response = request_payout(api, 27_001, "too-much")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_funds"
    assert (error["details"]["available"], error["details"]["requested"]) == (27_000, 27_001)
    assert not Payout.objects.exists()
    assert available(freelancer) == 27_000


@pytest.mark.usefixtures("earned")
@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (0, "USD", "invalid_amount"),
        (-5, "USD", "invalid_amount"),
        (100, "XXX", "unsupported_currency"),
        (100, "usd", "unsupported_currency"),
    ],
)
def test_bad_amounts_and_currencies_are_400(
    freelancer: Any, amount: int, currency: str, code: str
) -> None:
    response = request_payout(client_for(freelancer), amount, f"bad-{amount}-{currency}", currency)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Payout.objects.exists()


@pytest.mark.usefixtures("earned")
def test_a_currency_without_funds_is_insufficient(freelancer: Any) -> None:
    response = request_payout(client_for(freelancer), 100, "eur", "EUR")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_funds"


@pytest.mark.usefixtures("earned")
def test_a_retry_with_the_same_key_returns_the_same_payout(
    freelancer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = client_for(freelancer)
    first = request_payout(api, 4_000, "same", capture=django_capture_on_commit_callbacks)
    again = request_payout(api, 4_000, "same", capture=django_capture_on_commit_callbacks)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payout.objects.count() == 1
    assert available(freelancer) == 23_000

    other = request_payout(api, 5_000, "same")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Payout.objects.count() == 1

    missing = api.post(PAYOUTS, {"amount": 1, "currency": "USD"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_missing"


@pytest.mark.usefixtures("earned")
def test_a_failed_payout_gives_the_money_back(
    freelancer: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SANDBOX_FAIL_REFERENCES = ["payout:*"]
    api = client_for(freelancer)
    response = request_payout(api, 7_000, "fails", capture=django_capture_on_commit_callbacks)

    assert response.status_code == 201  # asked: the provider's answer comes by webhook
    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.FAILED and payout.failed_at is not None
    assert "payout.failed" in payout.failure_reason
    reversal = JournalEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.reverses_id == payout.entry_id
    assert available(freelancer) == 27_000
    assert data_of("payout.paid") == []
    assert api.get(PAYOUTS).json()["results"][0]["status"] == "failed"
    check_deferred_constraints()


@pytest.mark.usefixtures("earned")
def test_held_payouts_are_refused_until_the_hold_is_lifted(
    freelancer: Any, operator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    money.hold_payouts(operator=operator, user_id=freelancer.pk, reason="Chargeback review.")
    api = client_for(freelancer)
    held = request_payout(api, 1_000, "held")
    assert held.status_code == 409
    assert held.json()["error"]["code"] == "payouts_held"
    assert not Payout.objects.exists()
    assert available(freelancer) == 27_000

    money.lift_payout_hold(operator=operator, user_id=freelancer.pk, reason="Reviewed.")
    done = request_payout(api, 1_000, "after", capture=django_capture_on_commit_callbacks)
    assert done.status_code == 201
    audit = list(MoneyAudit.objects.order_by("id").values_list("action", "reason", "details"))
    assert audit == [
        ("payout_hold", "Chargeback review.", {"user_id": freelancer.pk}),
        ("payout_hold_lifted", "Reviewed.", {"user_id": freelancer.pk}),
    ]


def test_only_a_verified_learner_is_paid_out(client_user: Any, db: Any) -> None:
    assert request_payout(client_for(client_user), 100, "c").json()["error"]["code"] == (
        "role_required"
    )
    unverified = UserFactory(email="u@example.com", roles=["learner"], email_verified_at=None)
    refused = request_payout(client_for(unverified), 100, "u")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "email_not_verified")


@pytest.mark.usefixtures("earned")
def test_stripe_without_a_connected_account_is_refused(freelancer: Any, settings: Any) -> None:
    settings.PAYMENTS_PROVIDER = "stripe"
    response = request_payout(client_for(freelancer), 1_000, "stripe")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payout_destination_missing"
    assert not Payout.objects.exists()


@pytest.mark.usefixtures("earned")
def test_a_provider_refusal_moves_nothing(freelancer: Any, settings: Any) -> None:
    # Stripe without Connect takes no payouts: the provider refuses before any network call.
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_CONNECT = False
    settings.STRIPE_API_KEY = "sk_test_x"
    PayoutProfile.objects.create(user_id=freelancer.pk, stripe_account_id="acct_123")
    response = request_payout(client_for(freelancer), 1_000, "no-connect")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "payout_refused"
    assert error["details"] == {"provider_code": "payouts_unavailable", "retryable": False}
    assert not Payout.objects.exists()
    assert not JournalEntry.objects.filter(kind=EntryKind.PAYOUT).exists()
    assert available(freelancer) == 27_000


# --- operators' screens ---------------------------------------------------------------------------
ADMIN = "/admin/gigs"


@pytest.fixture
def admin_client(operator: Any) -> Client:
    operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    return client


@pytest.mark.usefixtures("earned")
def test_operators_hold_payouts_from_the_admin_once_per_form(
    admin_client: Client, freelancer: Any, operator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request_payout(client_for(freelancer), 1_000, "p", capture=django_capture_on_commit_callbacks)
    payout = Payout.objects.get()
    action = {"action": "hold_payouts", "_selected_action": [payout.pk]}
    page = admin_client.post(f"{ADMIN}/payout/", action)
    assert page.status_code == 200
    key = page.context["form"]["idempotency_key"].value()
    assert f"user #{freelancer.pk}" in page.content.decode()

    submit = {**action, "apply": "1", "reason": "Suspicious activity.", "idempotency_key": key}
    assert admin_client.post(f"{ADMIN}/payout/", submit).status_code == 302
    assert admin_client.post(f"{ADMIN}/payout/", submit).status_code == 302  # a double submit
    assert PayoutProfile.objects.get(user_id=freelancer.pk).held
    assert MoneyAudit.objects.filter(action="payout_hold").count() == 1
    assert request_payout(client_for(freelancer), 1_000, "q").json()["error"]["code"] == (
        "payouts_held"
    )

    # Lifted from the profile screen, with its own form key.
    profile_action = {"action": "lift_holds", "_selected_action": [freelancer.pk]}
    page = admin_client.post(f"{ADMIN}/payoutprofile/", profile_action)
    key = page.context["form"]["idempotency_key"].value()
    lift = {**profile_action, "apply": "1", "reason": "Cleared.", "idempotency_key": key}
    assert admin_client.post(f"{ADMIN}/payoutprofile/", lift).status_code == 302
    assert not PayoutProfile.objects.get(user_id=freelancer.pk).held


def test_the_ledger_screens_are_read_only(
    admin_client: Client, client_user: Any, freelancer: Any, operator: Any
) -> None:
    done = earn(client_user, freelancer, amount=30_000, fee=3_000)
    money.hold_payouts(operator=operator, user_id=freelancer.pk, reason="Look.")

    entry_page = admin_client.get(f"{ADMIN}/journalentry/{done.released.pk}/change/")
    assert entry_page.status_code == 200
    text = entry_page.content.decode()
    assert "27000" in text.replace(",", "") and "3000" in text.replace(",", "")
    accounts = admin_client.get(f"{ADMIN}/ledgeraccount/?kind__exact=freelancer_pending")
    assert "27,000 USD (minor units)" in accounts.content.decode()
    assert admin_client.get(f"{ADMIN}/moneyaudit/").status_code == 200
    audit_page = admin_client.get(f"{ADMIN}/moneyaudit/{MoneyAudit.objects.get().pk}/change/")
    assert f"Opal (#{operator.pk})" in audit_page.content.decode()  # the name from accounts
    for model, pk in (
        ("journalentry", done.released.pk),
        ("moneyaudit", MoneyAudit.objects.get().pk),
    ):
        assert admin_client.post(f"{ADMIN}/{model}/{pk}/delete/").status_code == 403
        assert admin_client.get(f"{ADMIN}/{model}/add/").status_code == 403
    assert posting.JournalEntry.objects.filter(pk=done.released.pk).exists()


# --- Stripe: a Connect transfer against the local fake API ------------------------------------
@pytest.mark.usefixtures("earned", "stripe_settings")
def test_a_stripe_payout_is_a_connect_transfer_confirmed_by_its_webhook(
    freelancer: Any,
    fake: FakeStripe,  # noqa: F811  # the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real adapter, pointed at the local stand-in for api.stripe.com (no network here).
    monkeypatch.setattr(money, "get_provider", lambda: stripe_provider(fake, connect=True))
    PayoutProfile.objects.create(user_id=freelancer.pk, stripe_account_id="acct_1Freelancer")

    response = request_payout(client_for(freelancer), 9_000, "stripe-payout")
    assert response.status_code == 201, response.json()
    payout = Payout.objects.get()
    assert (payout.provider, payout.destination, payout.status) == (
        "stripe",
        "acct_1Freelancer",
        PayoutStatus.REQUESTED,
    )
    sent = fake.requests[-1]
    assert (sent.path, sent.headers["idempotency-key"]) == ("/v1/transfers", payout.reference)
    assert sent.params["destination"] == "acct_1Freelancer"
    assert (sent.params["amount"], sent.params["currency"]) == ("9000", "usd")
    assert payout.provider_payout_id.startswith("tr_")
    assert available(freelancer) == 18_000

    # Stripe's transfer.created, signed as Stripe signs it, confirms the payout.
    post_stripe(APIClient(), stripe_event("transfer.created", transfer_object(payout.reference)))
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID
    assert [d["payout_id"] for d in data_of("payout.paid")] == [str(payout.pk)]
    # transfer.reversed later: the money came back to the platform, so it is available again.
    reversed_ = transfer_object(payout.reference, reversed_=True)
    post_stripe(APIClient(), stripe_event("transfer.reversed", reversed_))
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.FAILED
    assert available(freelancer) == 27_000


def test_operators_record_a_connected_account_with_an_audited_reason(
    admin_client: Client, freelancer: Any
) -> None:
    add = f"{ADMIN}/payoutprofile/add/"
    refused = admin_client.post(add, {"user": freelancer.pk, "stripe_account_id": "acct_1X"})
    assert refused.status_code == 200  # the reason is required
    assert not PayoutProfile.objects.exists()
    bad = {"user": freelancer.pk, "stripe_account_id": "bank 123", "reason": "Ticket 7."}
    assert admin_client.post(add, bad).status_code == 200
    assert not PayoutProfile.objects.exists()

    good = {"user": freelancer.pk, "stripe_account_id": "acct_1X", "reason": "Ticket 7."}
    assert admin_client.post(add, good).status_code == 302
    assert PayoutProfile.objects.get(user_id=freelancer.pk).stripe_account_id == "acct_1X"
    change = f"{ADMIN}/payoutprofile/{freelancer.pk}/change/"
    moved = {"stripe_account_id": "acct_2Y", "reason": "Ticket 9: new account."}
    assert admin_client.post(change, moved).status_code == 302
    assert list(MoneyAudit.objects.order_by("id").values_list("action", "reason", "details")) == [
        (
            "payout_destination_set",
            "Ticket 7.",
            {"user_id": freelancer.pk, "from": "", "to": "acct_1X"},
        ),
        (
            "payout_destination_set",
            "Ticket 9: new account.",
            {"user_id": freelancer.pk, "from": "acct_1X", "to": "acct_2Y"},
        ),
    ]


@pytest.mark.usefixtures("earned")
def test_the_account_export_holds_the_money_movements_and_payouts(
    freelancer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request_payout(
        client_for(freelancer), 2_500, "exported", capture=django_capture_on_commit_callbacks
    )
    [exporter] = [e for e in privacy.exporters() if e.context == "gigs"]
    data = exporter.export(freelancer.pk)
    json.dumps(data)  # JSON-ready as it is

    payout = Payout.objects.get()
    assert data["payouts"] == [
        {
            "payout id": payout.pk,
            "amount": 2_500,
            "currency": "USD",
            "status": "paid",
            "provider": "sandbox",
            "requested at": payout.created_at.isoformat(),
            "paid at": payout.paid_at.isoformat() if payout.paid_at else None,
            "failed at": None,
        }
    ]
    moves = [
        (m["movement"], m["balance"], m["amount"], m["platform fee"])
        for m in data["money movements"]
    ]
    assert moves[0] == ("payout", "freelancer_available", -2_500, None)
    assert ("release", "freelancer_pending", 27_000, 3_000) in moves
