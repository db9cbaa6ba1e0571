"""structlog configuration: JSON lines in production, readable console lines in development.

Both structlog loggers and the stdlib loggers of Django, gunicorn and Celery go through the same
processor chain, so every line carries the context bound for the current request, event or task
(`request_id`, `correlation_id`, ...) via structlog's contextvars.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class NotReadyIsNotAnError(logging.Filter):
    """A 503 from /readyz is the probe doing its job (the view logs it at WARNING, naming what
    is down), not a server error: keep it out of django.request's ERROR log."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not (
            getattr(record, "status_code", None) == 503
            and getattr(request, "path", None) == "/readyz"
        )


def configure_logging(*, level: str, fmt: str) -> dict[str, Any]:
    """Configure structlog and return the matching Django LOGGING dict."""
    if fmt not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'console', not {fmt!r}")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": _SHARED_PROCESSORS,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
            }
        },
        "filters": {"not_ready_is_not_an_error": {"()": NotReadyIsNotAnError}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Our request log replaces Django's own per-request warnings for 4xx.
            "django.request": {"level": "ERROR", "filters": ["not_ready_is_not_an_error"]},
            "django.server": {"level": "ERROR"},
            "django.db.backends": {"level": "INFO"},
            "pymongo": {"level": "WARNING"},
            "asyncio": {"level": "WARNING"},
        },
    }
