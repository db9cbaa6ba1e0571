"""Fixtures for the idempotency tests: the probe's counter table, signed-in callers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.conftest import obtain_tokens
from tests.factories import UserFactory
from tests.idempotency import urls as probe

PROBE = "/api/v1/idempotency-probe/counters"


@pytest.fixture(scope="session")
def probe_table(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The counter table, created once and committed (transactional tests see it too)."""
    with django_db_blocker.unblock():
        probe.create_table()


@pytest.fixture(autouse=True)
def _probe(probe_table: None, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.idempotency.urls"


def client_of(user: Any) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(APIClient(), user.email)['access']}"
    )
    return client


@pytest.fixture
def ada(db: Any) -> Any:
    return UserFactory(email="ada@example.com", display_name="Ada")


@pytest.fixture
def bob(db: Any) -> Any:
    return UserFactory(email="bob@example.com", display_name="Bob")


@pytest.fixture
def counter() -> str:
    """A counter name of this test's own (rows of transactional tests stay in the table)."""
    return f"c-{uuid.uuid4().hex[:12]}"


def post(client: APIClient, key: str | None, body: Any, url: str = PROBE) -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(url, body, format="json", **headers)
