"""Routes of the application area under /api/v1/gigs."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import applications as views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "/<int:gig_id>/applications",
        views.GigApplicationsView.as_view(),
        name="gigs-gig-applications",
    ),
    path("/applications/mine", views.MyApplicationsView.as_view(), name="gigs-applications-mine"),
    path(
        "/applications/<int:application_id>",
        views.ApplicationView.as_view(),
        name="gigs-application",
    ),
    path(
        "/applications/<int:application_id>/withdraw",
        views.WithdrawView.as_view(),
        name="gigs-application-withdraw",
    ),
    path(
        "/applications/<int:application_id>/shortlist",
        views.ShortlistView.as_view(),
        name="gigs-application-shortlist",
    ),
    path(
        "/applications/<int:application_id>/reject",
        views.RejectView.as_view(),
        name="gigs-application-reject",
    ),
    path(
        "/applications/<int:application_id>/accept",
        views.AcceptView.as_view(),
        name="gigs-application-accept",
    ),
]
