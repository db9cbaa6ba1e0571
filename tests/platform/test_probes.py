"""/healthz, /readyz and /metrics against the real services of this machine."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.django_db(transaction=True)
DEPENDENCIES = {"postgres", "redis", "nats", "mongodb", "vector", "keyword"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_when_every_service_answers(client):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["dependencies"]) == DEPENDENCIES
    for name, state in body["dependencies"].items():
        assert state["status"] == "ok", name
        assert state["latency_ms"] >= 0
    assert body["dependencies"]["vector"]["backend"] == "qdrant-local"
    assert body["dependencies"]["keyword"]["backend"] == "postgres-fts"


@pytest.mark.parametrize(
    ("setting", "template", "name"),
    [
        ("NATS_URL", "nats://127.0.0.1:{port}", "nats"),
        ("REDIS_URL", "redis://127.0.0.1:{port}/0", "redis"),
        ("MONGODB_URL", "mongodb://127.0.0.1:{port}/gigsy", "mongodb"),
        ("QDRANT_URL", "http://127.0.0.1:{port}", "vector"),
        ("MEILISEARCH_URL", "http://127.0.0.1:{port}", "keyword"),
    ],
)
def test_readyz_is_503_naming_the_missing_service(client, settings, setting, template, name):
    setattr(settings, setting, template.format(port=closed_port()))

    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "not_ready"
    assert body["down"] == [name]
    assert body["dependencies"][name]["status"] == "down"
    assert body["dependencies"][name]["hint"]
    assert all(s["status"] == "ok" for n, s in body["dependencies"].items() if n != name)


def test_metrics_count_requests_by_route_and_status(client):
    client.get("/healthz")
    client.get("/api/v1/does-not-exist")

    text = client.get("/metrics").content.decode()

    assert 'gigsy_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert 'route="^api/",status="404"' in text
    assert "gigsy_http_request_duration_seconds_bucket" in text


def test_check_services_command_names_what_is_down(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.NATS_URL = f"nats://127.0.0.1:{closed_port()}"
    with pytest.raises(CommandError, match="nats"):
        call_command("check_services", "nats", "redis")


def test_a_503_from_readyz_is_a_warning_not_a_server_error(client, settings, caplog):
    settings.NATS_URL = f"nats://127.0.0.1:{closed_port()}"

    with caplog.at_level("INFO"):
        assert client.get("/readyz").status_code == 503

    assert not [r for r in caplog.records if r.name == "django.request"]
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert any("readiness.not_ready" in str(r.msg) and "nats" in str(r.msg) for r in warnings)
