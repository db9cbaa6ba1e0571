"""API conventions every endpoint inherits: error envelope, 404/405/413/415, request ids, docs."""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db
REGISTER = "/api/v1/auth/register"


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


@pytest.mark.parametrize(
    "body",
    ['{"email": "a@b.c",', "not json at all", '{"a": NaN}', "\x00\x01"],
    ids=["truncated", "text", "nan", "binary"],
)
def test_malformed_json_is_a_400_envelope(client, body):
    response = client.post(REGISTER, data=body, content_type="application/json")
    assert_envelope(response, 400, "malformed_request")


def test_unsupported_media_type_is_a_415_envelope(client):
    response = client.post(REGISTER, data="<xml/>", content_type="application/xml")
    assert_envelope(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/auth/me", "/nothing-here"])
def test_unknown_route_is_a_404_envelope(client, path):
    assert_envelope(client.get(path), 404, "not_found")


def test_wrong_method_is_a_405_envelope(client):
    assert_envelope(client.get(REGISTER), 405, "method_not_allowed")
    assert_envelope(client.delete("/api/v1/auth/token"), 405, "method_not_allowed")


def test_oversized_body_is_a_413_envelope_and_nothing_is_created(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 2048  # read by the middleware at start-up
    from django.test import Client

    fresh = Client()  # a new handler picks up the new limit
    payload = json.dumps(
        {
            "email": "big@example.com",
            "password": "x" * 5000,
            "display_name": "Big",
            "role": "learner",
        }
    )
    response = fresh.post(REGISTER, data=payload, content_type="application/json")

    error = assert_envelope(response, 413, "payload_too_large")
    assert "2048" in error["message"]
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="big@example.com").exists()


def test_default_limit_allows_normal_bodies_and_rejects_a_megabyte(client):
    huge = json.dumps({"email": "x@example.com", "display_name": "y" * (1024 * 1024)})
    assert client.post(REGISTER, data=huge, content_type="application/json").status_code == 413


def test_chunked_body_without_length_is_a_411(client):
    response = client.post(
        REGISTER, data=b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert_envelope(response, 411, "length_required")


def test_request_id_is_echoed_when_given(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.def")
    assert response["X-Request-ID"] == "abc-123.def"


def test_request_id_is_created_when_missing_or_unsafe(client):
    created = client.get("/healthz")["X-Request-ID"]
    unsafe = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]

    assert len(created) == 32
    assert len(unsafe) == 32
    assert created != unsafe


def test_request_id_is_on_every_log_line_of_the_request(client, caplog):
    caplog.set_level(logging.INFO)
    client.post(
        REGISTER,
        data={"email": "log@example.com"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="trace-me-42",
    )

    lines = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    finished = [line for line in lines if line.get("event") == "request.finished"]
    assert finished, "the request logged nothing"
    assert all(line.get("request_id") == "trace-me-42" for line in lines)
    assert finished[0]["status"] == 400
    assert finished[0]["route"] == "api/v1/auth/register"


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/api/v1/nope", HTTP_X_REQUEST_ID="err-1")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "err-1"


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ["register", "token", "token/refresh", "logout", "me"]:
        assert f"/api/v1/auth/{path}" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_openapi_schema_generates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=out)
    assert "/api/v1/auth/me" in out.getvalue()


def test_cors_allows_the_frontend_origin(client, settings):
    origin = settings.CORS_ALLOWED_ORIGINS[0]
    response = client.options(
        "/api/v1/auth/me", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert response["Access-Control-Allow-Origin"] == origin
    other = client.options(
        "/api/v1/auth/me",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert "Access-Control-Allow-Origin" not in other
