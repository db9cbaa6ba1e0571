"""Mounted by gigsy/urls.py under /api/v1/: the local signed-file view."""

from django.urls import path

from gigsy.files import links, views

urlpatterns = [
    path("files/<str:token>", views.SignedFileView.as_view(), name=links.URL_NAME),
]
