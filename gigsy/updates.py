"""Partial updates for services: only the fields a caller may change, only those that changed.

    changed = model_update(instance=lesson, data=changes, fields=LESSON_FIELDS)

Writes only the changed columns (`update_fields`), so a stale copy of a row never overwrites
what someone else changed meanwhile (the lms `update_course` bug of session 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

NOT_EDITABLE = "This field cannot be changed here."


def reject_unknown_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: [NOT_EDITABLE] for name in sorted(unknown)})


def model_update(
    *, instance: models.Model, data: Mapping[str, Any], fields: Iterable[str], save: bool = True
) -> list[str]:
    """Apply `data` (keys must be in `fields`) to `instance`; returns the names that changed.
    Validation of the values is the caller's; this refuses unknown names and saves the rest."""
    reject_unknown_fields(data, fields)
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, data[name])
    if changed and save:
        stamped = any(f.name == "updated_at" for f in instance._meta.concrete_fields)
        instance.save(update_fields=[*changed, "updated_at"] if stamped else changed)
    return changed
