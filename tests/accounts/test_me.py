"""GET/PATCH /api/v1/auth/me, and authentication that needs no database query."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts import services

pytestmark = pytest.mark.django_db
ME = "/api/v1/auth/me"


def test_me_returns_the_current_user(auth_api, user):
    response = auth_api.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["display_name"] == "Ada Lovelace"
    assert body["roles"] == ["learner"]
    assert body["timezone"] == "UTC"
    assert body["id"] == user.pk


@pytest.mark.parametrize(
    "header",
    [None, "Bearer not.a.token", "Token abc", "Bearer "],
    ids=["none", "garbage", "wrong-type", "empty"],
)
def test_me_requires_a_valid_token(api, header):
    if header is not None:
        api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in (
        "not_authenticated",
        "token_not_valid",
        "authentication_failed",
    )


def test_patch_changes_name_and_timezone_and_get_sees_it(
    auth_api, django_capture_on_commit_callbacks
):
    auth_api.get(ME)  # cache the user
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_api.patch(
            ME, {"display_name": " Countess ", "timezone": "Europe/London"}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["display_name"] == "Countess"
    # Served from the auth cache: the PATCH must have invalidated it.
    again = auth_api.get(ME).json()
    assert again["display_name"] == "Countess"
    assert again["timezone"] == "Europe/London"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"timezone": "Nowhere/Special"}, "timezone"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"role": "instructor"}, "role"),
        ({"email": "new@example.com"}, "email"),
        ({"is_staff": True}, "is_staff"),
    ],
)
def test_patch_rejects_bad_or_forbidden_fields(auth_api, user, payload, field):
    response = auth_api.patch(ME, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.roles == ["learner"]
    assert user.email == "ada@example.com"
    assert not user.is_staff


def test_authenticated_get_makes_no_query_once_cached(auth_api, django_assert_num_queries):
    auth_api.get(ME)  # first request reads the user from PostgreSQL into Redis
    with django_assert_num_queries(0):
        assert auth_api.get(ME).status_code == 200


def test_deactivated_user_is_locked_out_at_once(auth_api, user, django_capture_on_commit_callbacks):
    assert auth_api.get(ME).status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        user.is_active = False
        user.save()
        services.user_changed_by_operator(user=user)  # what the admin calls on save

    assert auth_api.get(ME).status_code == 401


def test_token_of_a_deleted_user_is_rejected(auth_api, user):
    user.delete()
    assert auth_api.get(ME).status_code == 401


def test_me_is_per_user(db, api, password):
    from tests.conftest import obtain_tokens
    from tests.factories import UserFactory

    other = UserFactory(email="bob@example.com")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(api, other.email)['access']}")
    assert client.get(ME).json()["email"] == "bob@example.com"


def test_a_cached_token_still_expires(api, user):
    """Verified tokens are cached per process; the expiry is checked on every request."""
    import time
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(ME).status_code == 200  # verified and cached
    time.sleep(1.1)

    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_a_tampered_token_is_rejected_even_after_the_real_one_was_cached(auth_api, tokens):
    assert auth_api.get(ME).status_code == 200
    header, payload, signature = tokens["access"].split(".")
    forged = f"{header}.{payload}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}x"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert client.get(ME).status_code == 401
