"""Fixtures shared by every test. Tests talk to the real PostgreSQL, Redis and NATS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory

# Every API response a test receives is checked against the OpenAPI schema (tests/contract).
pytest_plugins = ["tests.contract.plugin"]


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Throttle counters and cached users live in Redis (a test-only database)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory(email="ada@example.com", display_name="Ada Lovelace")


def obtain_tokens(client: APIClient, email: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = client.post(
        "/api/v1/auth/token", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def tokens(api: APIClient, user: Any) -> dict:
    return obtain_tokens(api, user.email)


@pytest.fixture
def auth_api(tokens: dict) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


@pytest.fixture
def throttle_rates(settings: Any) -> Any:
    """Set throttle rates for one test: `throttle_rates(login_account="3/min")`."""

    def apply(**rates: str) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **rates},
        }

    return apply
