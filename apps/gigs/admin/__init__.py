"""Operator screens, one module per area; importing them registers them with the admin site."""

from apps.gigs.admin import applications, contracts, gigs, moderation, payments  # noqa: F401
