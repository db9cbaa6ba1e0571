"""The gig marketplace's API root, mounted under /api/v1/ by the kernel (gigsy/contexts.py)."""

from django.urls import include, path

urlpatterns = [path("", include("apps.gigs.api.urls"))]
