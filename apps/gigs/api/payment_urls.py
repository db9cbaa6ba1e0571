"""Routes of the payments area under /api/v1/gigs."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import payments as views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "/payments/webhooks/<str:provider>",
        views.PaymentWebhookView.as_view(),
        name="gigs-payments-webhook",
    ),
    path(
        "/payments/sandbox/<str:payment_id>/confirm",
        views.SandboxConfirmView.as_view(),
        name="gigs-payments-sandbox-confirm",
    ),
]
