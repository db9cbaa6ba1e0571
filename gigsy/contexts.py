"""Contexts register themselves: the kernel finds what each bounded context contributes.

A context is an INSTALLED_APPS entry that is not in `PLATFORM_APPS` (Django, third-party
packages and the kernel's own apps, listed in gigsy/settings/base.py). Adding a context is one
INSTALLED_APPS line; everything else lives in its own package, by convention:

    <ctx>/settings.py    upper-case defaults, read from the environment, merged into
                         django.conf.settings when Django starts (`apply_settings_defaults`):
                         a name the settings modules already define keeps their value; a dict
                         they define (CELERY_BEAT_SCHEDULE, REST_FRAMEWORK, ...) gains only the
                         keys it lacks. This is also where a context declares its beat entries.
    <ctx>/urls.py        `urlpatterns` mounted under /api/v1/ (one or several roots)
    <ctx>/routing.py     `websocket_urlpatterns` (Channels), full paths under ws/
    <ctx>/management/commands/seed_demo*.py    run in order by `manage.py seed`
    <ctx>/handlers.py, <ctx>/events.py, <ctx>/admin.py    found by gigsy.events and the admin
    <ctx>/public.py      its optional `export_user` and `deletion_blockers`, found by
                         gigsy.privacy (data export and account deletion)

The kernel imports these modules by name only, so it still imports no app.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Iterator
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import find_commands
from django.urls import URLPattern, URLResolver, include, path
from django.utils.module_loading import module_has_submodule

SEED_COMMAND_PREFIX = "seed_demo"


def _is_entry_of(app_config: AppConfig, entry: str) -> bool:
    """An INSTALLED_APPS entry names an app by its package or by its AppConfig class."""
    config_class = type(app_config)
    return entry in (app_config.name, f"{config_class.__module__}.{config_class.__qualname__}")


def context_apps() -> list[AppConfig]:
    """The installed contexts, in INSTALLED_APPS order (seeds and URL roots follow it)."""
    platform = list(getattr(settings, "PLATFORM_APPS", []))
    return [
        app_config
        for app_config in apps.get_app_configs()
        if not any(_is_entry_of(app_config, entry) for entry in platform)
    ]


def _context_modules(module_name: str) -> Iterator[tuple[AppConfig, ModuleType]]:
    for app_config in context_apps():
        if module_has_submodule(app_config.module, module_name):
            yield app_config, import_module(f"{app_config.name}.{module_name}")


def context_modules(module_name: str) -> list[tuple[AppConfig, ModuleType]]:
    """Each context's `<ctx>.<module_name>` that exists, in INSTALLED_APPS order (for the kernel's
    registries that live outside this module, e.g. gigsy.privacy reading `public`)."""
    return list(_context_modules(module_name))


# --- settings -------------------------------------------------------------------------------------


def merge_defaults(target: Any, contributions: Iterable[tuple[str, ModuleType]]) -> None:
    """Add each context's upper-case settings to `target` without overriding anything.

    What `target` already holds was set by the kernel or the environment-specific settings
    module, which win. Two contexts defining the same name (or the same key of a dict) is a
    configuration error, not a silent last-one-wins.
    """
    owners: dict[str, str] = {}
    for context, module in contributions:
        for name in (n for n in dir(module) if n.isupper()):
            value = getattr(module, name)
            if name in owners:
                _clash(name, context, owners[name])
            if not hasattr(target, name):
                setattr(target, name, copy.deepcopy(value))
                owners[name] = context
            elif isinstance(value, dict) and isinstance(getattr(target, name), dict):
                _add_missing_keys(getattr(target, name), value, name, context, owners)


def _add_missing_keys(
    target: dict[str, Any], extra: dict[str, Any], where: str, context: str, owners: dict[str, str]
) -> None:
    # In place: anything that already holds a reference to the dict (DRF's and Celery's
    # settings readers) sees the contributed keys.
    for key, value in extra.items():
        here = f"{where}[{key!r}]"
        if here in owners:
            _clash(here, context, owners[here])
        if key not in target:
            target[key] = copy.deepcopy(value)
            owners[here] = context
        elif isinstance(value, dict) and isinstance(target[key], dict):
            _add_missing_keys(target[key], value, here, context, owners)


def _clash(what: str, context: str, other: str) -> None:
    raise ImproperlyConfigured(
        f"{context}.settings and {other}.settings both define {what}; a context owns its names."
    )


def apply_settings_defaults() -> None:
    """Called once when Django starts (GigsyConfig.ready), before any context code runs."""
    merge_defaults(settings, ((app.label, module) for app, module in _context_modules("settings")))


# --- HTTP and WebSocket routes --------------------------------------------------------------------


def api_urlpatterns() -> list[URLResolver]:
    """Every context's `urls.urlpatterns`, to mount under /api/v1/ in INSTALLED_APPS order."""
    return [path("", include(module.__name__)) for _, module in _context_modules("urls")]


def websocket_urlpatterns() -> list[URLPattern | URLResolver]:
    return [
        route
        for _, module in _context_modules("routing")
        for route in getattr(module, "websocket_urlpatterns", [])
    ]


# --- seed data ------------------------------------------------------------------------------------


def seed_commands() -> list[str]:
    """Each context's `seed_demo*` commands: contexts in INSTALLED_APPS order (accounts seeds the
    users lms's courses need), commands of one context by name."""
    return [
        command
        for app_config in context_apps()
        for command in sorted(find_commands(os.path.join(app_config.path, "management")))
        if command.startswith(SEED_COMMAND_PREFIX)
    ]
