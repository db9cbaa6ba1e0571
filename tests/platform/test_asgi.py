"""The ASGI process: WebSockets under /ws/; plain HTTP only when told to serve it (dev)."""

from __future__ import annotations

import importlib

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator, WebsocketCommunicator


def load_application(monkeypatch, serve_http: bool):
    monkeypatch.setenv("ASGI_SERVE_HTTP", "1" if serve_http else "0")
    import gigsy.asgi

    return importlib.reload(gigsy.asgi).application


def health_socket(application, origin: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, "/ws/health/", headers=[(b"host", b"127.0.0.1"), (b"origin", origin)]
    )


@pytest.mark.django_db(transaction=True)
def test_websocket_health_route_answers(monkeypatch):
    ws = health_socket(load_application(monkeypatch, serve_http=False), b"http://127.0.0.1")

    async def exchange():
        connected, _ = await ws.connect()
        assert connected
        hello = await ws.receive_json_from()
        await ws.send_json_to({"ping": 1})
        echo = await ws.receive_json_from()
        await ws.disconnect()
        return hello, echo

    hello, echo = async_to_sync(exchange)()
    assert hello == {"type": "hello", "status": "ok"}
    assert echo == {"type": "echo", "data": {"ping": 1}}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "accepted"),
    [(b"https://evil.example", False), (b"http://localhost:3000", True)],
    ids=["foreign", "frontend"],
)
def test_websocket_origin_must_be_the_frontend_or_our_host(monkeypatch, origin, accepted):
    ws = health_socket(load_application(monkeypatch, serve_http=False), origin)

    async def attempt():
        connected, _ = await ws.connect()
        await ws.disconnect()
        return connected

    assert async_to_sync(attempt)() is accepted


def test_production_asgi_does_not_serve_plain_http(monkeypatch):
    application = load_application(monkeypatch, serve_http=False)
    response = async_to_sync(HttpCommunicator(application, "GET", "/healthz").get_response)()
    assert response["status"] == 421


@pytest.mark.django_db(transaction=True)
def test_dev_asgi_serves_http_on_the_same_origin(monkeypatch):
    application = load_application(monkeypatch, serve_http=True)
    request = HttpCommunicator(application, "GET", "/healthz", headers=[(b"host", b"127.0.0.1")])
    response = async_to_sync(request.get_response)()
    assert response["status"] == 200
