"""Token pair, refresh rotation, logout."""

from __future__ import annotations

import pytest

from tests.conftest import obtain_tokens

pytestmark = pytest.mark.django_db
TOKEN, REFRESH, LOGOUT, ME = (
    "/api/v1/auth/token",
    "/api/v1/auth/token/refresh",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
)


def me_status(api, access: str) -> int:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    try:
        return api.get(ME).status_code
    finally:
        api.credentials()


def test_login_returns_a_working_pair(api, user, password):
    response = api.post(TOKEN, {"email": user.email, "password": password}, format="json")

    assert response.status_code == 200
    pair = response.json()
    assert set(pair) == {"access", "refresh"}
    assert me_status(api, pair["access"]) == 200


def test_login_email_is_case_insensitive(api, user, password):
    response = api.post(TOKEN, {"email": "  ADA@Example.com", "password": password}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "ada@example.com", "password": "wrong password 99"},
        {"email": "nobody@example.com", "password": "whatever it is 99"},
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_bad_credentials_are_401_in_the_envelope(api, user, credentials):
    response = api.post(TOKEN, credentials, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "no_active_account"


def test_inactive_user_cannot_log_in(api, user, password):
    user.is_active = False
    user.save()
    response = api.post(TOKEN, {"email": user.email, "password": password}, format="json")
    assert response.status_code == 401


def test_login_without_fields_is_a_400(api, user):
    response = api.post(TOKEN, {"email": user.email}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_refresh_rotates_and_the_used_token_is_rejected(api, tokens):
    first = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert first.status_code == 200
    rotated = first.json()
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != tokens["refresh"]
    assert me_status(api, rotated["access"]) == 200

    again = api.post(REFRESH, {"refresh": rotated["refresh"]}, format="json")
    assert again.status_code == 200  # the new refresh token works, and rotates again
    assert me_status(api, again.json()["access"]) == 200


def test_a_reused_refresh_token_ends_its_whole_session(api, user, tokens):
    """Refresh token rotation with reuse detection (OAuth 2.0 Security BCP): when a used token
    comes back, the thief or the owner has a copy; the session ends for both."""
    other_session = obtain_tokens(api, user.email)
    rotated = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()

    reused = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"
    assert "already used" in reused.json()["error"]["message"]
    # The newest token of that session, which the thief may hold, no longer refreshes...
    assert api.post(REFRESH, {"refresh": rotated["refresh"]}, format="json").status_code == 401
    # ...and the user's other session is untouched.
    assert (
        api.post(REFRESH, {"refresh": other_session["refresh"]}, format="json").status_code == 200
    )


def test_an_access_token_is_not_a_refresh_token(api, tokens):
    response = api.post(REFRESH, {"refresh": tokens["access"]}, format="json")
    assert response.status_code == 401


def test_logout_blacklists_the_refresh_token(api, tokens):
    response = api.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    after = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert after.status_code == 401
    assert api.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 401


@pytest.mark.parametrize("body", [{"refresh": "not-a-jwt"}, {}, {"refresh": 12}])
def test_logout_with_a_bad_token_is_a_clear_4xx(api, body):
    response = api.post(LOGOUT, body, format="json")
    assert response.status_code in (400, 401)
    assert "error" in response.json()


def test_two_sessions_are_independent(api, user):
    laptop, phone = obtain_tokens(api, user.email), obtain_tokens(api, user.email)

    assert api.post(LOGOUT, {"refresh": laptop["refresh"]}, format="json").status_code == 204
    assert api.post(REFRESH, {"refresh": phone["refresh"]}, format="json").status_code == 200
