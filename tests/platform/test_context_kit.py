"""Contexts register themselves (gigsy/contexts.py).

The proof: a throw-away context under tests/ (tests/platform/throwaway_ctx/) is installed by one
INSTALLED_APPS line in a settings module of its own, in a subprocess so this process's URLconf
and settings stay untouched, and everything it declares shows up without any edit to gigsy/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from gigsy.contexts import context_apps, merge_defaults, seed_commands

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import django

django.setup()
from django.conf import settings
from django.test import Client

from gigsy.celery import app as celery_app
from gigsy.contexts import seed_commands
from gigsy.events import registry
from gigsy.events.catalog import all_specs
from gigsy.privacy import exporters
from gigsy.routing import websocket_urlpatterns

response = Client().get("/api/v1/throwaway/greeting")
report = {
    "status": response.status_code,
    "body": response.json() if response.status_code == 200 else response.content.decode(),
    "setting": settings.THROWAWAY_GREETING,
    "beat": settings.CELERY_BEAT_SCHEDULE.get("throwaway.tick"),
    "celery_beat": sorted(celery_app.conf.beat_schedule),
    "event_types": [spec.type for spec in all_specs()],
    "handler": registry.get("throwaway.note_ping").event_type,
    "websocket_routes": [str(route.pattern) for route in websocket_urlpatterns],
    "seeds": seed_commands(),
    "lms_catalog_cache_seconds": settings.LMS_CATALOG_CACHE_SECONDS,
    "exporters": {e.context: [e.name, e.description] for e in exporters()},
    "throwaway_export": next(e for e in exporters() if e.context == "throwaway").export(7),
    "erasers": [h.name for h in registry.all_handlers() if h.event_type == "user.deleted"],
}
print("REPORT " + json.dumps(report))
"""


def probe(settings_module: str, **env: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    clean.pop("THROWAWAY_GREETING", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_ENV": "test", "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, result.stdout[-3000:]
    return json.loads(lines[-1].removeprefix("REPORT "))


def test_a_context_outside_apps_registers_everything_without_an_edit_to_the_kernel():
    report = probe("tests.platform.settings_with_throwaway")

    assert report["status"] == 200, report["body"]
    assert report["body"] == {"greeting": "hello from the default"}
    assert report["setting"] == "hello from the default"
    assert report["beat"] == {"task": "throwaway.tick", "schedule": 42.0}
    assert {"throwaway.tick", "lms.settle_expired_attempts"} <= set(report["celery_beat"])
    assert "throwaway.pinged" in report["event_types"]
    assert report["handler"] == "throwaway.pinged"
    assert "ws/throwaway/echo" in report["websocket_routes"]
    assert report["seeds"][-1] == "seed_demo_throwaway"
    # Leaving and taking one's data (gigsy.privacy): found in its public.py and handlers.py.
    assert report["exporters"]["throwaway"] == [
        "Throw-away context",
        "The pings you sent to the throw-away context.",
    ]
    assert report["throwaway_export"] == {"pings": [], "user id": 7}
    assert "throwaway.erase_user" in report["erasers"]
    # The real contexts are still there alongside it.
    assert report["lms_catalog_cache_seconds"] == 60


@pytest.mark.parametrize(
    ("settings_module", "expected"),
    [
        ("tests.platform.settings_with_throwaway", "from the environment"),
        ("tests.platform.settings_overriding_throwaway", "set by the settings module"),
    ],
    ids=["environment-over-default", "settings-module-over-environment"],
)
def test_a_contexts_setting_is_read_from_the_environment_and_settings_modules_win(
    settings_module, expected
):
    report = probe(settings_module, THROWAWAY_GREETING="from the environment")

    assert report["setting"] == expected
    assert report["body"] == {"greeting": expected}


def test_this_process_never_saw_the_throwaway_context(api):
    assert not hasattr(settings, "THROWAWAY_GREETING")
    assert "throwaway.tick" not in settings.CELERY_BEAT_SCHEDULE
    # The API's catch-all answers: the route is not mounted here.
    assert api.get("/api/v1/throwaway/greeting").status_code == 404


def test_every_context_of_the_project_lives_under_apps():
    # Anything in INSTALLED_APPS that is not in PLATFORM_APPS is treated as a context: a
    # third-party app forgotten there would have its urls.py mounted under /api/v1/.
    assert [app.name for app in context_apps()] == [
        entry for entry in settings.INSTALLED_APPS if entry.startswith("apps.")
    ]


def test_the_real_contexts_register_their_settings_beat_entries_and_throttle_rates():
    assert settings.LMS_PDF_SWEEP_GRACE_SECONDS == 120
    # Each context adds its own entries; these are lms's and gigs'.
    assert {
        "lms.settle_expired_attempts",
        "lms.render_missing_certificate_pdfs",
        "gigs.auto_approve_milestones",
        "gigs.publish_due_reviews",
    } <= set(settings.CELERY_BEAT_SCHEDULE)
    assert settings.CELERY_BEAT_SCHEDULE["lms.render_missing_certificate_pdfs"]["schedule"] == 300
    enums = settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]
    assert enums["LessonKindEnum"] == "apps.lms.models.LessonKind"
    assert {"login_ip", "login_account", "register"} <= set(
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    )


@pytest.mark.django_db
def test_seed_runs_every_contexts_seed_commands_in_installed_apps_order():
    assert seed_commands() == ["seed_demo", "seed_demo_courses", "seed_demo_gigs"]
    out = StringIO()

    call_command("seed", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines.index("seed: seed_demo") < lines.index("seed: seed_demo_courses")
    assert lines.index("seed: seed_demo_courses") < lines.index("seed: seed_demo_gigs")


def module(name: str, **values: Any) -> ModuleType:
    result = ModuleType(name)
    for key, value in values.items():
        setattr(result, key, value)
    return result


def test_merge_adds_missing_names_and_dict_keys_and_never_overrides():
    target = SimpleNamespace(
        KERNEL_SET=1,
        SCHEDULE={"kernel.job": {"schedule": 1}},
        RATES={"outer": {"anon": "1/min"}},
    )
    ctx = module(
        "ctx.settings",
        KERNEL_SET=2,
        CTX_NEW=3,
        SCHEDULE={"kernel.job": {"schedule": 99}, "ctx.job": {"schedule": 5}},
        RATES={"outer": {"anon": "9/min", "login": "2/min"}},
        lower_case_helper="ignored",
    )

    merge_defaults(target, [("ctx", ctx)])

    assert target.KERNEL_SET == 1
    assert target.CTX_NEW == 3
    assert target.SCHEDULE == {"kernel.job": {"schedule": 1}, "ctx.job": {"schedule": 5}}
    assert target.RATES == {"outer": {"anon": "1/min", "login": "2/min"}}
    assert not hasattr(target, "lower_case_helper")
    # Copies: later changes to the settings never write back into the context's module.
    target.SCHEDULE["ctx.job"]["schedule"] = 6
    assert ctx.SCHEDULE["ctx.job"]["schedule"] == 5


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"SAME_NAME": 1}, {"SAME_NAME": 1}),
        ({"SCHEDULE": {"job": 1}}, {"SCHEDULE": {"job": 2}}),
    ],
    ids=["same-name", "same-dict-key"],
)
def test_two_contexts_defining_the_same_setting_is_a_configuration_error(first, second):
    target = SimpleNamespace(SCHEDULE={})

    with pytest.raises(ImproperlyConfigured, match=r"one\.settings and two\.settings"):
        merge_defaults(target, [("two", module("two", **first)), ("one", module("one", **second))])
