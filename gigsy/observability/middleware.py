"""Per-request context: correlation id in, bound to every log line, echoed back; metrics out."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from gigsy.observability import metrics
from gigsy.observability.context import REQUEST_ID_HEADER, accept_or_create

log = structlog.get_logger("gigsy.request")
_UNMATCHED_ROUTE = "<unmatched>"


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.log_requests = settings.LOG_REQUESTS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = accept_or_create(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, correlation_id=request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            elapsed = time.perf_counter() - started
            # Label by route pattern, never by raw path, to keep label cardinality bounded.
            match = request.resolver_match
            route = (match.route or match.view_name) if match else _UNMATCHED_ROUTE
            metrics.observe(
                route=route,
                method=request.method or "",
                status=response.status_code,
                seconds=elapsed,
            )
            if self.log_requests:
                log.info(
                    "request.finished",
                    method=request.method,
                    path=request.path,
                    route=route,
                    status=response.status_code,
                    ms=round(elapsed * 1000, 2),
                )
            return response
        finally:
            structlog.contextvars.clear_contextvars()
