"""Learning's API roots, mounted under /api/v1/ by the kernel (gigsy/contexts.py)."""

from django.urls import include, path

urlpatterns = [
    path("lms/", include("apps.lms.api.urls")),
    path("lms/", include("apps.lms.gradebook.api.urls")),
    # Certificates are the public face of learning: /api/v1/certificates...
    path("", include("apps.lms.certificates.api.urls")),
]
