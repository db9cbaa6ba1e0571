from django.urls import path

from apps.accounts.api import email_verification, password_reset, privacy, roles, views

urlpatterns = [
    path("register", views.RegisterView.as_view(), name="auth-register"),
    path("token", views.TokenObtainView.as_view(), name="auth-token"),
    path("token/refresh", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout", views.LogoutView.as_view(), name="auth-logout"),
    path("me", views.MeView.as_view(), name="auth-me"),
    path("password", views.PasswordView.as_view(), name="auth-password"),
    path("roles", roles.RoleListView.as_view(), name="auth-roles"),
    path("roles/<str:role>", roles.RoleDetailView.as_view(), name="auth-role"),
    path(
        "password/reset",
        password_reset.PasswordResetRequestView.as_view(),
        name="auth-password-reset",
    ),
    path(
        "password/reset/confirm",
        password_reset.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("email/verify", email_verification.EmailVerifyView.as_view(), name="auth-email-verify"),
    path(
        "email/verify/resend",
        email_verification.EmailVerifyResendView.as_view(),
        name="auth-email-verify-resend",
    ),
    path("email/change", email_verification.EmailChangeView.as_view(), name="auth-email-change"),
    path("sessions", views.SessionListView.as_view(), name="auth-sessions"),
    path("sessions/<uuid:session_id>", views.SessionDetailView.as_view(), name="auth-session"),
    path("export", privacy.DataExportView.as_view(), name="auth-export"),
]
