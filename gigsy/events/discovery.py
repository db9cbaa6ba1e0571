"""Collect what the contexts contribute to the bus: event specs first, then handlers.

Each installed app may have `events.py` (the types it produces, `catalog.register(...)`) and
`handlers.py` (`@handler` functions). Every `events` module is imported before any `handlers`
module, because a handler may consume a type of any context and only declared types can be
consumed. A type is declared by its producer only: an `events` module may register only specs
whose producer is its own app label.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules, module_has_submodule

from gigsy.events import catalog


def discover_specs(app_configs: Iterable[AppConfig] | None = None) -> None:
    for app_config in apps.get_app_configs() if app_configs is None else app_configs:
        if not module_has_submodule(app_config.module, "events"):
            continue
        before = {spec.type for spec in catalog.all_specs()}
        import_module(f"{app_config.name}.events")
        foreign = [
            spec
            for spec in catalog.all_specs()
            if spec.type not in before and spec.producer != app_config.label
        ]
        for spec in foreign:
            catalog.unregister(spec.type)
        if foreign:
            names = ", ".join(f"{s.type} (producer {s.producer})" for s in foreign)
            raise ImproperlyConfigured(
                f"{app_config.name}.events declares event types it does not produce: {names}. "
                "A type is declared by its producer only."
            )


def discover() -> None:
    discover_specs()
    autodiscover_modules("handlers")
