"""Routes of the money area under /api/v1/gigs (relative: "" or "/...")."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
