"""Login is throttled per account and per client address; 429 carries Retry-After."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token"


def attempt(api, email: str, password: str = "wrong password 99", ip: str = "10.0.0.1"):
    return api.post(TOKEN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def test_per_account_throttle_applies_across_addresses(api, user, password, throttle_rates):
    throttle_rates(login_account="3/min")
    for n in range(3):
        assert attempt(api, user.email, ip=f"10.0.0.{n}").status_code == 401

    blocked = attempt(api, user.email, password=password, ip="10.9.9.9")

    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert blocked.json()["error"]["code"] == "throttled"
    # Same address, another account: not blocked by the per-account limit.
    assert attempt(api, "someone-else@example.com", ip="10.9.9.9").status_code == 401


def test_per_account_throttle_ignores_email_case(api, user, throttle_rates):
    throttle_rates(login_account="2/min")
    attempt(api, "ada@example.com")
    attempt(api, "ADA@example.com")
    assert attempt(api, " Ada@Example.com ").status_code == 429


def test_per_ip_throttle_applies_across_accounts(api, user, throttle_rates):
    throttle_rates(login_ip="4/min")
    for n in range(4):
        assert attempt(api, f"guess{n}@example.com", ip="10.1.1.1").status_code == 401

    blocked = attempt(api, user.email, ip="10.1.1.1")

    assert blocked.status_code == 429
    assert "Retry-After" in blocked
    assert attempt(api, user.email, ip="10.2.2.2").status_code == 401


def test_registration_is_throttled_per_ip(api, throttle_rates):
    throttle_rates(register="2/min")
    body = {"password": "an unguessable passphrase 7", "display_name": "X", "role": "learner"}
    for n in range(2):
        response = api.post(
            "/api/v1/auth/register",
            {**body, "email": f"r{n}@example.com"},
            format="json",
            REMOTE_ADDR="10.3.3.3",
        )
        assert response.status_code == 201
    response = api.post(
        "/api/v1/auth/register",
        {**body, "email": "r9@example.com"},
        format="json",
        REMOTE_ADDR="10.3.3.3",
    )
    assert response.status_code == 429
