"""Balances, the explained history of a person's ledger lines, and a client's receipts
(GET /api/v1/gigs/balances, /transactions, /receipts[/<id>])."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.gigs.ledger import posting
from apps.gigs.models import PaymentRecord, PaymentStatus
from tests.gigs.conftest import client_for
from tests.gigs.earning import MONEY, clear_all, earn
from tests.gigs.money import contract_with_milestones

pytestmark = pytest.mark.django_db


def balances(user: Any) -> list[dict[str, Any]]:
    response = client_for(user).get(f"{MONEY}/balances")
    assert response.status_code == 200
    return response.json()


def test_balances_after_a_release_and_after_clearing(client_user: Any, freelancer: Any) -> None:
    assert balances(freelancer) == []
    earn(client_user, freelancer, amount=30_000, fee=3_000)

    assert balances(freelancer) == [{"currency": "USD", "pending": 27_000, "available": 0}]
    assert clear_all() == 1
    assert balances(freelancer) == [{"currency": "USD", "pending": 0, "available": 27_000}]
    # The client paid; a client has no freelancer balances.
    assert balances(client_user) == []


def test_balances_need_a_signed_in_caller(client: Any) -> None:
    assert client.get(f"{MONEY}/balances").status_code == 401
    assert client.get(f"{MONEY}/transactions").status_code == 401
    assert client.get(f"{MONEY}/receipts").status_code == 401


def test_transactions_explain_each_line_newest_first(client_user: Any, freelancer: Any) -> None:
    earned = earn(client_user, freelancer, amount=30_000, fee=3_000)
    clear_all()

    body = client_for(freelancer).get(f"{MONEY}/transactions").json()
    assert body["count"] == 3
    rows = [(r["entry_kind"], r["account_kind"], r["amount"], r["fee"]) for r in body["results"]]
    # The clearing (newest) moved pending to available; the release credited pending less the
    # platform's fee and says which fee.
    assert rows[:2] == [
        ("clear", "freelancer_pending", -27_000, None),
        ("clear", "freelancer_available", 27_000, None),
    ] or rows[:2] == [
        ("clear", "freelancer_available", 27_000, None),
        ("clear", "freelancer_pending", -27_000, None),
    ]
    release = body["results"][2]
    assert (release["entry_kind"], release["account_kind"]) == ("release", "freelancer_pending")
    assert (release["amount"], release["fee"], release["currency"]) == (27_000, 3_000, "USD")
    assert release["contract_id"] == earned.contract.pk
    assert release["contract_title"] == earned.contract.title
    assert release["milestone_id"] == earned.first.pk
    assert release["milestone_title"] == earned.first.title
    assert release["entry_id"] == earned.released.pk

    # The client's side: their funding, explained the same way; nobody sees another's lines.
    client_rows = client_for(client_user).get(f"{MONEY}/transactions").json()["results"]
    assert [(r["entry_kind"], r["account_kind"], r["amount"]) for r in client_rows] == [
        ("fund", "client_funding", -30_000)
    ]
    assert client_rows[0]["fee"] is None


def test_transactions_are_paginated_with_a_constant_query_count(
    client_user: Any, freelancer: Any
) -> None:
    api = client_for(freelancer)
    earn(client_user, freelancer, amount=10_000, fee=1_000)

    def page(size: int) -> tuple[dict[str, Any], int]:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"{MONEY}/transactions", {"page_size": size})
        assert response.status_code == 200
        return response.json(), len(captured)

    page(50)  # the caller's first request warms the auth cache (ADR 0004)
    few, queries_few = page(50)
    assert few["count"] == 1
    for _ in range(6):
        earn(client_user, freelancer, amount=10_000, fee=1_000)
    clear_all()
    many, queries_many = page(50)
    assert many["count"] == 7 + 7 * 2  # seven releases, each cleared (two lines)
    assert queries_many == queries_few <= 2  # the page and its count, whatever the volume

    first = api.get(f"{MONEY}/transactions", {"page_size": 5}).json()
    second = api.get(f"{MONEY}/transactions", {"page_size": 5, "page": 2}).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 10
    assert first["next"] is not None
    assert api.get(f"{MONEY}/transactions", {"page": "x"}).status_code == 400


def test_receipts_list_the_clients_payments_and_refunds(
    client_user: Any, freelancer: Any, stranger: Any
) -> None:
    contract, _, second = contract_with_milestones(client_user, freelancer)
    record = PaymentRecord.objects.create(
        reference=f"fund:{second.pk}:1",
        provider="sandbox",
        provider_payment_id="sbx_pay_test",
        amount=20_000,
        currency="USD",
        status=PaymentStatus.SUCCEEDED,
        milestone=second,
    )
    funded = posting.fund(
        milestone=second,
        client_id=client_user.pk,
        amount=20_000,
        currency="USD",
        reference=record.reference,
    )
    refunded = posting.refund(milestone=second, client_id=client_user.pk, amount=5_000)

    api = client_for(client_user)
    body = api.get(f"{MONEY}/receipts").json()
    assert body["count"] == 2
    newest, oldest = body["results"]
    assert (newest["id"], newest["kind"], newest["amount"]) == (refunded.pk, "refund", 5_000)
    assert (oldest["id"], oldest["kind"], oldest["amount"]) == (funded.pk, "payment", 20_000)
    assert oldest == {
        "id": funded.pk,
        "kind": "payment",
        "amount": 20_000,
        "currency": "USD",
        "contract_id": contract.pk,
        "contract_title": contract.title,
        "milestone_id": second.pk,
        "milestone_title": second.title,
        "created_at": oldest["created_at"],
        "reference": record.reference,
        "provider": "sandbox",
        "provider_payment_id": "sbx_pay_test",
    }
    assert api.get(f"{MONEY}/receipts/{funded.pk}").json() == oldest

    # Someone else's receipt, or an entry that is not a receipt (the freelancer's release), is
    # 404 to everyone but the client.
    assert client_for(stranger).get(f"{MONEY}/receipts/{funded.pk}").status_code == 404
    assert client_for(freelancer).get(f"{MONEY}/receipts/{funded.pk}").status_code == 404
    assert client_for(stranger).get(f"{MONEY}/receipts").json()["count"] == 0
    released = posting.release(milestone=second, freelancer_id=freelancer.pk, amount=1_000, fee=0)
    assert api.get(f"{MONEY}/receipts/{released.pk}").status_code == 404
    assert api.get(f"{MONEY}/receipts/999999").status_code == 404
