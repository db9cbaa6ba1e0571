"""Routes under /api/v1/gigs (no trailing slashes), one module per area."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(f"apps.gigs.api.{area}_urls"))
    for area in ("gig", "application", "contract", "review", "moderation")
]
