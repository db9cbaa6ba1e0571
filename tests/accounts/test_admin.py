"""Operators manage users and roles in the admin."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail

from apps.accounts import public, services
from gigsy.celery import app as celery_app
from gigsy.events.models import OutboxEvent
from tests.conftest import obtain_tokens
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


# --- email addresses and roles by hand, with a reason (docs/decisions/0024) ----------------------

USERS = "/admin/accounts/user/"


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def act(client, action: str, *users, **extra):
    return client.post(
        USERS, {"action": action, "_selected_action": [u.pk for u in users], **extra}
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def history_of(user) -> list[str]:
    entries = LogEntry.objects.filter(object_id=str(user.pk)).order_by("action_time", "pk")
    return [entry.get_change_message() for entry in entries]


def user_updated_events() -> list[dict]:
    rows = OutboxEvent.objects.filter(event_type="user.updated").order_by("id")
    return [json.loads(bytes(row.payload)) for row in rows]


def role_events() -> list[dict]:
    return [event["data"] for event in user_updated_events()]


def test_verifying_an_address_by_hand_asks_why_then_opens_the_gates_and_tells_the_owner(
    client, auth_api, user, operator, eager, django_capture_on_commit_callbacks
):
    assert auth_api.get("/api/v1/auth/me").json()["email_verified"] is False  # cached now
    client.force_login(operator)

    page = act(client, "verify_emails", user)

    assert page.status_code == 200
    assert page.templates[0].name == "admin/accounts/user/address_verification.html"
    assert "ada@example.com" in page.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None  # nothing changes before the reason is given

    with django_capture_on_commit_callbacks(execute=True):
        done = act(client, "verify_emails", user, apply="1", reason="Checked their ID on a call")

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert auth_api.get("/api/v1/auth/me").json()["email_verified"] is True
    assert history_of(user) == ["Email address verified: Checked their ID on a call"]
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Your Gigsy email address is verified"
    assert "Checked their ID" not in message.body  # the reason is the operators' note
    assert messages_of(done) == ["Marked verified: ada@example.com."]


def test_unverifying_closes_the_gates_at_once_and_mails_a_new_link_that_works(
    client, api, auth_api, user, operator, eager, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_APP_URL = "http://app.test"
    services.set_email_verified_by_operator(user_id=user.pk, verified=True)
    mail.outbox.clear()
    assert auth_api.get("/api/v1/auth/me").json()["email_verified"] is True  # cached now
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        done = act(client, "unverify_emails", user, apply="1", reason="Mail bounces")

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is None
    assert public.is_email_verified(user) is False
    assert auth_api.get("/api/v1/auth/me").json()["email_verified"] is False
    assert history_of(user) == ["Email address marked not verified: Mail bounces"]
    (message,) = mail.outbox
    assert message.subject == "Please verify your Gigsy email address again"
    assert "Mail bounces" not in message.body
    link = re.search(r"http://app\.test/verify-email\?token=\S+", message.body).group(0)
    token = parse_qs(urlparse(link).query)["token"][0]

    with django_capture_on_commit_callbacks(execute=True):
        verified = api.post("/api/v1/auth/email/verify", {"token": token}, format="json")

    assert verified.status_code == 204
    assert auth_api.get("/api/v1/auth/me").json()["email_verified"] is True


def test_an_address_already_in_that_state_is_left_alone_and_nobody_is_mailed(
    client, user, operator, eager, django_capture_on_commit_callbacks
):
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        done = act(client, "unverify_emails", user, apply="1", reason="Just in case")

    assert messages_of(done) == ["Already not verified, left unchanged: ada@example.com."]
    assert mail.outbox == []
    assert history_of(user) == []


def test_an_action_without_a_reason_asks_again_and_changes_nothing(client, user, operator):
    client.force_login(operator)

    page = act(client, "grant_role", user, apply="1", role="client", reason="")

    assert page.status_code == 200
    assert page.context["form"].errors == {"reason": ["This field is required."]}
    user.refresh_from_db()
    assert user.roles == ["learner"]


def test_granting_instructor_by_hand_counts_as_approved_and_the_next_request_sees_it(
    client, user, auth_api, operator, django_capture_on_commit_callbacks
):
    user.requested_roles = ["instructor", "mentor"]
    user.save()
    assert auth_api.post("/api/v1/lms/courses", {"title": "Mine"}, format="json").status_code == 403
    client.force_login(operator)

    page = act(client, "grant_role", user)
    assert page.templates[0].name == "admin/accounts/user/role_change.html"
    assert "asks for instructor, mentor" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = act(client, "grant_role", user, apply="1", role="instructor", reason="Taught at MIT")

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.roles == ["instructor", "learner"]
    assert user.requested_roles == ["mentor"]  # the other request still waits
    assert history_of(user) == ["Granted role instructor: Taught at MIT"]
    assert role_events()[-1]["roles"] == ["instructor", "learner"]
    assert user_updated_events()[-1]["actor_id"] == str(operator.pk)
    assert auth_api.get("/api/v1/auth/me").json()["roles"] == ["instructor", "learner"]
    assert auth_api.post("/api/v1/lms/courses", {"title": "Mine"}, format="json").status_code == 201
    # Holding the role is not being a verified instructor (docs/decisions/0011).
    assert public.is_verified_instructor(user.pk) is False


def test_granting_a_held_role_changes_nothing(client, user, operator):
    client.force_login(operator)

    done = act(client, "grant_role", user, apply="1", role="learner", reason="Sure")

    assert messages_of(done) == ["Already hold learner: ada@example.com."]
    assert role_events() == []
    assert history_of(user) == []


def test_removing_a_role_by_hand_and_never_the_last_one(
    client, user, auth_api, operator, django_capture_on_commit_callbacks
):
    solo = UserFactory(email="solo@example.com", role="client")
    user.roles = ["client", "learner"]
    user.save()
    assert auth_api.get("/api/v1/auth/me").json()["roles"] == ["client", "learner"]  # cached
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        done = act(client, "remove_role", user, solo, apply="1", role="client", reason="Fraud")

    assert messages_of(done) == [
        "Removed client: ada@example.com.",
        "Not removed, client is their only role (an account keeps at least one; grant another "
        "first): solo@example.com.",
    ]
    user.refresh_from_db()
    solo.refresh_from_db()
    assert user.roles == ["learner"]
    assert solo.roles == ["client"]
    assert history_of(user) == ["Removed role client: Fraud"]
    assert history_of(solo) == []
    assert role_events() == [
        {
            "user_id": str(user.pk),
            "display_name": user.display_name,
            "timezone": "UTC",
            "roles": ["learner"],
            "is_active": True,
        }
    ]
    assert auth_api.get("/api/v1/auth/me").json()["roles"] == ["learner"]


def test_removing_a_role_only_asked_for_leaves_the_request_to_the_refuse_action(
    client, user, operator
):
    user.requested_roles = ["mentor"]
    user.save()
    client.force_login(operator)

    done = act(client, "remove_role", user, apply="1", role="mentor", reason="No")

    assert messages_of(done) == ["Do not hold mentor: ada@example.com."]
    user.refresh_from_db()
    assert user.requested_roles == ["mentor"]


def test_the_user_page_shows_the_address_state_and_the_live_sessions(client, api, user, operator):
    obtain_tokens(api, user.email)
    user.pending_email = "ada@new.example.com"
    user.save()
    client.force_login(operator)

    page = client.get(f"{USERS}{user.pk}/change/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "Email address" in content and "ada@new.example.com" in content
    (sessions,) = page.context["inline_admin_formsets"]
    assert [f.instance.user_id for f in sessions.formset.forms] == [user.pk]
    services.set_email_verified_by_operator(user_id=user.pk, verified=True)
    listing = client.get(USERS, {"email_verified": "yes"})
    assert [u.email for u in listing.context["cl"].result_list] == ["ada@example.com"]
    unverified = client.get(USERS, {"email_verified": "no"}).context["cl"].result_list
    assert [u.email for u in unverified] == ["op@example.com"]
    actions = [name for name, _ in listing.context["action_form"].fields["action"].choices]
    for action in ("verify_emails", "unverify_emails", "grant_role", "remove_role"):
        assert action in actions
    assert "end_all_sessions" in actions
