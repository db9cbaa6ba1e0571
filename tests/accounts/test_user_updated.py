"""`user.updated`: accounts tells other contexts when what they show about a user changed,
from the user's own profile edits and from operators' edits in the admin."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from gigsy.events.models import OutboxEvent

pytestmark = pytest.mark.django_db
ME = "/api/v1/auth/me"


def _published() -> list[dict]:
    rows = OutboxEvent.objects.filter(event_type="user.updated").order_by("id")
    return [json.loads(bytes(row.payload)) for row in rows]


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("op@example.com", "operator pass 123")


def _admin_form(user, **changes) -> dict:
    form = {
        "email": user.email,
        "display_name": user.display_name,
        "roles": user.roles,
        "timezone": user.timezone,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_profile_edit_publishes_the_new_display_data(auth_api, user):
    response = auth_api.patch(
        ME, {"display_name": " Countess ", "timezone": "Europe/London"}, format="json"
    )

    assert response.status_code == 200
    [event] = _published()
    assert event["producer"] == "accounts"
    assert event["actor_id"] == str(user.pk)
    assert event["data"] == {
        "user_id": str(user.pk),
        "display_name": "Countess",
        "timezone": "Europe/London",
        "roles": ["learner"],
        "is_active": True,
    }


def test_an_edit_that_changes_nothing_publishes_nothing(auth_api, user):
    response = auth_api.patch(ME, {"display_name": user.display_name}, format="json")

    assert response.status_code == 200
    assert _published() == []


def test_a_rejected_edit_publishes_nothing(auth_api):
    response = auth_api.patch(ME, {"display_name": "New", "timezone": "Mars/Base"}, format="json")

    assert response.status_code == 400
    assert _published() == []


def test_an_operator_changing_a_role_publishes_it(client, user, operator):
    client.force_login(operator)

    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/", _admin_form(user, roles="instructor")
    )

    assert response.status_code == 302, response.content[:2000]
    [event] = _published()
    assert event["actor_id"] == str(operator.pk)
    assert event["data"]["roles"] == ["instructor"]
    assert event["data"]["user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"is_active": None}, lambda data: data["is_active"] is False),
        ({"email": "ada.new@example.com"}, lambda data: data["display_name"] == "Ada Lovelace"),
        ({"display_name": "Ada King"}, lambda data: data["display_name"] == "Ada King"),
    ],
    ids=["deactivated", "email", "name"],
)
def test_an_operator_changing_display_data_publishes_it(client, user, operator, changes, check):
    client.force_login(operator)

    response = client.post(f"/admin/accounts/user/{user.pk}/change/", _admin_form(user, **changes))

    assert response.status_code == 302, response.content[:2000]
    [event] = _published()
    assert check(event["data"])


def test_an_operator_saving_without_display_changes_publishes_nothing(client, user, operator):
    client.force_login(operator)

    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/", _admin_form(user, is_staff="on")
    )

    assert response.status_code == 302, response.content[:2000]
    assert get_user_model().objects.get(pk=user.pk).is_staff
    assert _published() == []
