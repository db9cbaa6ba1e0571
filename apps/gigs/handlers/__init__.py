"""Events the gig marketplace consumes, one module per purpose (imported here so
gigsy.events finds every @handler when it imports `apps.gigs.handlers`)."""

from apps.gigs.handlers import credentials, privacy  # noqa: F401
