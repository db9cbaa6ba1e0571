"""Bench data of `bench/gigs.py`: open gigs of many clients, some of them rated.

A helper module, not a benchmark (`run_all.py` skips `bench/_*.py`). Import it only after
`django.setup()`.

Everything the bench creates is recognisable by name and reused by the next run:
    - clients `bench-gigs-client-0001@example.com` ... (verified, the `client` role, no
      password: nobody logs in as them), every other one with a client rating;
    - open gigs of those clients: the first posted through `apps.gigs.services.gigs.create_gig`
      (its `gig.posted` outbox row is deleted before the commit: no relay ever sees it), the
      rest bulk-inserted with the same fields, checked against the service's gig.
`purge()` removes all of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from apps.gigs.models import Application, Gig, GigStatus, Pricing, UserRating
from apps.gigs.services import gigs as gig_services
from gigsy.events.models import OutboxEvent

CLIENT_PREFIX = "bench-gigs-client-"
SKILLS = (
    "python",
    "django",
    "sql",
    "javascript",
    "react",
    "docker",
    "testing",
    "css",
    "design",
    "devops",
)
WORDS = ("shop", "api", "dashboard", "landing page", "mobile app", "data pipeline", "logo")
CURRENCIES = ("USD", "EUR", "GBP")
CITIES = ("Lagos", "Nairobi", "Berlin", "Leeds", "Pune")


def client_email(number: int) -> str:
    return f"{CLIENT_PREFIX}{number:04d}@example.com"


def _bench_clients() -> Any:
    return get_user_model().objects.filter(email__startswith=CLIENT_PREFIX)


def bench_gigs() -> Any:
    return Gig.objects.filter(client__in=_bench_clients())


def ensure_clients(count: int) -> list[Any]:
    """`count` verified clients, created in bulk when missing; every other one rated."""
    user_model = get_user_model()
    wanted = [client_email(n) for n in range(1, count + 1)]
    existing = set(user_model.objects.filter(email__in=wanted).values_list("email", flat=True))
    now = timezone.now()
    missing = []
    for number, email in enumerate(wanted, start=1):
        if email in existing:
            continue
        user = user_model(
            email=email,
            display_name=f"Bench Client {number}",
            roles=["client"],
            email_verified_at=now,
        )
        user.set_unusable_password()
        missing.append(user)
    user_model.objects.bulk_create(missing, batch_size=1000)
    by_email = {u.email: u for u in user_model.objects.filter(email__in=wanted)}
    clients = [by_email[email] for email in wanted]
    rated = [c for n, c in enumerate(clients) if n % 2 == 0]
    have = set(UserRating.objects.filter(user__in=rated).values_list("user_id", flat=True))
    UserRating.objects.bulk_create(
        [
            UserRating(user=c, client_sum=4 * (3 + n % 5) + n % 3, client_count=3 + n % 5)
            for n, c in enumerate(rated)
            if c.pk not in have
        ]
    )
    return clients


def _terms(number: int) -> dict[str, Any]:
    """The terms of bench gig `number`: a deterministic spread over every filter."""
    rng = random.Random(number)
    skills = sorted(set(rng.sample(SKILLS, rng.randint(1, 4))))
    word = WORDS[number % len(WORDS)]
    hourly = number % 4 == 0
    remote = number % 5 != 0
    terms: dict[str, Any] = {
        "title": f"Bench gig {number:05d}: {word} with {' and '.join(skills)}",
        "description": (
            f"We need help with a {word}. Skills: {', '.join(skills)}. "
            + "Clear scope, weekly check-ins, friendly team. " * 8
        ),
        "skills": skills,
        "budget_amount": rng.randrange(5_000, 500_000, 500),
        "currency": CURRENCIES[number % len(CURRENCIES)],
        "pricing": Pricing.HOURLY if hourly else Pricing.FIXED,
        "hourly_rate": rng.randrange(1_000, 10_000, 100) if hourly else None,
        "weekly_hours_cap": rng.choice((5, 10, 20, 40)) if hourly else None,
        "remote": remote,
        "location": "" if remote else CITIES[number % len(CITIES)],
        "deadline": timezone.localdate() + timedelta(days=30 + number % 60),
    }
    return terms


@dataclass(frozen=True)
class Seeded:
    gigs: int
    created: int
    clients: int


def seed(count: int, clients: int, *, subject_prefix: str, progress: Any) -> Seeded:
    """At least `count` open bench gigs (missing ones are added; a run reuses the last's)."""
    people = ensure_clients(clients)
    have = bench_gigs().filter(status=GigStatus.OPEN).count()
    if have >= count:
        return Seeded(gigs=have, created=0, clients=len(people))
    started = timezone.now()
    before = have
    with transaction.atomic():
        first = None
        if have == 0:
            # The first gig through the service: the bulk rows copy what it writes.
            first = gig_services.create_gig(client=people[0], publish=True, **_terms(0))
            delete_outbox(subject_prefix)  # in the transaction: no relay ever sees it
            have = 1
        rows = []
        for number in range(have, count):
            client = people[number % len(people)]
            rows.append(
                Gig(
                    client=client,
                    status=GigStatus.OPEN,
                    published_at=started - timedelta(seconds=count - number),
                    **_terms(number),
                )
            )
        Gig.objects.bulk_create(rows, batch_size=2000)
        if first is not None:
            _check_like_the_service(first)
    progress(f"  {count - before} bench gigs created")
    return Seeded(gigs=count, created=count - before, clients=len(people))


def _check_like_the_service(first: Gig) -> None:
    """The bulk rows hold what `create_gig` writes: same columns set, same normalization."""
    bulk = bench_gigs().exclude(pk=first.pk).order_by("pk").first()
    if bulk is None:
        return
    for field in ("status", "status_reason", "required_course_id", "required_course_title"):
        if getattr(bulk, field) != getattr(first, field):
            raise RuntimeError(f"bulk gig differs from the service's on {field}")
    if bulk.skills != sorted(set(bulk.skills)) or bulk.location != bulk.location.strip():
        raise RuntimeError("bulk gig terms are not normalized as the service normalizes them")


def refresh_statistics() -> None:
    """VACUUM ANALYZE the gig tables after bulk writes, as autovacuum does in production (this
    machine's server runs with autovacuum off: without statistics the planner guesses)."""
    with connection.cursor() as cursor:
        for model in (Gig, UserRating):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def delete_outbox(subject_prefix: str) -> int:
    deleted, _ = OutboxEvent.objects.filter(subject__startswith=f"{subject_prefix}.").delete()
    return deleted


@transaction.atomic
def purge() -> dict[str, int]:
    """Remove everything the bench ever created (gigs, ratings, clients)."""
    gigs = bench_gigs()
    counts = {"applications": Application.objects.filter(gig__in=gigs).delete()[0]}
    counts["gigs"] = gigs.delete()[0]
    clients = _bench_clients()
    counts["ratings"] = UserRating.objects.filter(user__in=clients).delete()[0]
    counts["clients"] = clients.count()
    clients.delete()
    return counts
