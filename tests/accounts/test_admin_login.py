"""The admin login spends the same budgets as the API login (per account and per client
address, apps/accounts/api/throttling.py): a guess at /admin/login/ and one at /api/v1/auth/token
count against the same counters, and a refused admin login is the admin's own form with an
error, never a 500 or an error page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.accounts.settings import REST_FRAMEWORK as ACCOUNTS_REST_FRAMEWORK

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token"
OPERATOR_PASSWORD = "operator pass 123"
REFUSED = "Too many login attempts"


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("op@example.com", OPERATOR_PASSWORD)


@pytest.fixture
def production_rates(throttle_rates):
    """The budgets a deployment runs with (apps/accounts/settings.py), not the test suite's."""
    rates = ACCOUNTS_REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    throttle_rates(login_ip=rates["login_ip"], login_account=rates["login_account"])
    return rates


def admin_login(client, email: str, password: str = "wrong password 99", ip: str = "10.0.0.1"):
    return client.post(
        f"{ADMIN_LOGIN}?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def api_login(api, email: str, password: str = "wrong password 99", ip: str = "10.0.0.1"):
    return api.post(TOKEN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_works_at_the_admin_login(client, operator):
    response = admin_login(client, operator.email, OPERATOR_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert is_signed_in(client)


def test_25_wrong_passwords_then_the_right_one_is_refused(client, operator, production_rates):
    """The sweep's finding: 25 wrong passwords in 15 s, then the right one signed in."""
    for n in range(25):
        response = admin_login(client, operator.email, ip=f"10.0.{n}.1")
        assert response.status_code == 200

    response = admin_login(client, operator.email, OPERATOR_PASSWORD, ip="10.9.9.9")

    assert response.status_code == 200
    assert not is_signed_in(client)
    assert REFUSED in response.content.decode()


def test_a_refused_admin_login_is_the_admin_form_with_an_error(client, operator, throttle_rates):
    throttle_rates(login_account="2/min")
    admin_login(client, operator.email)
    admin_login(client, operator.email)

    response = admin_login(client, operator.email, OPERATOR_PASSWORD)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'id="login-form"' in page  # the admin's own login form, filled in again
    assert REFUSED in page
    assert "errornote" in page
    assert not is_signed_in(client)


def test_admin_guesses_spend_the_api_login_budget_of_the_account(
    client, api, operator, throttle_rates
):
    throttle_rates(login_account="3/min")
    for n in range(3):
        assert admin_login(client, operator.email, ip=f"10.0.0.{n}").status_code == 200

    blocked = api_login(api, operator.email, OPERATOR_PASSWORD, ip="10.9.9.9")

    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "throttled"


def test_api_guesses_spend_the_admin_login_budget_of_the_account(
    client, api, operator, throttle_rates
):
    throttle_rates(login_account="3/min")
    for n in range(3):
        assert api_login(api, operator.email, ip=f"10.0.0.{n}").status_code == 401

    response = admin_login(client, " OP@Example.com ", OPERATOR_PASSWORD, ip="10.9.9.9")

    assert REFUSED in response.content.decode()
    assert not is_signed_in(client)


def test_admin_guesses_spend_the_login_budget_of_the_address(
    client, api, operator, user, throttle_rates
):
    throttle_rates(login_ip="4/min")
    for n in range(2):
        admin_login(client, f"guess{n}@example.com", ip="10.1.1.1")
        api_login(api, f"other{n}@example.com", ip="10.1.1.1")

    refused = admin_login(client, operator.email, OPERATOR_PASSWORD, ip="10.1.1.1")
    blocked = api_login(api, user.email, ip="10.1.1.1")

    assert REFUSED in refused.content.decode()
    assert not is_signed_in(client)
    assert blocked.status_code == 429
    # Another address still may try.
    assert admin_login(client, operator.email, OPERATOR_PASSWORD, ip="10.2.2.2").status_code == 302


def test_showing_the_admin_login_form_spends_no_budget(client, operator, throttle_rates):
    throttle_rates(login_ip="1/min", login_account="1/min")
    for _ in range(3):
        assert client.get(ADMIN_LOGIN, REMOTE_ADDR="10.0.0.1").status_code == 200

    assert admin_login(client, operator.email, OPERATOR_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"username": "", "password": ""},
        {"username": "x" * 10_000, "password": "y"},
        {"username": ["a", "b"], "password": "y"},
        {"username": "nul\x00byte@example.com", "password": "y"},
    ],
    ids=["empty", "blank", "long", "repeated", "nul"],
)
def test_malformed_admin_logins_are_the_form_with_errors(client, operator, throttle_rates, form):
    throttle_rates(login_account="1/min")

    response = client.post(ADMIN_LOGIN, form, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 200
    assert 'id="login-form"' in response.content.decode()
    assert not is_signed_in(client)
