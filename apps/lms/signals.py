"""Course changes retire the cached catalog pages, whoever makes them (services, admin)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.lms import catalog_cache
from apps.lms.models import Course


@receiver(post_save, sender=Course, dispatch_uid="lms.catalog_on_save")
@receiver(post_delete, sender=Course, dispatch_uid="lms.catalog_on_delete")
def course_changed(sender: type, **kwargs: Any) -> None:
    catalog_cache.invalidate()
