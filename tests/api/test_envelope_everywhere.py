"""Every path under /api/ answers the JSON error envelope, whatever the method, the cookies or
the Accept header: never Django's HTML "CSRF verification failed" page (docs/decisions/0005)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.test_conventions import assert_envelope

pytestmark = pytest.mark.django_db
METHODS = ["get", "post", "put", "patch", "delete", "options"]


@pytest.fixture
def browser() -> Client:
    """A client that enforces CSRF like a browser's request would meet it."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/nope", "/api/v1/lms/courses/", "/api/v1/auth/register/", "/api/", "/api/v9/x/y"],
)
def test_unknown_api_paths_are_a_json_404_for_every_method(browser, method, path):
    body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
    response = getattr(browser, method)(path, **body)
    assert_envelope(response, 404, "not_found")
    assert b"CSRF" not in response.content


def test_head_on_an_unknown_api_path_is_a_404_without_a_body(browser, contract_violations):
    # (A HEAD answer has no body to check against the schema: the contract hook's business.)
    response = browser.head("/api/v1/nope")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_a_stray_trailing_slash_names_the_path_that_exists(browser):
    error = assert_envelope(browser.post("/api/v1/lms/courses/"), 404, "not_found")
    assert "no trailing slash" in error["message"]
    assert "/api/v1/lms/courses)" in error["message"]
    # A path that exists neither way gets no hint.
    error = assert_envelope(browser.post("/api/v1/lms/nothing/"), 404, "not_found")
    assert "trailing slash" not in error["message"]


def test_token_authenticated_writes_need_no_csrf_token_even_with_cookies(browser, user, password):
    """A browser that also holds a session cookie (e.g. from the admin) still posts with its
    Bearer token and no CSRF token: the API never asks for one."""
    browser.force_login(user)
    tokens = browser.post(
        "/api/v1/auth/token",
        {"email": user.email, "password": password},
        content_type="application/json",
    )
    assert tokens.status_code == 200, tokens.content
    response = browser.patch(
        "/api/v1/auth/me",
        {"display_name": "Ada L."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["display_name"] == "Ada L."


@pytest.mark.urls("tests.api.csrf_urls")
def test_a_csrf_failure_under_api_is_a_json_403(browser):
    response = browser.post("/api/v1/test-plain", {"a": 1})
    error = assert_envelope(response, 403, "permission_denied")
    assert error["message"].startswith("CSRF verification failed")


@pytest.mark.urls("tests.api.csrf_urls")
def test_a_session_authenticated_api_call_without_csrf_token_is_a_json_403(browser, user):
    browser.force_login(user)
    response = browser.post("/api/v1/test-session", {}, content_type="application/json")
    error = assert_envelope(response, 403, "permission_denied")
    assert "CSRF" in error["message"]


@pytest.mark.urls("tests.api.csrf_urls")
def test_outside_the_api_a_csrf_failure_keeps_djangos_page(browser):
    response = browser.post("/test-plain", {"a": 1})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_an_admin_login_without_csrf_token_keeps_djangos_page(browser):
    response = browser.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_wrong_method_on_a_known_route_is_a_405_envelope(browser):
    error = assert_envelope(browser.put("/api/v1/auth/register"), 405, "method_not_allowed")
    assert "PUT" in error["message"]


def test_an_unacceptable_accept_header_is_a_406_envelope(client):
    response = client.get("/api/v1/lms/courses", HTTP_ACCEPT="text/html")
    assert_envelope(response, 406, "not_acceptable")


def test_an_unsupported_content_type_is_a_415_envelope(browser):
    response = browser.post("/api/v1/auth/register", "a=b", content_type="text/plain")
    assert_envelope(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("path", ["/api/v1/lms/courses", "/api/v1/certificates/jwks.json"])
def test_an_unknown_format_is_a_406_naming_what_is_offered(client, path):
    error = assert_envelope(client.get(f"{path}?format=xml"), 406, "not_acceptable")
    assert "'xml'" in error["message"]
    assert "json" in error["message"]


def test_a_format_the_operation_offers_still_works(client):
    assert client.get("/api/v1/lms/courses?format=json").status_code == 200
