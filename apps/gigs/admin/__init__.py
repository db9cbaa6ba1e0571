"""Operator screens, one module per area; importing them registers them with the admin site."""

from apps.gigs.admin import (  # noqa: F401
    applications,
    contracts,
    disputes,
    gigs,
    moderation,
    money,
    payments,
)
