"""Routes of the dispute area under /api/v1/gigs (relative: "" or "/...")."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import disputes as views

MILESTONE = "/contracts/<int:contract_id>/milestones/<int:milestone_id>"

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        f"{MILESTONE}/disputes", views.DisputeCreateView.as_view(), name="gigs-milestone-disputes"
    ),
    path("/disputes", views.DisputeListView.as_view(), name="gigs-disputes"),
    path("/disputes/<int:dispute_id>", views.DisputeDetailView.as_view(), name="gigs-dispute"),
]
