from django.urls import path

from apps.lms.certificates.api import views

# Mounted at /api/v1/ (certificates are the public face of the lms context). The JWKS and the
# revocation list are the platform's (gigsy.credentials), served here where they always were.
urlpatterns = [
    path("certificates", views.MyCertificatesView.as_view(), name="certificates-mine"),
    path(
        "certificates/verify/<str:code>",
        views.VerifyCertificateView.as_view(),
        name="certificate-verify",
    ),
    path("certificates/jwks.json", views.JwksView.as_view(), name="certificate-jwks"),
    path(
        "certificates/revocations",
        views.RevocationListView.as_view(),
        name="certificate-revocations",
    ),
    path(
        "certificates/<int:certificate_id>/pdf",
        views.CertificatePdfView.as_view(),
        name="certificate-pdf",
    ),
    path(
        "certificates/<int:certificate_id>/badge",
        views.OpenBadgeView.as_view(),
        name="certificate-badge",
    ),
]
