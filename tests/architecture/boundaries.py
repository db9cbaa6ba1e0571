"""The model rules of docs/architecture.md ("Boundaries"), as a function tests can run on any
set of models."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.db import models

# Django's own auth models are the only foreign targets besides the user model, and only
# from accounts (the user model's groups and permissions, for operators in the admin).
FRAMEWORK_TARGETS = {"accounts": {"auth.group", "auth.permission"}}
_QUALIFIED = re.compile(r'^"(?P<schema>[a-z_][a-z0-9_]*)"\."(?P<table>[a-z_][a-z0-9_]*)"$')


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def violations(model_classes: Iterable[type[models.Model]]) -> list[str]:
    found: list[str] = []
    user_label = settings.AUTH_USER_MODEL.lower()
    for model in model_classes:
        meta = model._meta
        app = meta.app_label
        if meta.abstract or meta.proxy or not meta.managed:
            continue
        match = _QUALIFIED.match(meta.db_table)
        if not match or match["schema"] != app:
            found.append(f"{_label(model)}: table {meta.db_table!r} is not in schema {app!r}")
        for field in meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model
            target_label = _label(target) if not isinstance(target, str) else target.lower()
            allowed = (
                target._meta.app_label == app
                or target_label == user_label
                or target_label in FRAMEWORK_TARGETS.get(app, set())
            )
            if not allowed:
                found.append(f"{_label(model)}.{field.name}: relation crosses into {target_label}")
            if isinstance(field, models.ManyToManyField):
                through = field.remote_field.through
                if through._meta.auto_created and field.db_table is None:
                    found.append(f"{_label(model)}.{field.name}: M2M without an explicit db_table")
                through_table = through._meta.db_table
                m = _QUALIFIED.match(through_table)
                if not m or m["schema"] != app:
                    found.append(
                        f"{_label(model)}.{field.name}: M2M table {through_table!r} "
                        f"is not in schema {app!r}"
                    )
    return found
