"""Password reset end to end: the request answers alike for any address, the emailed link's
token works once, expires, dies when the password changes, and a reset ends every session."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail

from apps.accounts import services
from gigsy.celery import app as celery_app
from gigsy.mail.models import SentMail
from gigsy.mail.tasks import send_mail_task
from tests.conftest import obtain_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REQUEST = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture(autouse=True)
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def request_reset(api, email, django_capture_on_commit_callbacks, ip="10.0.0.1"):
    with django_capture_on_commit_callbacks(execute=True):
        return api.post(REQUEST, {"email": email}, format="json", REMOTE_ADDR=ip)


def token_from(message) -> str:
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith("http://app.test/reset-password?token=")
    return parse_qs(urlparse(link).query)["token"][0]


def confirm(api, token, password=NEW_PASSWORD):
    return api.post(CONFIRM, {"token": token, "new_password": password}, format="json")


@pytest.fixture
def app_url(settings):
    settings.PUBLIC_APP_URL = "http://app.test"


def test_reset_by_email_sets_the_password_once_and_ends_every_session(
    api, user, password, app_url, django_capture_on_commit_callbacks
):
    session = obtain_tokens(api, user.email)
    response = request_reset(api, "  ADA@example.com ", django_capture_on_commit_callbacks)
    assert response.status_code == 202

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Reset your Gigsy password"
    token = token_from(message)
    html = message.alternatives[0][0]
    assert f"http://app.test/reset-password?token={token}" in html
    assert "60 minutes" in message.body

    assert confirm(api, token).status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Every session ended: the old refresh token is refused, the old password too.
    refreshed = api.post(
        "/api/v1/auth/token/refresh", {"refresh": session["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    old_login = api.post(
        "/api/v1/auth/token", {"email": user.email, "password": password}, format="json"
    )
    assert old_login.status_code == 401
    obtain_tokens(api, user.email, NEW_PASSWORD)

    # The token works once, even after a login changed last_login again.
    reused = confirm(api, token, "yet another passphrase 77")
    assert reused.status_code == 400
    assert reused.json()["error"]["code"] == "invalid_reset_token"


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(
    api, user, django_capture_on_commit_callbacks
):
    UserFactory(email="gone@example.com", is_active=False)
    known = request_reset(api, user.email, django_capture_on_commit_callbacks)
    unknown = request_reset(api, "nobody@example.com", django_capture_on_commit_callbacks)
    inactive = request_reset(api, "gone@example.com", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == inactive.status_code == 202
    assert known.content == unknown.content == inactive.content
    assert dict(known.headers).keys() == dict(unknown.headers).keys()
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_password_change_kills_an_unused_token(
    api, user, password, django_capture_on_commit_callbacks
):
    request_reset(api, user.email, django_capture_on_commit_callbacks)
    token = token_from_outbox()
    services.change_password(user=user, current_password=password, new_password=NEW_PASSWORD)

    response = confirm(api, token, "yet another passphrase 77")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reset_token"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def token_from_outbox() -> str:
    (message,) = mail.outbox
    return parse_qs(urlparse(re.search(r"https?://\S+", message.body).group(0)).query)["token"][0]


def test_an_expired_token_is_refused(api, user, settings, monkeypatch):
    token = services.make_password_reset_token(user)
    generator = services.password_reset_tokens
    later = generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(generator, "_now", lambda: later)

    response = confirm(api, token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reset_token"
    monkeypatch.undo()
    assert confirm(api, token).status_code == 204  # the same token, in time


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "garbage",
        "MQ.x-y",
        "!!!.abc",
        "OTk5OTk5.cr9ab1-0123456789abcdef0123456789abcdef",
        "\u00e9t\u00e9.x",
    ],
)
def test_forged_and_malformed_tokens_are_refused_with_a_4xx(api, user, forged):
    response = confirm(api, forged)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_reset_token", "validation_error"}


def test_a_token_for_another_user_does_not_work_for_mine(api, user):
    other = UserFactory(email="eve@example.com")
    _, _, their_part = services.make_password_reset_token(other).partition(".")
    mine = services.make_password_reset_token(user).partition(".")[0]
    assert confirm(api, f"{mine}.{their_part}").status_code == 400
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_a_weak_new_password_is_refused_and_the_token_still_works(api, user):
    token = services.make_password_reset_token(user)
    weak = confirm(api, token, "password")
    assert weak.status_code == 400
    assert "new_password" in weak.json()["error"]["fields"]
    assert confirm(api, token).status_code == 204


def test_the_reset_mail_is_sent_once_even_if_its_task_runs_twice(
    api, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.post(REQUEST, {"email": user.email}, format="json")
    assert len(callbacks) == 1
    callbacks[0]()
    (record,) = SentMail.objects.all()
    # The redelivery: the same task and key again.
    assert (
        send_mail_task.run(
            key=record.key,
            to=user.email,
            template="accounts/password_reset",
            context={"display_name": "x", "link": "x", "valid_minutes": 1},
        )
        is False
    )
    assert len(mail.outbox) == 1


def test_requests_spend_the_login_budgets(api, user, throttle_rates):
    throttle_rates(login_account="2/min")
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert (
            api.post(REQUEST, {"email": user.email}, format="json", REMOTE_ADDR=ip).status_code
            == 202
        )
    # The account's login budget is spent too: a login from a third address waits.
    blocked = api.post(
        "/api/v1/auth/token",
        {"email": user.email, "password": "whatever 123"},
        format="json",
        REMOTE_ADDR="10.0.0.3",
    )
    assert blocked.status_code == 429

    throttle_rates(login_ip="3/min", login_account="100/min")
    for n in range(3):
        api.post(REQUEST, {"email": f"x{n}@example.com"}, format="json", REMOTE_ADDR="10.5.5.5")
    limited = api.post(REQUEST, {"email": "y@example.com"}, format="json", REMOTE_ADDR="10.5.5.5")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "throttled"
