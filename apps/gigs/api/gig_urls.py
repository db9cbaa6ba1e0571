"""Routes of the gig area under /api/v1/gigs."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import gigs as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.GigListView.as_view(), name="gigs-browse"),
    path("/mine", views.MyGigsView.as_view(), name="gigs-mine"),
    path("/<int:gig_id>", views.GigDetailView.as_view(), name="gigs-gig"),
    path("/<int:gig_id>/publish", views.GigPublishView.as_view(), name="gigs-publish"),
    path("/<int:gig_id>/cancel", views.GigCancelView.as_view(), name="gigs-cancel"),
]
