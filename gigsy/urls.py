"""Root URLs: the versioned API, its schema and docs, the admin, probes and metrics.

The API is every installed context's own `urls.py` (gigsy/contexts.py): this file names none.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from gigsy.api import errors
from gigsy.contexts import api_urlpatterns
from gigsy.observability import views as probes

urlpatterns = [
    path("api/v1/", include(api_urlpatterns())),
    # Signed links to stored files (gigsy/files), for a browser without a Bearer header.
    path("api/v1/", include("gigsy.files.urls")),
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
