"""Routes of the gig area under /api/v1/gigs."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
