"""Celery app: Redis broker, beat schedule from settings (CELERY_*), tasks from every app."""

from celery import Celery

from gigsy.settings import select

select()
app = Celery("gigsy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Correlation ids travel in task headers (gigsy/tasks.py connects the signals).
import gigsy.tasks  # noqa: E402, F401
