"""Publishing is checked against the catalog at once, inside the producer's transaction."""

from __future__ import annotations

import pytest

from gigsy.events.catalog import InvalidEventDataError, UnknownEventTypeError
from gigsy.events.models import OutboxEvent
from gigsy.events.publisher import publish

pytestmark = pytest.mark.django_db
GOOD = {"user_id": "1", "role": "learner", "display_name": "A", "timezone": "UTC"}


def test_undeclared_type_raises():
    with pytest.raises(UnknownEventTypeError, match=r"user\.exploded"):
        publish("user.exploded", {}, producer="accounts")
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({**GOOD, "role": "operator"}, "role"),
        ({k: v for k, v in GOOD.items() if k != "timezone"}, "timezone"),
        ({**GOOD, "user_id": 1}, "user_id"),
        ({**GOOD, "password": "x"}, "password"),
    ],
    ids=["bad-enum", "missing", "wrong-type", "extra-field"],
)
def test_invalid_data_raises_naming_the_field(data, problem):
    with pytest.raises(InvalidEventDataError, match=problem):
        publish("user.registered", data, producer="accounts")
    assert not OutboxEvent.objects.exists()


def test_only_the_declared_producer_may_publish():
    with pytest.raises(ValueError, match="produced by accounts"):
        publish("user.registered", GOOD, producer="gigs")


def test_valid_event_lands_in_the_outbox_with_its_envelope():
    event = publish("user.registered", GOOD, producer="accounts", actor_id="1")

    row = OutboxEvent.objects.get()
    assert str(row.event_id) == event.id
    assert row.subject == "gigsytest.user.registered"
    assert row.sent_at is None
    assert event.version == 1
    assert event.occurred_at.endswith("+00:00")
