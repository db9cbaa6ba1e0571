"""Helpers of the work and review tests (tests/gigs/test_milestones*.py, test_contracts*.py,
test_reviews*.py): contracts started through the gig, application and hiring services, the
milestone steps through the API, and the outbox read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

from django.utils import timezone
from rest_framework.test import APIClient

from apps.gigs.models import Contract, Milestone, MilestoneEvent
from apps.gigs.payments import sandbox
from apps.gigs.services import applications, escrow, gigs, hiring
from gigsy.events.envelope import Event
from gigsy.events.models import OutboxEvent
from tests.gigs.conftest import client_for, verified

GIGS = "/api/v1/gigs"


def hire(
    client: Any,
    freelancer: Any,
    *,
    parts: list[tuple[str, int]] | None = None,
    hourly: bool = False,
    weeks: int = 2,
    skills: tuple[str, ...] = ("django", "python"),
) -> Contract:
    """A contract between `client` and `freelancer`, started the way the marketplace starts
    one: the client posts a gig, the freelancer applies, the client accepts. Fixed price with
    `parts` [(title, amount), ...] (default two parts, 30,000 + 20,000 USD cents), or hourly
    at 3,000 an hour, 10 hours a week, for `weeks` weeks."""
    terms: dict[str, Any] = {
        "title": "Build a shop" if not hourly else "Maintain our Django app",
        "description": "A small web shop.",
        "skills": list(skills),
        "budget_amount": 50_000 if not hourly else 300_000,
        "currency": "USD",
        "deadline": timezone.localdate() + timedelta(days=60),
    }
    if hourly:
        terms |= {"pricing": "hourly", "hourly_rate": 3_000, "weekly_hours_cap": 10}
    gig = gigs.create_gig(client=client, publish=True, **terms)
    parts = parts or [("Design", 30_000), ("Build", 20_000)]
    bid = 3_000 if hourly else sum(amount for _, amount in parts)
    application = applications.apply(
        gig_id=gig.pk, user=freelancer, cover_letter="I can do it.", bid_amount=bid
    )
    if hourly:
        return hiring.accept(application_id=application.pk, user=client, weeks=weeks)
    return hiring.accept(
        application_id=application.pk,
        user=client,
        milestones=[{"title": title, "amount": amount} for title, amount in parts],
    )


def milestones(contract: Contract) -> list[Milestone]:
    return list(Milestone.objects.filter(contract=contract).order_by("position"))


def url(contract: Contract, milestone: Milestone | None = None, step: str = "") -> str:
    path = f"{GIGS}/contracts/{contract.pk}"
    if milestone is not None:
        path += f"/milestones/{milestone.pk}"
    return path + (f"/{step}" if step else "")


@dataclass
class Parties:
    """A contract with a signed-in API client for each party."""

    contract: Contract
    client: APIClient
    freelancer: APIClient

    def step(
        self,
        who: str,
        milestone: Milestone,
        step: str,
        body: dict[str, Any] | None = None,
        *,
        key: str | None = None,
    ) -> Any:
        """POST a step, with an Idempotency-Key (a new one unless `key`): the money-moving
        steps (fund, release, approve, cancel/accept) require one, the others ignore it."""
        api = self.client if who == "client" else self.freelancer
        return api.post(
            url(self.contract, milestone, step),
            body or {},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key or str(uuid4()),
        )

    def ok(
        self, who: str, milestone: Milestone, step: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = self.step(who, milestone, step, body)
        assert response.status_code == 200, response.content
        return response.json()


def parties(contract: Contract, client: Any, freelancer: Any) -> Parties:
    return Parties(contract, client_for(client), client_for(freelancer))


def confirm(confirm_url: str, outcome: str = "succeed") -> dict[str, Any]:
    """Play the payer's bank: POST the sandbox's confirmation URL (its signed webhook goes
    through the real intake), as a development page would."""
    response = APIClient().post(urlsplit(confirm_url).path, {"outcome": outcome}, format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


def fund(p: Parties, milestone: Milestone, *, outcome: str = "succeed") -> dict[str, Any]:
    """The client funds the milestone through the API and the sandbox confirms the payment:
    the milestone as the client sees it afterwards (funded and active unless `outcome` fails)."""
    response = p.step("client", milestone, "fund")
    assert response.status_code in (200, 201), response.content
    confirm(response.json()["confirm_url"], outcome)
    shown = p.client.get(url(p.contract, milestone))
    assert shown.status_code == 200, shown.content
    return dict(shown.json())


def fund_now(contract: Contract, milestone: Milestone, client: Any) -> Milestone:
    """Fund a milestone through the services and the sandbox (no HTTP): for worlds built
    outside the API tests. The milestone comes back funded and active."""
    funding = escrow.fund_milestone(contract_id=contract.pk, milestone_id=milestone.pk, user=client)
    sandbox.confirm(payment_id=funding.payment.provider_payment_id)
    milestone.refresh_from_db()
    assert milestone.money_status == "funded", milestone.money_status
    return milestone


def submit_all(p: Parties, *, approve: bool = False) -> None:
    """Fund and submit every milestone (and approve each, with `approve`)."""
    for milestone in milestones(p.contract):
        fund(p, milestone)
        body = {"hours_worked": "8"} if p.contract.pricing == "hourly" else {"note": "Done"}
        p.ok("freelancer", milestone, "submit", body)
        if approve:
            p.ok("client", milestone, "approve")


def events(event_type: str) -> list[Event]:
    """Every `event_type` event in the outbox, oldest first."""
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [Event.from_json(bytes(row.payload)) for row in rows]


def data_of(event_type: str) -> list[dict[str, Any]]:
    return [event.data for event in events(event_type)]


def history(milestone: Milestone) -> list[tuple[str, str, str]]:
    """(action, from, to) of every history entry, oldest first."""
    return list(
        MilestoneEvent.objects.filter(milestone=milestone)
        .order_by("at", "id")
        .values_list("action", "from_status", "to_status")
    )


def age_submission(milestone: Milestone, *, days: float) -> None:
    """Pretend the milestone was submitted `days` ago."""
    Milestone.objects.filter(pk=milestone.pk).update(
        submitted_at=timezone.now() - timedelta(days=days)
    )


def hired_pair(*, client_email: str, freelancer_email: str) -> tuple[Contract, Any, Any]:
    """A contract between two new verified people, its first milestone funded (so a submit
    reaches the service): (contract, client, freelancer). For worlds built outside
    tests/gigs (the fuzz test's)."""
    client = verified(email=client_email, roles=["client"], display_name="Carl Client")
    freelancer = verified(email=freelancer_email, roles=["learner"], display_name="Fay Free")
    contract = hire(client, freelancer)
    first = milestones(contract)[0]
    fund_now(contract, first, client)
    return contract, client, freelancer
