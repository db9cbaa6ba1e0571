"""Routes of the moderation area under /api/v1/gigs."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import moderation as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("/<int:gig_id>/reports", views.GigReportsView.as_view(), name="gigs-gig-reports"),
    path("/reports", views.MyReportsView.as_view(), name="gigs-reports"),
    path("/reports/<int:report_id>", views.ReportView.as_view(), name="gigs-report"),
    path("/blocks", views.BlockListView.as_view(), name="gigs-blocks"),
    path("/blocks/<int:user_id>", views.BlockView.as_view(), name="gigs-block"),
]
