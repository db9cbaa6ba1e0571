"""Ending sessions: a password change or "log out everywhere" stops every token issued before
it, access tokens included, while the session that asked carries on with fresh tokens."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone as django_timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import services
from apps.accounts.models import SessionFamily, User
from gigsy.api.authentication import _local_users
from tests.conftest import obtain_tokens
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
AUTH = "/api/v1/auth"
NEW_PASSWORD = "a much longer passphrase 2026"


def _client(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _refresh(refresh: str) -> int:
    return (
        APIClient().post(f"{AUTH}/token/refresh", {"refresh": refresh}, format="json").status_code
    )


def _as_another_worker() -> None:
    """Drop this process's 2 s user copies: the next request reads the user the way another
    gunicorn worker would, from Redis (or the database), so a missed invalidation shows."""
    _local_users._entries.clear()


def _start_of_a_second() -> None:
    """Start at the beginning of a fresh second: what follows (a login and a revocation) then
    happens within one second, where whole-second issue times could not tell them apart."""
    time.sleep(1 - time.time() % 1 + 0.01)


@pytest.fixture
def person():
    return UserFactory(email="pat@example.com")


@pytest.mark.django_db(transaction=True)  # commit hooks run: the cached user is invalidated
def test_password_change_ends_other_sessions_and_renews_this_one(person):
    laptop = obtain_tokens(APIClient(), person.email)
    phone = obtain_tokens(APIClient(), person.email)
    me = _client(laptop["access"])
    assert _client(phone["access"]).get(f"{AUTH}/me").status_code == 200  # cached from here

    changed = me.post(
        f"{AUTH}/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert changed.status_code == 200, changed.content
    _as_another_worker()
    fresh = changed.json()
    assert _client(fresh["access"]).get(f"{AUTH}/me").status_code == 200
    assert _refresh(fresh["refresh"]) == 200
    for old in (laptop, phone):
        assert _client(old["access"]).get(f"{AUTH}/me").status_code == 401
        assert _refresh(old["refresh"]) == 401
    login = APIClient().post(
        f"{AUTH}/token", {"email": person.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert login.status_code == 401
    assert obtain_tokens(APIClient(), person.email, NEW_PASSWORD)["access"]


def test_password_change_checks_both_passwords(person):
    me = _client(obtain_tokens(APIClient(), person.email)["access"])

    wrong = me.post(
        f"{AUTH}/password",
        {"current_password": "guess", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert wrong.status_code == 400
    assert "current_password" in wrong.json()["error"]["fields"]
    weak = me.post(
        f"{AUTH}/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "123"},
        format="json",
    )
    assert weak.status_code == 400
    assert weak.json()["error"]["fields"]["new_password"]
    unknown = me.post(f"{AUTH}/password", {"password": NEW_PASSWORD}, format="json")
    assert unknown.status_code == 400
    # Nothing changed: the old password still logs in, the session still works.
    assert obtain_tokens(APIClient(), person.email)["access"]
    assert me.get(f"{AUTH}/me").status_code == 200
    assert APIClient().post(f"{AUTH}/password", {}, format="json").status_code == 401


def test_password_guesses_share_the_login_budget(person, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "login_account": "3/min"},
    }
    me = _client(obtain_tokens(APIClient(), person.email)["access"])  # 1 of 3
    answers = [
        me.post(
            f"{AUTH}/password",
            {"current_password": f"guess {n}", "new_password": NEW_PASSWORD},
            format="json",
        ).status_code
        for n in range(3)
    ]
    assert answers == [400, 400, 429]


@pytest.mark.django_db(transaction=True)
def test_log_out_everywhere(person):
    laptop = obtain_tokens(APIClient(), person.email)
    phone = obtain_tokens(APIClient(), person.email)
    assert _client(laptop["access"]).get(f"{AUTH}/me").status_code == 200  # cached from here

    out = APIClient().post(
        f"{AUTH}/logout", {"refresh": phone["refresh"], "everywhere": True}, format="json"
    )

    assert out.status_code == 204
    _as_another_worker()
    assert _client(laptop["access"]).get(f"{AUTH}/me").status_code == 401
    assert _refresh(laptop["refresh"]) == 401
    assert _refresh(phone["refresh"]) == 401
    again = obtain_tokens(APIClient(), person.email)
    assert _client(again["access"]).get(f"{AUTH}/me").status_code == 200


def test_plain_logout_ends_only_that_session(person):
    laptop = obtain_tokens(APIClient(), person.email)
    phone = obtain_tokens(APIClient(), person.email)

    out = APIClient().post(f"{AUTH}/logout", {"refresh": phone["refresh"]}, format="json")

    assert out.status_code == 204
    assert _refresh(phone["refresh"]) == 401
    assert _refresh(laptop["refresh"]) == 200
    bad = APIClient().post(f"{AUTH}/logout", {"refresh": "x", "everywhere": "maybe"}, format="json")
    assert bad.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_tokens_issued_in_the_same_second_as_the_revocation_end_too(person):
    """Issue 10 (High): `iat` had whole seconds and the revocation time was truncated to its
    second, so tokens minted in that second, before the revocation, kept working."""
    _start_of_a_second()
    stolen = obtain_tokens(APIClient(), person.email)
    mine = obtain_tokens(APIClient(), person.email)

    out = APIClient().post(
        f"{AUTH}/logout", {"refresh": mine["refresh"], "everywhere": True}, format="json"
    )

    assert out.status_code == 204
    _as_another_worker()
    assert _client(stolen["access"]).get(f"{AUTH}/me").status_code == 401
    assert _refresh(stolen["refresh"]) == 401
    # A login right after the revocation (same second, later microsecond) works.
    again = obtain_tokens(APIClient(), person.email)
    assert _client(again["access"]).get(f"{AUTH}/me").status_code == 200
    assert _refresh(again["refresh"]) == 200


def test_a_token_of_an_ended_session_is_refused_even_if_minted_after_the_revocation_time(person):
    """A family is ended as a whole: a refresh token of it is refused even when its issue
    time is later than the user's revocation time (as one minted while the revocation ran
    would be)."""
    session = services.start_session(user=person)
    services.revoke_sessions(user=person)
    before = django_timezone.now() - timedelta(minutes=1)
    User.objects.filter(pk=person.pk).update(sessions_revoked_at=before)
    BlacklistedToken.objects.all().delete()  # only the family says no now
    _as_another_worker()

    assert _refresh(str(session)) == 401
    assert _client(str(session.access_token)).get(f"{AUTH}/me").status_code == 200  # iat only
    assert SessionFamily.objects.get(user=person).ended_because == "everywhere"


def test_a_refresh_token_from_before_session_families_still_rotates_into_one(person):
    legacy = RefreshToken.for_user(person)  # whole-second `iat`, no `fam` claim

    answer = APIClient().post(f"{AUTH}/token/refresh", {"refresh": str(legacy)}, format="json")

    assert answer.status_code == 200
    family = SessionFamily.objects.get(user=person)
    assert RefreshToken(answer.json()["refresh"])["fam"] == str(family.pk)
    assert _refresh(str(legacy)) == 401  # used
    assert SessionFamily.objects.filter(user=person).count() == 1


def test_plain_logout_ends_that_session_family(person):
    tokens = obtain_tokens(APIClient(), person.email)

    assert (
        APIClient()
        .post(f"{AUTH}/logout", {"refresh": tokens["refresh"]}, format="json")
        .status_code
        == 204
    )

    family = SessionFamily.objects.get(user=person)
    assert family.revoked_at is not None
    assert family.ended_because == "logout"
