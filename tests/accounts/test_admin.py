"""Operators manage users and roles in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("op@example.com", "operator pass 123")


def test_operator_lists_and_filters_users_by_role(client, operator):
    UserFactory(email="teach@example.com", role="instructor")
    client.force_login(operator)

    response = client.get("/admin/accounts/user/?role=instructor")

    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert [u.email for u in rows] == ["teach@example.com"]
    assert b"teach@example.com" in response.content


def test_operator_changes_a_role_and_the_user_sees_it_at_once(
    client, auth_api, user, operator, django_capture_on_commit_callbacks
):
    assert auth_api.get("/api/v1/auth/me").json()["roles"] == ["learner"]  # cached now
    client.force_login(operator)
    form = {
        "email": user.email,
        "display_name": user.display_name,
        "roles": ["learner", "mentor"],
        "timezone": "UTC",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/accounts/user/{user.pk}/change/", form)

    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert user.roles == ["learner", "mentor"]
    assert auth_api.get("/api/v1/auth/me").json()["roles"] == ["learner", "mentor"]


def test_operator_creates_a_user(client, operator):
    client.force_login(operator)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New@Example.com",
            "display_name": "New",
            "roles": ["client"],
            "password1": "a fine passphrase 77",
            "password2": "a fine passphrase 77",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert get_user_model().objects.get(display_name="New").email == "new@example.com"


def test_operator_deleting_a_user_revokes_their_tokens_at_once(
    client, auth_api, user, operator, django_capture_on_commit_callbacks
):
    assert auth_api.get("/api/v1/auth/me").status_code == 200  # cached now
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert auth_api.get("/api/v1/auth/me").status_code == 401


def test_non_operators_cannot_open_the_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_password_an_operator_sets_ends_every_session_of_the_account(
    client, api, user, tokens, operator, django_capture_on_commit_callbacks
):
    """A stolen refresh token must not outlive a password reset done by an operator."""
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/accounts/user/{user.pk}/password/",
            {"password1": "a new long passphrase 91", "password2": "a new long passphrase 91"},
        )
    assert response.status_code == 302, response.content

    refreshed = api.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/v1/auth/me").status_code == 401
