"""Routes of the review area under /api/v1/gigs."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import reviews as views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "/contracts/<int:contract_id>/reviews",
        views.ContractReviewsView.as_view(),
        name="gigs-contract-reviews",
    ),
    path("/users/<int:user_id>/reviews", views.UserReviewsView.as_view(), name="gigs-user-reviews"),
]
