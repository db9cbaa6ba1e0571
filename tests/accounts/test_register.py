"""POST /api/v1/auth/register"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/register"
GOOD = {
    "email": "Grace@Example.com",
    "password": "an unguessable passphrase 7",
    "display_name": "Grace Hopper",
    "role": "learner",
}


def test_register_creates_user_and_returns_it(api):
    response = api.post(URL, GOOD, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "grace@example.com"
    assert body["display_name"] == "Grace Hopper"
    assert body["roles"] == ["learner"]
    assert body["requested_roles"] == []
    assert body["timezone"] == "UTC"
    assert "password" not in body
    user = get_user_model().objects.get(email="grace@example.com")
    assert user.check_password(GOOD["password"])


@pytest.mark.parametrize("role", ["learner", "client", "mentor", "instructor"])
def test_every_public_role_can_register(api, role):
    response = api.post(URL, {**GOOD, "email": f"{role}@example.com", "role": role}, format="json")
    assert response.status_code == 201
    assert response.json()["roles"] == [role]


def test_duplicate_email_is_a_conflict_with_a_field_error(api):
    assert api.post(URL, GOOD, format="json").status_code == 201

    response = api.post(URL, {**GOOD, "email": "GRACE@example.COM"}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "email_taken"
    assert "email" in error["fields"]
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901", "grace hopper"],
    ids=["too-short", "common", "numeric", "like-the-name"],
)
def test_weak_password_is_rejected_with_reasons(api, password):
    response = api.post(URL, {**GOOD, "password": password}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["password"]
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD, "role": "operator"}, "role"),
        ({**GOOD, "role": "admin"}, "role"),
        ({**GOOD, "email": "not-an-email"}, "email"),
        ({**GOOD, "email": 42}, "email"),
        ({**GOOD, "display_name": ["a", "list"]}, "display_name"),
        ({**GOOD, "timezone": "Mars/Olympus"}, "timezone"),
        ({k: v for k, v in GOOD.items() if k != "password"}, "password"),
        ({**GOOD, "is_staff": True}, "is_staff"),
    ],
    ids=[
        "staff-role",
        "unknown-role",
        "bad-email",
        "email-int",
        "name-list",
        "bad-tz",
        "missing-password",
        "unknown-field",
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, payload, field):
    response = api.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not get_user_model().objects.exists()


def test_body_that_is_not_an_object_is_a_400(api):
    response = api.post(URL, ["a", "list"], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
