"""DELETE /auth/me (issue 11): the password re-entered; operators refused; blockers listed;
then the account is pseudonymized (never deleted), every session and token ends, exports and
their archives go, the bus's kept events about it are pseudonymized, `user.deleted` is
published once, and the account answers like an unknown one everywhere (login, refresh, reset,
verification) while its email is free for a new sign-up."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.accounts import public, services
from apps.accounts.models import DataExport, DataExportStatus, SessionFamily, User
from apps.accounts.tasks import build_data_export_task
from gigsy.celery import app as celery_app
from gigsy.events.models import DeadLetter, OutboxEvent
from gigsy.mail.models import SentMail
from gigsy.privacy import Blocker
from tests.conftest import obtain_tokens
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
ME = "/api/v1/auth/me"


@pytest.fixture(autouse=True)
def eager():
    assert build_data_export_task.name == services.DATA_EXPORT_TASK  # registered, runs eagerly
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_APP_URL = "http://app.test"
    return tmp_path


def register(api, email="grace@example.com", name="Grace Hopper"):
    response = api.post(
        "/api/v1/auth/register",
        {
            "email": email,
            "password": DEFAULT_PASSWORD,
            "display_name": name,
            "role": "learner",
            "timezone": "America/New_York",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return User.objects.get(email=email)


def signed_in(user, **extra) -> tuple[APIClient, dict]:
    client = APIClient(**extra)
    tokens = obtain_tokens(client, user.email)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client, tokens


def delete_me(client, password=DEFAULT_PASSWORD):
    return client.delete(ME, {"password": password}, format="json")


def deleted_events() -> list[dict]:
    rows = OutboxEvent.objects.filter(event_type="user.deleted").order_by("id")
    return [json.loads(bytes(row.payload)) for row in rows]


def test_the_wrong_password_is_refused_as_on_an_email_change(user):
    client, _ = signed_in(user)

    response = delete_me(client, "not my password at all")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"password": ["This is not your current password."]}
    user.refresh_from_db()
    assert user.is_active and user.deleted_at is None
    assert deleted_events() == []


def test_a_password_is_required(user):
    client, _ = signed_in(user)

    response = client.delete(ME)

    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_password_guesses_spend_the_accounts_login_budget(user, throttle_rates):
    throttle_rates(login_account="2/min")
    client, _ = signed_in(user)  # the login spent one

    statuses = [delete_me(client, "wrong guess 1").status_code for _ in range(2)]

    assert statuses == [400, 429]


def test_operators_cannot_delete_themselves_through_the_api():
    operator = get_user_model().objects.create_superuser("op@example.com", DEFAULT_PASSWORD)
    client, _ = signed_in(operator)

    response = delete_me(client)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "operator_cannot_delete_self"
    operator.refresh_from_db()
    assert operator.is_active and operator.deleted_at is None


def test_a_context_that_still_needs_the_account_blocks_its_deletion(user, monkeypatch):
    # A context's public.deletion_blockers (gigs will have one: an open contract, escrow).
    def blockers(user_id: int) -> list[Blocker]:
        assert user_id == user.pk
        return [Blocker(code="open_contract", message="Finish or cancel contract 7 first.")]

    monkeypatch.setattr(public, "deletion_blockers", blockers, raising=False)
    client, _ = signed_in(user)

    response = delete_me(client)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "deletion_blocked"
    assert "Finish or cancel contract 7 first." in error["message"]
    assert error["details"] == {
        "blockers": [
            {
                "context": "accounts",
                "code": "open_contract",
                "message": "Finish or cancel contract 7 first.",
            }
        ]
    }
    user.refresh_from_db()
    assert user.is_active and user.deleted_at is None
    assert deleted_events() == []


def test_deleting_pseudonymizes_the_account_and_ends_every_session(
    api, media, django_capture_on_commit_callbacks
):
    grace = register(api)
    _, other_tokens = signed_in(grace, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/1")
    client, tokens = signed_in(grace, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/128.0")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/auth/export").status_code == 202
    assert DataExport.objects.get(user=grace).status == DataExportStatus.READY
    pending = DataExport.objects.create(user=grace)
    assert len(list((media / "exports").iterdir())) == 1
    assert SessionFamily.objects.filter(user=grace).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_me(client)

    assert response.status_code == 204
    grace.refresh_from_db()
    assert grace.email == f"deleted-{grace.pk}@users.invalid"
    assert grace.display_name == "Deleted user"
    assert grace.pending_email == ""
    assert not grace.has_usable_password()
    assert not grace.is_active
    assert grace.roles == [] and grace.requested_roles == []
    assert grace.timezone == "UTC"
    assert grace.email_verified_at is None
    assert grace.deleted_at is not None
    # Sessions ended and erased with their device labels and networks, tokens too.
    assert not SessionFamily.objects.filter(user=grace).exists()
    assert not OutstandingToken.objects.filter(user=grace).exists()
    for access in (tokens["access"], other_tokens["access"]):
        assert APIClient(HTTP_AUTHORIZATION=f"Bearer {access}").get(ME).status_code == 401
    for refresh in (tokens["refresh"], other_tokens["refresh"]):
        refused = api.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")
        assert refused.status_code == 401
    # Exports and their archives are gone (a pending one too: its task finds nothing).
    assert not DataExport.objects.filter(user=grace).exists()
    assert list((media / "exports").iterdir()) == []
    assert services.build_data_export(export_id=pending.pk) is None
    # One event, carrying the id and the pseudonym only.
    [event] = deleted_events()
    assert event["producer"] == "accounts"
    assert event["actor_id"] == str(grace.pk)
    assert event["data"] == {"user_id": str(grace.pk), "pseudonym": "Deleted user"}
    assert public.get_user(grace.pk).display_name == "Deleted user"


def test_a_deleted_account_answers_like_an_unknown_one(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        grace = register(api)
    (grace_link,) = mail.outbox  # the sign-up's verification link
    verification = parse_qs(urlparse(re.search(r"http://\S+", grace_link.body)[0]).query)["token"]
    reset_token = services.make_password_reset_token(grace)
    client, _ = signed_in(grace)
    assert delete_me(client).status_code == 204
    mail.outbox.clear()

    def login(email: str):
        return api.post(
            "/api/v1/auth/token", {"email": email, "password": DEFAULT_PASSWORD}, format="json"
        )

    deleted, unknown = login("grace@example.com"), login("nobody@example.com")
    assert deleted.status_code == unknown.status_code == 401
    assert deleted.json() == unknown.json()
    assert login(f"deleted-{grace.pk}@users.invalid").status_code == 401

    with django_capture_on_commit_callbacks(execute=True):
        reset = api.post(
            "/api/v1/auth/password/reset", {"email": "grace@example.com"}, format="json"
        )
        reset_unknown = api.post(
            "/api/v1/auth/password/reset", {"email": "nobody@example.com"}, format="json"
        )
    assert reset.status_code == reset_unknown.status_code == 202
    assert reset.json() == reset_unknown.json()
    assert mail.outbox == []
    confirm = api.post(
        "/api/v1/auth/password/reset/confirm",
        {"token": reset_token, "new_password": "a brand new passphrase 42"},
        format="json",
    )
    assert confirm.status_code == 400
    assert confirm.json()["error"]["code"] == "invalid_reset_token"

    verify = api.post("/api/v1/auth/email/verify", {"token": verification[0]}, format="json")
    assert verify.status_code == 400
    assert verify.json()["error"]["code"] == "invalid_verification_token"


def test_the_email_is_free_to_register_again(api):
    grace = register(api)
    client, _ = signed_in(grace)
    assert delete_me(client).status_code == 204

    again = register(api, name="Grace Again")

    assert again.pk != grace.pk
    assert again.is_active
    obtain_tokens(APIClient(), "grace@example.com")


def test_user_deleted_is_published_exactly_once(user, django_capture_on_commit_callbacks):
    client, _ = signed_in(user)
    with django_capture_on_commit_callbacks(execute=True):  # the cached user is forgotten
        assert delete_me(client).status_code == 204

    # The request repeated (the service called again, as by a second request that waited for
    # the first one's lock): nothing more happens.
    assert services.delete_account(user=User.objects.get(pk=user.pk), password="x") is False
    again = delete_me(client)  # and the old token no longer gets in at all

    assert again.status_code == 401
    assert len(deleted_events()) == 1


def test_the_events_the_bus_keeps_about_the_account_are_pseudonymized(api):
    grace = register(api)  # user.registered carries her display name and time zone
    someone = register(api, email="ann@example.com", name="Grace Hopper")  # same name, kept
    client, _ = signed_in(grace)
    assert client.patch(ME, {"display_name": "Amazing Grace"}, format="json").status_code == 200
    DeadLetter.objects.create(
        consumer="lms.refresh_learner",
        event_id="00000000-0000-4000-8000-000000000001",
        event_type="user.updated",
        payload={
            "type": "user.updated",
            "data": {"user_id": str(grace.pk), "display_name": "Amazing Grace"},
        },
        error="boom",
        deliveries=5,
    )

    assert delete_me(client).status_code == 204

    def payloads(event_type: str) -> dict[str, dict]:
        rows = OutboxEvent.objects.filter(event_type=event_type)
        events = [json.loads(bytes(row.payload)) for row in rows]
        return {event["data"]["user_id"]: event["data"] for event in events}

    registered = payloads("user.registered")
    assert registered[str(grace.pk)]["display_name"] == "Deleted user"
    assert registered[str(grace.pk)]["timezone"] == "UTC"
    assert registered[str(someone.pk)]["display_name"] == "Grace Hopper"  # someone else's
    assert payloads("user.updated")[str(grace.pk)]["display_name"] == "Deleted user"
    letter = DeadLetter.objects.get()
    assert letter.payload["data"]["display_name"] == "Deleted user"
    every_payload = b"".join(bytes(row.payload) for row in OutboxEvent.objects.all())
    assert b"Amazing Grace" not in every_payload
    assert b"grace@example.com" not in every_payload


def test_mail_records_naming_an_address_are_forgotten(user, django_capture_on_commit_callbacks):
    client, _ = signed_in(user)
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.post(
            "/api/v1/auth/email/change",
            {"new_email": "ada.new@example.com", "password": DEFAULT_PASSWORD},
            format="json",
        )
    assert changed.status_code == 202
    # A record made before keys stopped naming the address.
    SentMail.objects.create(
        key=f"accounts.email_change_notice:{user.pk}:ada.new@example.com:x", template="t"
    )
    assert SentMail.objects.filter(key__startswith="accounts.email_change_notice").count() == 2

    assert delete_me(client).status_code == 204

    assert not SentMail.objects.filter(key__startswith="accounts.email_change_notice").exists()
    assert not SentMail.objects.filter(key__contains="@").exists()
    # The verification link sent meanwhile is kept as a record: its key names no one.
    assert SentMail.objects.filter(key__startswith="accounts.email_verification:").exists()


def test_the_schema_documents_the_password_body(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/auth/me"]["delete"]

    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/DeleteAccountInputRequest"}
    component = schema["components"]["schemas"]["DeleteAccountInputRequest"]
    assert component["required"] == ["password"]
    assert {"204", "400", "403", "409", "429"} <= set(operation["responses"])
    # Other DELETEs still document no body.
    assert "requestBody" not in schema["paths"]["/api/v1/auth/sessions/{session_id}"]["delete"]
