"""Passwords are hashed with Argon2id (issue 10); hashes made earlier (PBKDF2, or Argon2 with
other costs) still log in and are rehashed with the project's costs at that login."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from rest_framework.test import APIClient

from apps.accounts.models import User
from gigsy.settings import base
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
OUR_ARGON2ID = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashers(settings):
    # The test settings use MD5 for speed; these tests use what every deployment uses.
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def _login(email: str, password: str) -> int:
    return (
        APIClient()
        .post("/api/v1/auth/token", {"email": email, "password": password}, format="json")
        .status_code
    )


def test_deployments_hash_with_argon2id_and_still_read_pbkdf2():
    assert base.PASSWORD_HASHERS[0] == "apps.accounts.rules.Argon2idPasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS


def test_a_new_password_is_an_argon2id_hash(production_hashers):
    user = UserFactory(email="new@example.com")
    user.set_password(DEFAULT_PASSWORD)

    assert user.password.startswith(OUR_ARGON2ID)
    assert user.check_password(DEFAULT_PASSWORD)
    assert not user.check_password("not it at all 123")


@pytest.mark.parametrize(
    "algorithm", ["pbkdf2_sha256", "argon2"], ids=["pbkdf2", "argon2-with-djangos-default-costs"]
)
def test_an_older_hash_logs_in_and_is_upgraded_on_that_login(
    production_hashers, settings, algorithm
):
    user = UserFactory(email="old@example.com")
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    old_hash = make_password(DEFAULT_PASSWORD, hasher=algorithm)
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    User.objects.filter(pk=user.pk).update(password=old_hash)
    assert not old_hash.startswith(OUR_ARGON2ID)

    assert _login(user.email, "a wrong password 2026") == 401
    user.refresh_from_db()
    assert user.password == old_hash  # a failed login changes nothing

    assert _login(user.email, DEFAULT_PASSWORD) == 200
    user.refresh_from_db()
    assert user.password.startswith(OUR_ARGON2ID)
    assert identify_hasher(user.password).algorithm == "argon2"
    assert _login(user.email, DEFAULT_PASSWORD) == 200  # and the new hash logs in
