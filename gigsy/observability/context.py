"""The correlation id that follows a request into its log lines, events and tasks."""

from __future__ import annotations

import re
import uuid

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and harmless in logs and headers.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def accept_or_create(candidate: str | None) -> str:
    if candidate and _VALID_REQUEST_ID.match(candidate):
        return candidate
    return new_correlation_id()


def current_correlation_id() -> str | None:
    """The id bound for the current request, event or task, if any."""
    return structlog.contextvars.get_contextvars().get("correlation_id")
