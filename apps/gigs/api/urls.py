"""Routes under /api/v1/gigs (no trailing slashes), one module per area.

Each area module writes its routes relative to /api/v1/gigs: "" for the root, "/<...>" below
it. They are joined to the prefix here rather than through include("gigs", ...): a route
beginning with "/" is Django's urls.W002 warning, and `check --deploy` must stay silent."""

from importlib import import_module

from django.urls import URLPattern, URLResolver, path

PREFIX = "gigs"
AREAS = (
    "gig",
    "application",
    "contract",
    "review",
    "moderation",
    "payment",
    "escrow",
    "money",
    "dispute",
)


def _joined(area: str) -> list[URLPattern]:
    patterns: list[URLPattern] = import_module(f"apps.gigs.api.{area}_urls").urlpatterns
    return [
        path(PREFIX + str(pattern.pattern), pattern.callback, pattern.default_args, pattern.name)
        for pattern in patterns
    ]


urlpatterns: list[URLPattern | URLResolver] = [p for area in AREAS for p in _joined(area)]
