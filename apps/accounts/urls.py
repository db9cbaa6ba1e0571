"""Accounts' API root, mounted under /api/v1/ by the kernel (gigsy/contexts.py)."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("apps.accounts.api.urls")),
]
