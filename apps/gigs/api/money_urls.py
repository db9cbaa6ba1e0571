"""Routes of the money area under /api/v1/gigs (relative: "" or "/...")."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import money as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("/balances", views.BalancesView.as_view(), name="gigs-balances"),
    path("/transactions", views.TransactionsView.as_view(), name="gigs-transactions"),
    path("/payouts", views.PayoutsView.as_view(), name="gigs-payouts"),
    path("/payouts/<int:payout_id>", views.PayoutView.as_view(), name="gigs-payout"),
    path("/receipts", views.ReceiptsView.as_view(), name="gigs-receipts"),
    path("/receipts/<int:receipt_id>", views.ReceiptView.as_view(), name="gigs-receipt"),
]
