"""Celery tasks of the gig marketplace (named "gigs.<verb>"), one module per area; imported
here so Celery's autodiscovery of `apps.gigs.tasks` registers them all."""

from apps.gigs.tasks import ledger, milestones, reviews  # noqa: F401
