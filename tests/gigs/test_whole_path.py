"""The marketplace's whole path through the HTTP API (issue 12's "Done when"): a client posts a
gig and publishes it, a freelancer applies, the client shortlists and accepts (a contract with
two milestones starts), then per milestone: the client funds it (the sandbox confirms the payment
through its signed webhook), the freelancer submits, the
client requests changes on the first, the freelancer submits again, the client approves; the
contract completes with the last approval, both review, and the reviews are published together
with the ratings they make. Every response is checked against the schema by the contract hook;
the events each step publishes are read back from the outbox."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gigsy.events.models import OutboxEvent
from tests.gigs.conftest import client_for

pytestmark = pytest.mark.django_db
GIGS = "/api/v1/gigs"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json() if response.content else None


def event_types() -> list[str]:
    return list(OutboxEvent.objects.order_by("id").values_list("event_type", flat=True))


def event(event_type: str) -> list[dict[str, Any]]:
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [json.loads(bytes(row.payload))["data"] for row in rows]


def test_post_apply_hire_work_complete_review(
    client_user: Any, freelancer: Any, stranger: Any
) -> None:
    cora, finn = client_for(client_user), client_for(freelancer)
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()

    # The client posts a draft, then publishes it: only then is it on the marketplace.
    draft = ok(
        cora.post(
            GIGS,
            {
                "title": "Build a booking page",
                "description": "A page where **customers** book a table.",
                "skills": ["django", "htmx"],
                "budget_amount": 60_000,
                "currency": "USD",
                "deadline": deadline,
            },
            format="json",
        ),
        201,
    )
    gig_id = draft["id"]
    assert draft["status"] == "draft"
    assert client_for(stranger).get(f"{GIGS}/{gig_id}").status_code == 404
    assert ok(cora.post(f"{GIGS}/{gig_id}/publish"))["status"] == "open"
    assert ok(client_for(stranger).get(f"{GIGS}/{gig_id}"))["title"] == "Build a booking page"
    assert gig_id in [
        g["id"] for g in ok(client_for(stranger).get(f"{GIGS}?skills=django"))["results"]
    ]

    # The freelancer applies; the client sees the application, shortlists and accepts it.
    application = ok(
        finn.post(
            f"{GIGS}/{gig_id}/applications",
            {"cover_letter": "I built three of these.", "bid_amount": 55_000},
            format="json",
        ),
        201,
    )
    assert application["status"] == "submitted"
    listed = ok(cora.get(f"{GIGS}/{gig_id}/applications"))["results"]
    assert [a["id"] for a in listed] == [application["id"]]
    assert ok(cora.post(f"{GIGS}/applications/{application['id']}/shortlist"))["status"] == (
        "shortlisted"
    )
    accepted = cora.post(
        f"{GIGS}/applications/{application['id']}/accept",
        {
            "milestones": [
                {"title": "Design", "amount": 25_000},
                {"title": "Build", "amount": 30_000},
            ]
        },
        format="json",
    )
    assert accepted.status_code in (200, 201), accepted.content
    mine = ok(finn.get(f"{GIGS}/applications/{application['id']}"))
    assert mine["status"] == "accepted"
    assert ok(cora.get(f"{GIGS}/{gig_id}"))["status"] == "in_progress"

    [listed_contract] = ok(finn.get(f"{GIGS}/contracts"))["results"]
    contract_id = listed_contract["id"]
    contract = ok(cora.get(f"{GIGS}/contracts/{contract_id}"))
    assert contract["status"] == "active"
    design, build = contract["milestones"]
    assert (design["title"], design["amount"], design["status"]) == ("Design", 25_000, "pending")
    assert client_for(stranger).get(f"{GIGS}/contracts/{contract_id}").status_code == 404

    def step(api: Any, milestone: dict[str, Any], action: str, body: Any = None) -> Any:
        url = f"{GIGS}/contracts/{contract_id}/milestones/{milestone['id']}/{action}"
        # A key per action: funding, approving (it releases) and agreeing to cancel move money.
        return ok(api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid4())))

    def fund(milestone: dict[str, Any]) -> Any:
        """The client funds; the payer's bank (the sandbox) confirms; the work is active."""
        url = f"{GIGS}/contracts/{contract_id}/milestones/{milestone['id']}"
        funding = ok(cora.post(f"{url}/fund", HTTP_IDEMPOTENCY_KEY=str(uuid4())), 201)
        assert (funding["money_status"], funding["amount"]) == ("funding", milestone["amount"])
        ok(APIClient().post(urlsplit(funding["confirm_url"]).path, {}, format="json"))
        return ok(cora.get(url))

    # The first milestone: fund, submit, changes requested, submit again, approve.
    funded = fund(design)
    assert (funded["status"], funded["money_status"]) == ("active", "funded")
    assert step(finn, design, "submit", {"note": "Mock-ups attached."})["status"] == "submitted"
    changes = step(cora, design, "request-changes", {"note": "Bigger buttons, please."})
    assert changes["status"] == "changes_requested"
    assert step(finn, design, "submit", {"note": "Buttons enlarged."})["status"] == "submitted"
    assert step(cora, design, "approve")["status"] == "approved"
    history = ok(finn.get(f"{GIGS}/contracts/{contract_id}/milestones/{design['id']}/history"))
    steps = history["results"] if isinstance(history, dict) else history
    assert [s["action"] for s in steps] == [
        "agreed",  # the milestone as the contract started with it
        "fund",
        "submit",
        "request_changes",
        "submit",
        "approve",
    ]
    # The second: fund, submit, approve; the contract completes with it.
    fund(build)
    step(finn, build, "submit", {"note": "Live at /book."})
    assert step(cora, build, "approve")["status"] == "approved"
    assert ok(cora.get(f"{GIGS}/contracts/{contract_id}"))["status"] == "completed"
    assert ok(client_for(stranger).get(f"{GIGS}/{gig_id}"))["status"] == "completed"

    # Both review; each review stays hidden from the other until both are in.
    reviews = f"{GIGS}/contracts/{contract_id}/reviews"
    ok(cora.post(reviews, {"rating": 5, "text": "Fast and careful."}, format="json"), 201)
    assert [r["text"] for r in ok(finn.get(reviews))] == []
    assert not OutboxEvent.objects.filter(event_type="review.published").exists()
    ok(finn.post(reviews, {"rating": 4, "text": "Clear brief."}, format="json"), 201)
    published = ok(finn.get(reviews))
    assert sorted(r["rating"] for r in published) == [4, 5]
    assert all(r["published_at"] for r in published)

    # The ratings the reviews make, on each person's page.
    finn_page = ok(client_for(stranger).get(f"{GIGS}/users/{freelancer.pk}/reviews"))
    assert finn_page["ratings"]["as_freelancer"]["average"] == "5.00"
    cora_page = ok(client_for(stranger).get(f"{GIGS}/users/{client_user.pk}/reviews"))
    assert cora_page["ratings"]["as_client"]["average"] == "4.00"

    # Every step published its event, in order, carrying what consumers show.
    happened = event_types()
    expected = [
        "gig.posted",
        "application.submitted",
        "application.shortlisted",
        "application.accepted",
        "contract.started",
        "milestone.funded",
        "milestone.submitted",
        "milestone.submitted",
        "milestone.approved",
        "milestone.released",
        "milestone.funded",
        "milestone.submitted",
        "milestone.approved",
        "milestone.released",
        "contract.completed",
        "review.published",
    ]
    remaining = iter(happened)
    assert all(t in remaining for t in expected), happened  # in this order, others between
    assert len(event("review.published")) == 2
    [completed] = event("contract.completed")
    assert completed["contract_id"] == str(contract_id)
    assert completed["approved_amount"] == 55_000
    [started] = event("contract.started")
    assert [m["title"] for m in started["milestones"]] == ["Design", "Build"]
    closed = [e for e in event("gig.closed") if e["gig_id"] == str(gig_id)]
    assert [e["status"] for e in closed] == ["completed"]
