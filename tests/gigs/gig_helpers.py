"""Helpers of the gig area's tests (tests/gigs/test_gigs*.py): request bodies, gigs made
through the service, rows the other areas own made directly, and the outbox read back."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.gigs.models import Application, Contract, Gig
from apps.gigs.services import gigs
from apps.lms.models import Course
from gigsy.events.envelope import Event
from gigsy.events.models import OutboxEvent

GIGS = "/api/v1/gigs"


def today() -> date:
    return timezone.localdate()


def body(**overrides: Any) -> dict[str, Any]:
    """A valid fixed-price gig as the API takes it."""
    return {
        "title": "Build a landing page",
        "description": "A **simple** page for a bakery.",
        "skills": ["html", "css"],
        "budget_amount": 50_000,
        "currency": "USD",
        "deadline": (today() + timedelta(days=30)).isoformat(),
    } | overrides


def make_gig(client: Any, *, publish: bool = True, **terms: Any) -> Gig:
    """A gig created through the service (open unless `publish=False`)."""
    defaults: dict[str, Any] = {
        "title": "Build a landing page",
        "description": "A **simple** page for a bakery.",
        "skills": ["html", "css"],
        "budget_amount": 50_000,
        "currency": "USD",
    }
    return gigs.create_gig(client=client, publish=publish, **(defaults | terms))


def application(gig: Gig, applicant: Any, *, status: str = "submitted") -> Application:
    """An application row as the applications area leaves it (its service is not under test)."""
    return Application.objects.create(
        gig=gig, applicant=applicant, cover_letter="Hire me", bid_amount=40_000, status=status
    )


def contract(gig: Gig, freelancer: Any) -> Contract:
    """A contract row as hiring leaves it: the accepted application and the gig's terms."""
    accepted = application(gig, freelancer, status="accepted")
    return Contract.objects.create(
        gig=gig,
        application=accepted,
        client_id=gig.client_id,
        freelancer=freelancer,
        title=gig.title,
        skills=gig.skills,
        pricing=gig.pricing,
        currency=gig.currency,
    )


def published_course(title: str = "Django for Freelancers", *, published: bool = True) -> Course:
    return Course.objects.create(
        slug=title.lower().replace(" ", "-"),
        title=title,
        status="published" if published else "draft",
        published_at=timezone.now() if published else None,
    )


def events(event_type: str) -> list[Event]:
    """Every `event_type` event in the outbox, oldest first."""
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [Event.from_json(bytes(row.payload)) for row in rows]


def data_of(event_type: str) -> list[dict[str, Any]]:
    return [event.data for event in events(event_type)]
