"""Email verification end to end with the test outbox: sign-up mails a link once, the link
verifies once, expired, reused and forged links are refused, resending is throttled, and an
email change replaces the address only once the new one is verified (the old one is told)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail, signing
from rest_framework.test import APIClient

from apps.accounts import public, services
from apps.accounts.models import User
from gigsy.celery import app as celery_app
from tests.conftest import obtain_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
VERIFY = "/api/v1/auth/email/verify"
RESEND = "/api/v1/auth/email/verify/resend"
CHANGE = "/api/v1/auth/email/change"


@pytest.fixture(autouse=True)
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def app_url(settings):
    settings.PUBLIC_APP_URL = "http://app.test"


def token_from(message) -> str:
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith("http://app.test/verify-email?token=")
    return parse_qs(urlparse(link).query)["token"][0]


def verify(api, token):
    return api.post(VERIFY, {"token": token}, format="json")


def signed_in(user, password: str | None = None) -> APIClient:
    args = (password,) if password else ()
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(client, user.email, *args)['access']}"
    )
    return client


GRACE_PASSWORD = "a long enough passphrase 7"


def register(api, capture, email="grace@example.com"):
    with capture(execute=True):
        response = api.post(
            "/api/v1/auth/register",
            {
                "email": email,
                "password": GRACE_PASSWORD,
                "display_name": "Grace Hopper",
                "role": "learner",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    return User.objects.get(email=email)


def me(user) -> dict:
    return signed_in(user, GRACE_PASSWORD).get("/api/v1/auth/me").json()


def test_sign_up_mails_one_link_that_verifies_the_address_once(
    api, django_capture_on_commit_callbacks
):
    user = register(api, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == ["grace@example.com"]
    assert message.subject == "Verify your Gigsy email address"
    token = token_from(message)
    assert f"http://app.test/verify-email?token={token}" in message.alternatives[0][0]
    assert "3 days" in message.body
    assert me(user)["email_verified"] is False
    assert public.is_email_verified(user) is False

    # After commit the cached request user is forgotten: /auth/me tells at once.
    with django_capture_on_commit_callbacks(execute=True):
        assert verify(api, token).status_code == 204
    user = User.objects.get(pk=user.pk)
    assert user.email_verified_at is not None
    assert me(user)["email_verified"] is True
    assert public.is_email_verified(user) is True
    assert public.get_user(user.pk).email_verified is True

    reused = verify(api, token)
    assert reused.status_code == 400
    assert reused.json()["error"]["code"] == "invalid_verification_token"


def test_an_expired_link_is_refused(api, user, settings, monkeypatch):
    old = int(time.time()) - settings.EMAIL_VERIFICATION_TIMEOUT_SECONDS - 5
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(old))
    expired = services.make_email_verification_token(user)
    monkeypatch.undo()
    response = verify(api, expired)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_verification_token"
    assert verify(api, services.make_email_verification_token(user)).status_code == 204


@pytest.mark.parametrize(
    "forged",
    ["", "nonsense", "a:b:c", "x" * 400, "eyJ1IjoxfQ:1abc:forgedsignature"],
)
def test_forged_and_malformed_links_are_refused_with_a_4xx(api, user, forged):
    response = verify(api, forged)
    assert response.status_code == 400
    if forged:
        assert response.json()["error"]["code"] == "invalid_verification_token"
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_payload_signed_with_another_salt_or_naming_another_user_is_refused(api, user):
    other = UserFactory()
    wrong_salt = signing.TimestampSigner(salt="another").sign_object(
        {"u": user.pk, "k": "email", "h": "0" * 32}
    )
    assert verify(api, wrong_salt).status_code == 400
    # A real token of `other`, its user id swapped for mine: the signature breaks.
    value = signing.TimestampSigner(salt="apps.accounts.email_verification").unsign_object(
        services.make_email_verification_token(other)
    )
    swapped = signing.TimestampSigner(salt="another").sign_object({**value, "u": user.pk})
    assert verify(api, swapped).status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_resend_mails_a_new_link_and_is_throttled(
    user, throttle_rates, django_capture_on_commit_callbacks
):
    throttle_rates(email_verification="2/min")
    client = signed_in(user)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(RESEND).status_code == 202
    limited = client.post(RESEND)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "throttled"
    assert len(mail.outbox) >= 1
    assert all(message.to == [user.email] for message in mail.outbox)
    assert verify(APIClient(), token_from(mail.outbox[-1])).status_code == 204


def test_resend_to_a_verified_address_is_a_409_and_needs_a_sign_in(api, user):
    assert api.post(RESEND).status_code == 401
    assert verify(api, services.make_email_verification_token(user)).status_code == 204
    response = signed_in(User.objects.get(pk=user.pk)).post(RESEND)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_already_verified"
    assert mail.outbox == []


def test_an_email_change_replaces_the_address_only_once_the_new_one_is_verified(
    api, user, password, django_capture_on_commit_callbacks
):
    client = signed_in(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGE, {"new_email": "Ada.New@Example.com", "password": password}, format="json"
        )
    assert response.status_code == 202, response.content
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"ada@example.com", "ada.new@example.com"}
    notice = by_recipient["ada@example.com"]
    assert notice.subject == "Your Gigsy email address is about to change"
    assert "ada.new@example.com" in notice.body
    assert "verify-email" not in notice.body  # the old address gets no link
    link = by_recipient["ada.new@example.com"]
    assert link.subject == "Confirm your new Gigsy email address"

    user.refresh_from_db()
    assert user.email == "ada@example.com"  # not replaced yet
    assert client.get("/api/v1/auth/me").json()["pending_email"] == "ada.new@example.com"

    assert verify(api, token_from(link)).status_code == 204
    user.refresh_from_db()
    assert user.email == "ada.new@example.com"
    assert user.pending_email == ""
    assert user.email_verified_at is not None
    obtain_tokens(api, "ada.new@example.com", password)
    assert verify(api, token_from(link)).status_code == 400  # once only


def test_an_email_change_needs_the_password_and_a_free_address(
    user, password, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.com")
    client = signed_in(user)
    wrong = client.post(CHANGE, {"new_email": "new@example.com", "password": "nope"}, format="json")
    assert wrong.status_code == 400
    assert "password" in wrong.json()["error"]["fields"]
    taken = client.post(
        CHANGE, {"new_email": "TAKEN@example.com", "password": password}, format="json"
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "email_taken"
    same = client.post(CHANGE, {"new_email": user.email, "password": password}, format="json")
    assert same.status_code == 400
    assert mail.outbox == []


def test_an_address_taken_meanwhile_is_a_409_at_confirmation(
    api, user, password, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            signed_in(user)
            .post(CHANGE, {"new_email": "new@example.com", "password": password}, format="json")
            .status_code
            == 202
        )
    (link,) = [message for message in mail.outbox if message.to == ["new@example.com"]]
    UserFactory(email="new@example.com")
    response = verify(api, token_from(link))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    user.refresh_from_db()
    assert user.email == "ada@example.com"


def test_a_newer_change_kills_the_older_link(
    user, password, api, django_capture_on_commit_callbacks
):
    client = signed_in(user)
    for address in ("first@example.com", "second@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            body = {"new_email": address, "password": password}
            assert client.post(CHANGE, body, format="json").status_code == 202
    links = {m.to[0]: m for m in mail.outbox if "verify-email" in m.body}
    assert verify(api, token_from(links["first@example.com"])).status_code == 400
    assert verify(api, token_from(links["second@example.com"])).status_code == 204
    user.refresh_from_db()
    assert user.email == "second@example.com"
