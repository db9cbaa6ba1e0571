"""Routes of the escrow area under /api/v1/gigs (relative: "" or "/...")."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import escrow as views
from apps.gigs.api.contract_urls import MILESTONE

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{MILESTONE}/fund", views.FundView.as_view(), name="gigs-milestone-fund"),
    path(f"{MILESTONE}/release", views.ReleaseView.as_view(), name="gigs-milestone-release"),
]
