"""Idempotent demo gigs: a few gigs of the demo client (two open, one draft), posted through
the gig service so their events and the browse cache follow as for any client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs.models import Gig
from apps.gigs.services import gigs as services

CLIENT = "client1@demo.gigsy.local"

GIGS: list[dict[str, Any]] = [
    {
        "title": "Landing page for a neighbourhood bakery",
        "description": (
            "We need a **one-page site**: opening hours, the week's bread, a map.\n\n"
            "- responsive\n- fast on old phones\n- we send the photos"
        ),
        "skills": ["css", "html"],
        "budget_amount": 45_000,
        "currency": "USD",
        "deadline_days": 21,
        "publish": True,
    },
    {
        "title": "Test suite for a small Django app",
        "description": "Write pytest tests for our booking app and set up CI. About 10 h a week.",
        "skills": ["python", "testing"],
        "budget_amount": 240_000,
        "currency": "EUR",
        "pricing": "hourly",
        "hourly_rate": 3_000,
        "weekly_hours_cap": 10,
        "deadline_days": 56,
        "publish": True,
    },
    {
        "title": "Logo refresh (draft)",
        "description": "Ideas welcome; details to follow.",
        "skills": ["design"],
        "budget_amount": 20_000,
        "currency": "GBP",
        "remote": False,
        "location": "Manchester",
        "publish": False,
    },
]


@dataclass(frozen=True)
class _DemoClient:
    """The demo client as the services' principal, built from its public summary (no model
    instance crosses from accounts). Demo addresses receive no mail, so the seed acts for the
    client as verified; to post through the API the demo client verifies like anyone."""

    pk: int
    roles: frozenset[str]
    email_verified_at: datetime
    is_authenticated: bool = True
    is_staff: bool = False


class Command(BaseCommand):
    help = "Create demo gigs (idempotent). Needs the demo client from seed_demo."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        summary = accounts.find_active_user_by_email(CLIENT)
        if summary is None or accounts.CLIENT not in summary.roles:
            self.stdout.write("No demo client; run seed_demo first.")
            return
        client = _DemoClient(pk=summary.id, roles=summary.roles, email_verified_at=timezone.now())
        created = 0
        for spec in GIGS:
            if Gig.objects.filter(client_id=summary.id, title=spec["title"]).exists():
                continue
            terms = {k: v for k, v in spec.items() if k != "deadline_days"}
            if "deadline_days" in spec:
                terms["deadline"] = timezone.localdate() + timedelta(days=spec["deadline_days"])
            services.create_gig(client=client, **terms)
            created += 1
        self.stdout.write(f"Demo gigs: {created} created, {len(GIGS) - created} existed.")
