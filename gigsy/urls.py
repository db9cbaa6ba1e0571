"""Root URLs: the versioned API, its schema and docs, the admin, probes and metrics."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from gigsy.api import errors
from gigsy.observability import views as probes

api_v1 = [
    path("auth/", include("apps.accounts.api.urls")),
    path("lms/", include("apps.lms.api.urls")),
    path("", include("apps.lms.api.certificate_urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("healthz", probes.healthz, name="healthz"),
    path("readyz", probes.readyz, name="readyz"),
    path("metrics", probes.prometheus_metrics, name="metrics"),
    # Unknown API paths answer the JSON envelope even with DEBUG on.
    re_path(r"^api/", errors.not_found),
]

handler400 = "gigsy.api.errors.bad_request"
handler403 = "gigsy.api.errors.permission_denied"
handler404 = "gigsy.api.errors.not_found"
handler500 = "gigsy.api.errors.server_error"
