"""Celery app: Redis broker, beat schedule from settings (CELERY_*), tasks from every app."""

from celery import Celery

from gigsy.settings import select

select()
app = Celery("gigsy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
