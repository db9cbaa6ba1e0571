"""Operators verify instructors (an admin action with a written reason, recorded who and when)
before the platform signs credentials for their courses; "unverify" takes it back."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client

from apps.accounts import public as accounts
from apps.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory(email="op@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(operator: Any) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def ines(db: Any) -> Any:
    return UserFactory(email="ines@example.com", role="instructor", display_name="Ines")


def act(client: Client, action: str, *users: Any, **extra: str) -> Any:
    return client.post(
        USERS, {"action": action, "_selected_action": [u.pk for u in users], **extra}
    )


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_instructor_is_not_verified_until_an_operator_says_so(ines: Any) -> None:
    assert accounts.is_verified_instructor(ines.pk) is False
    assert accounts.is_verified_instructor(999_999) is False


def test_verifying_first_asks_for_a_reason(admin_client: Client, ines: Any) -> None:
    response = act(admin_client, "verify_instructors", ines)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/accounts/user/verification.html"
    content = response.content.decode()
    assert "ines@example.com" in content
    assert 'name="reason"' in content
    assert f'name="_selected_action" value="{ines.pk}"' in content
    assert accounts.is_verified_instructor(ines.pk) is False


@pytest.mark.parametrize("reason", ["", "   \n ", "x" * 301])
def test_an_empty_or_overlong_reason_verifies_no_one(
    admin_client: Client, ines: Any, reason: str
) -> None:
    response = act(admin_client, "verify_instructors", ines, apply="1", reason=reason)

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert accounts.is_verified_instructor(ines.pk) is False


def test_verifying_records_who_when_and_why(admin_client: Client, operator: Any, ines: Any) -> None:
    response = act(
        admin_client,
        "verify_instructors",
        ines,
        apply="1",
        reason="  ID checked on a video call; teaches at TU Berlin.  ",
    )

    assert response.status_code == 302
    assert accounts.is_verified_instructor(ines.pk) is True
    ines.refresh_from_db()
    assert ines.instructor_verified_by_id == operator.pk
    assert ines.instructor_verified_at is not None
    assert (
        ines.instructor_verification_reason == "ID checked on a video call; teaches at TU Berlin."
    )
    entry = LogEntry.objects.get(object_id=str(ines.pk))
    assert entry.user_id == operator.pk
    assert "Verified as instructor" in entry.get_change_message()
    assert "TU Berlin" in entry.get_change_message()
    assert any("Verified 1 instructor" in m for m in messages_of(response))


def test_only_active_instructors_can_be_verified(admin_client: Client, ines: Any) -> None:
    learner = UserFactory(email="lea@example.com", role="learner")
    gone = UserFactory(email="gone@example.com", role="instructor", is_active=False)

    response = act(
        admin_client, "verify_instructors", ines, learner, gone, apply="1", reason="Checked."
    )

    assert response.status_code == 302
    assert accounts.is_verified_instructor(ines.pk) is True
    assert User.objects.get(pk=learner.pk).instructor_verified_at is None
    assert User.objects.get(pk=gone.pk).instructor_verified_at is None
    assert any("lea@example.com" in m and "not" in m for m in messages_of(response))


def test_verifying_again_keeps_the_first_record(
    admin_client: Client, operator: Any, ines: Any
) -> None:
    act(admin_client, "verify_instructors", ines, apply="1", reason="First check.")
    first = User.objects.get(pk=ines.pk).instructor_verified_at

    response = act(admin_client, "verify_instructors", ines, apply="1", reason="Again.")

    ines.refresh_from_db()
    assert ines.instructor_verified_at == first
    assert ines.instructor_verification_reason == "First check."
    assert any("Already verified" in m for m in messages_of(response))


def test_unverifying_takes_it_back_with_a_reason(
    admin_client: Client, operator: Any, ines: Any
) -> None:
    act(admin_client, "verify_instructors", ines, apply="1", reason="Checked.")

    asked = act(admin_client, "unverify_instructors", ines)
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    assert accounts.is_verified_instructor(ines.pk) is True

    done = act(admin_client, "unverify_instructors", ines, apply="1", reason="Fake diploma.")

    assert done.status_code == 302
    assert accounts.is_verified_instructor(ines.pk) is False
    ines.refresh_from_db()
    assert (ines.instructor_verified_at, ines.instructor_verified_by_id) == (None, None)
    assert ines.instructor_verification_reason == "Fake diploma."
    messages = [e.get_change_message() for e in LogEntry.objects.filter(object_id=str(ines.pk))]
    assert any("Verification withdrawn" in m and "Fake diploma." in m for m in messages)


def test_a_verified_instructor_who_leaves_the_role_or_is_deactivated_is_not_verified(
    admin_client: Client, ines: Any
) -> None:
    act(admin_client, "verify_instructors", ines, apply="1", reason="Checked.")

    User.objects.filter(pk=ines.pk).update(is_active=False)
    assert accounts.is_verified_instructor(ines.pk) is False
    User.objects.filter(pk=ines.pk).update(is_active=True, roles=["learner"])
    assert accounts.is_verified_instructor(ines.pk) is False


def test_the_changelist_shows_and_filters_verification(admin_client: Client, ines: Any) -> None:
    act(admin_client, "verify_instructors", ines, apply="1", reason="Checked.")
    UserFactory(email="ivo@example.com", role="instructor")

    verified = admin_client.get(USERS, {"verified_instructor": "yes"}).content.decode()
    unverified = admin_client.get(USERS, {"verified_instructor": "no"}).content.decode()

    assert "ines@example.com" in verified and "ivo@example.com" not in verified
    assert "ivo@example.com" in unverified and "ines@example.com" not in unverified


def test_operators_cannot_type_verification_into_the_user_form(
    admin_client: Client, ines: Any
) -> None:
    page = admin_client.get(f"{USERS}{ines.pk}/change/").content.decode()

    assert 'name="instructor_verified_at' not in page
    assert 'name="instructor_verified_by' not in page
