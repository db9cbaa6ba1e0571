"""Probes and metrics: plain Django views, no DRF, no database unless asked."""

from __future__ import annotations

import structlog
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from gigsy.observability import metrics
from gigsy.observability.readiness import check_all

log = structlog.get_logger(__name__)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 only when every backing service answers; the body names each one's state."""
    ready, dependencies = check_all()
    down = [name for name, state in dependencies.items() if state["status"] != "ok"]
    body = {"status": "ready" if ready else "not_ready", "down": down, "dependencies": dependencies}
    if not ready:
        log.warning("readiness.not_ready", down=down)
    return JsonResponse(body, status=200 if ready else 503)


@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    payload, content_type = metrics.render()
    return HttpResponse(payload, content_type=content_type)
