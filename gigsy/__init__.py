"""Gigsy project shell and shared kernel: settings, URLs, servers, Celery, API conventions,
observability. It imports no app (enforced by import-linter)."""

from gigsy.celery import app as celery_app

__all__ = ["celery_app"]
