"""Routes of the contract area under /api/v1/gigs."""

from django.urls import URLPattern, URLResolver, path

from apps.gigs.api import contracts as views

MILESTONE = "/contracts/<int:contract_id>/milestones/<int:milestone_id>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("/contracts", views.ContractListView.as_view(), name="gigs-contracts"),
    path("/contracts/<int:contract_id>", views.ContractDetailView.as_view(), name="gigs-contract"),
    path(
        "/contracts/<int:contract_id>/milestones",
        views.MilestoneCreateView.as_view(),
        name="gigs-milestones",
    ),
    path(MILESTONE, views.MilestoneView.as_view(), name="gigs-milestone"),
    path(f"{MILESTONE}/history", views.MilestoneHistoryView.as_view()),
    path(f"{MILESTONE}/submit", views.SubmitView.as_view()),
    path(f"{MILESTONE}/request-changes", views.RequestChangesView.as_view()),
    path(f"{MILESTONE}/approve", views.ApproveView.as_view()),
    path(f"{MILESTONE}/cancel", views.CancelView.as_view()),
    path(f"{MILESTONE}/cancel/accept", views.CancelAcceptView.as_view()),
    path(f"{MILESTONE}/cancel/decline", views.CancelDeclineView.as_view()),
    path(f"{MILESTONE}/cancel/withdraw", views.CancelWithdrawView.as_view()),
]
