from django.urls import path

from apps.lms.api import certificate_views as views

urlpatterns = [
    path("", views.MyCertificatesView.as_view(), name="certificates-mine"),
    path("verify/<str:code>", views.VerifyCertificateView.as_view(), name="certificate-verify"),
    path("jwks.json", views.JwksView.as_view(), name="certificate-jwks"),
    path("<int:certificate_id>/pdf", views.CertificatePdfView.as_view(), name="certificate-pdf"),
    path("<int:certificate_id>/badge", views.OpenBadgeView.as_view(), name="certificate-badge"),
]
