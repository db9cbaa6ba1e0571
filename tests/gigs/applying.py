"""Helpers of the applications and hiring tests (tests/gigs/test_applications*.py): gigs posted
through the gig area's service, applications through ours, the outbox read back, and lms's
certificate events handed to gigs' handlers the way the consumer does (inbox and all)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.gigs.models import Application, Gig
from apps.gigs.services import applications, gigs
from gigsy.events import inbox, registry
from gigsy.events.envelope import Event
from gigsy.events.models import OutboxEvent

GIGS = "/api/v1/gigs"


def today() -> date:
    return timezone.now().date()


def post_gig(client: Any, **terms: Any) -> Gig:
    """An open fixed-price gig (override any term: `pricing="hourly", hourly_rate=...`)."""
    defaults: dict[str, Any] = {
        "title": "Build a landing page",
        "description": "A **simple** page for a bakery.",
        "skills": ["html", "css"],
        "budget_amount": 50_000,
        "currency": "USD",
        "deadline": today() + timedelta(days=30),
    }
    return gigs.create_gig(client=client, publish=True, **(defaults | terms))


def post_hourly_gig(client: Any, **terms: Any) -> Gig:
    return post_gig(
        client,
        **{
            "title": "Maintain our Django app",
            "pricing": "hourly",
            "budget_amount": 400_000,
            "hourly_rate": 3_000,
            "weekly_hours_cap": 10,
            "deadline": today() + timedelta(days=20),
        }
        | terms,
    )


def apply(user: Any, gig: Gig, bid: int = 45_000, letter: str = "Hire me") -> Application:
    return applications.apply(gig_id=gig.pk, user=user, cover_letter=letter, bid_amount=bid)


def events(event_type: str) -> list[dict[str, Any]]:
    """The `data` of every `event_type` event in the outbox, oldest first."""
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [json.loads(bytes(row.payload))["data"] for row in rows]


def outbox_events(event_type: str) -> list[Event]:
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [Event.from_json(bytes(row.payload)) for row in rows]


def deliver(event: Event, handler_name: str) -> inbox.Outcome:
    """Hand one event to a handler as the consumer does: its inbox row and the handler in one
    transaction, a redelivery skipped."""
    handler = registry.get(handler_name)
    assert handler.event_type == event.type
    return inbox.handle_one(handler, event, deliveries=1, max_deliveries=5)


def deliver_certificates() -> dict[str, list[inbox.Outcome]]:
    """Every certificate event in the outbox, in order, to gigs' credential handlers."""
    return {
        kind: [deliver(e, name) for e in outbox_events(kind)]
        for kind, name in (
            ("certificate.issued", "gigs.hold_credential"),
            ("certificate.revoked", "gigs.revoke_credential"),
        )
    }


def error_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body
