"""People of the marketplace (verified, with the roles they need) and a gig built through the
services. Each area's tests add their own fixtures on top of these."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import obtain_tokens
from tests.factories import UserFactory


def verified(**kwargs: Any) -> Any:
    """A user whose address is verified (gigs' writes need it: docs/decisions/0021)."""
    return UserFactory(email_verified_at=timezone.now(), **kwargs)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    tokens = obtain_tokens(APIClient(), user.email)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


@pytest.fixture
def client_user(db: Any) -> Any:
    """A verified client who posts gigs."""
    return verified(email="cora@example.com", roles=["client"], display_name="Cora Client")


@pytest.fixture
def freelancer(db: Any) -> Any:
    """A verified learner who applies to gigs."""
    return verified(email="finn@example.com", roles=["learner"], display_name="Finn Freelancer")


@pytest.fixture
def other_freelancer(db: Any) -> Any:
    return verified(email="olga@example.com", roles=["learner"], display_name="Olga Other")


@pytest.fixture
def stranger(db: Any) -> Any:
    """Signed in, verified, both roles, and party to nothing."""
    return verified(email="sam@example.com", roles=["learner", "client"], display_name="Sam")


@pytest.fixture
def operator(db: Any) -> Any:
    return verified(email="opal@example.com", roles=["learner"], display_name="Opal", is_staff=True)
