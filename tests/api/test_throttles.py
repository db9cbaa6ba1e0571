"""The default throttles: anonymous callers per address (THROTTLE_ANON), signed-in callers per
user (THROTTLE_USER), each request counted once, by the throttle that is its own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django_redis import get_redis_connection

from tests.conftest import obtain_tokens

pytestmark = pytest.mark.django_db
PUBLIC = "/api/v1/gigs"  # a public list: anyone may read it


def _keys(pattern: str) -> list[bytes]:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return list(get_redis_connection("default").scan_iter(f"{prefix}:{pattern}"))


def test_anonymous_callers_are_counted_by_the_anonymous_throttle_alone(api, throttle_rates):
    throttle_rates(anon="3/min", user="2/min")
    answers = [api.get(PUBLIC, REMOTE_ADDR="10.4.4.4").status_code for _ in range(4)]

    # The user rate (2) does not apply to them: the anonymous rate (3) does.
    assert answers == [200, 200, 200, 429]
    assert _keys("throttle_anon_*") and not _keys("throttle_user_*")
    assert api.get(PUBLIC, REMOTE_ADDR="10.5.5.5").status_code == 200  # another address


def test_signed_in_callers_are_counted_per_user(api, user, throttle_rates):
    access = obtain_tokens(api, user.email)["access"]
    throttle_rates(anon="1/min", user="2/min")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {access}"}

    answers = [api.get(PUBLIC, REMOTE_ADDR="10.6.6.6", **headers).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert _keys("throttle_user_*") and not _keys("throttle_anon_*")
