"""Cross-origin browser code can read the headers the API answers with."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
EXPOSED = {
    "x-request-id",
    "retry-after",
    "content-disposition",
    "etag",
    "location",
    "idempotent-replayed",
}


def _exposed(response) -> set[str]:
    return {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}


def test_an_allowed_origin_may_read_the_headers_that_matter(client, settings):
    origin = settings.CORS_ALLOWED_ORIGINS[0]
    response = client.get("/api/v1/lms/courses", HTTP_ORIGIN=origin)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == origin
    assert _exposed(response) == EXPOSED
    assert "X-Request-ID" in response


def test_error_answers_expose_them_too(client, settings):
    """A 429's Retry-After and an error's X-Request-ID are what a client needs most."""
    origin = settings.CORS_ALLOWED_ORIGINS[0]
    response = client.get("/api/v1/nope", HTTP_ORIGIN=origin)
    assert response.status_code == 404
    assert _exposed(response) == EXPOSED


def test_another_origin_is_told_nothing(client):
    response = client.get("/api/v1/lms/courses", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Expose-Headers" not in response
