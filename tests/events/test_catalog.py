"""Publishing is checked against the catalog at once, inside the producer's transaction; the
catalog is collected from each producing context's `events.py`."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from gigsy.events import catalog
from gigsy.events.catalog import InvalidEventDataError, UnknownEventTypeError, spec_for
from gigsy.events.discovery import discover_specs
from gigsy.events.models import OutboxEvent
from gigsy.events.publisher import publish

pytestmark = pytest.mark.django_db
GOOD = {"user_id": "1", "role": "learner", "display_name": "A", "timezone": "UTC"}


def test_undeclared_type_raises():
    with pytest.raises(UnknownEventTypeError, match=r"user\.exploded"):
        publish("user.exploded", {}, producer="accounts")
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({**GOOD, "role": "operator"}, "role"),
        ({k: v for k, v in GOOD.items() if k != "timezone"}, "timezone"),
        ({**GOOD, "user_id": 1}, "user_id"),
        ({**GOOD, "password": "x"}, "password"),
    ],
    ids=["bad-enum", "missing", "wrong-type", "extra-field"],
)
def test_invalid_data_raises_naming_the_field(data, problem):
    with pytest.raises(InvalidEventDataError, match=problem):
        publish("user.registered", data, producer="accounts")
    assert not OutboxEvent.objects.exists()


def test_only_the_declared_producer_may_publish():
    with pytest.raises(ValueError, match="produced by accounts"):
        publish("user.registered", GOOD, producer="gigs")


def test_valid_event_lands_in_the_outbox_with_its_envelope():
    event = publish("user.registered", GOOD, producer="accounts", actor_id="1")

    row = OutboxEvent.objects.get()
    assert str(row.event_id) == event.id
    assert row.subject == "gigsytest.user.registered"
    assert row.sent_at is None
    assert event.version == 1
    assert event.occurred_at.endswith("+00:00")


def test_undeclared_type_error_points_at_the_producers_events_module():
    with pytest.raises(UnknownEventTypeError) as raised:
        publish("chat.undeclared", {}, producer="chat")
    assert "apps/<producer>/events.py" in str(raised.value)
    assert "catalog.py" not in str(raised.value)


def test_every_declared_type_comes_from_its_producers_events_module():
    from gigsy.events.catalog import all_specs

    declared = [spec for spec in all_specs() if spec.producer != "tests"]
    assert {spec.type for spec in declared} >= {"user.registered", "course.completed"}
    for spec in declared:
        app = apps.get_app_config(spec.producer)  # the producer is an installed context...
        importlib.import_module(f"{app.name}.events")  # ...with its own events module


def _fake_context(tmp_path, monkeypatch, label: str, declares_producer: str) -> SimpleNamespace:
    package = tmp_path / label
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "events.py").write_text(
        "from gigsy.events.catalog import ID, EventSpec, register\n"
        f"register(EventSpec(type='{label}.happened', producer='{declares_producer}',\n"
        "    consumers=(), description='Test-only.', properties={'id': ID}))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return SimpleNamespace(name=label, label=label, module=importlib.import_module(label))


def test_discovery_collects_a_contexts_own_types(tmp_path, monkeypatch):
    context = _fake_context(tmp_path, monkeypatch, "h1ctx_own", declares_producer="h1ctx_own")
    try:
        discover_specs([context])
        assert spec_for("h1ctx_own.happened").producer == "h1ctx_own"
    finally:
        catalog.unregister("h1ctx_own.happened")


def test_a_context_cannot_declare_another_producers_type(tmp_path, monkeypatch):
    context = _fake_context(tmp_path, monkeypatch, "h1ctx_squatter", declares_producer="gigs")
    with pytest.raises(ImproperlyConfigured, match=r"h1ctx_squatter\.happened \(producer gigs\)"):
        discover_specs([context])
    with pytest.raises(UnknownEventTypeError):
        spec_for("h1ctx_squatter.happened")
