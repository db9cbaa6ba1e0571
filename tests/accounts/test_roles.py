"""Several roles per account (docs/decisions/0020): adding and giving up roles, an operator's
approval for instructor and mentor, and the next request and token reflecting the change."""

from __future__ import annotations

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from apps.accounts import public as accounts
from tests.conftest import obtain_tokens
from tests.factories import UserFactory

ROLES = "/api/v1/auth/roles"
ME = "/api/v1/auth/me"
COURSES = "/api/v1/lms/courses"

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("op@example.com", "operator pass 123")


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {obtain_tokens(APIClient(), user.email)['access']}"
    )
    return client


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_me_and_the_token_carry_the_set_of_roles(user):
    tokens = obtain_tokens(APIClient(), user.email)
    assert _claims(tokens["access"])["roles"] == ["learner"]
    assert _claims(tokens["refresh"])["roles"] == ["learner"]

    body = _client(user).get(ME).json()
    assert body["roles"] == ["learner"]
    assert body["requested_roles"] == []
    assert "role" not in body  # one truth


def test_a_learner_becomes_a_client_at_once_and_the_next_request_and_token_see_it(
    user, django_capture_on_commit_callbacks
):
    me = _client(user)
    assert me.get(ME).json()["roles"] == ["learner"]  # cached now

    with django_capture_on_commit_callbacks(execute=True):
        response = me.post(ROLES, {"role": "client"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["roles"] == ["client", "learner"]
    assert me.get(ME).json()["roles"] == ["client", "learner"]
    user.refresh_from_db()
    assert accounts.roles_of(user) == {"learner", "client"}
    assert _claims(obtain_tokens(APIClient(), user.email)["access"])["roles"] == [
        "client",
        "learner",
    ]


def test_adding_a_held_role_again_changes_nothing(user):
    response = _client(user).post(ROLES, {"role": "learner"}, format="json")

    assert response.status_code == 200
    assert response.json()["roles"] == ["learner"]


@pytest.mark.parametrize(
    "body", [{"role": "operator"}, {"role": ""}, {}, {"role": "client", "x": 1}]
)
def test_a_bad_role_is_a_400_with_the_envelope(user, body):
    response = _client(user).post(ROLES, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"validation_error", "unknown_field"}


def test_instructor_waits_for_an_operator_and_then_may_create_a_course(
    client, user, operator, django_capture_on_commit_callbacks
):
    me = _client(user)
    assert me.post(COURSES, {"title": "Mine"}, format="json").status_code == 403

    response = me.post(ROLES, {"role": "instructor"}, format="json")

    assert response.status_code == 200
    assert response.json()["roles"] == ["learner"]  # not held until approved
    assert response.json()["requested_roles"] == ["instructor"]
    assert me.post(COURSES, {"title": "Mine"}, format="json").status_code == 403

    client.force_login(operator)
    page = client.post(
        "/admin/accounts/user/",
        {"action": "approve_requested_roles", "_selected_action": [user.pk]},
    )
    assert page.status_code == 200
    assert b"asks for instructor" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/admin/accounts/user/",
            {
                "action": "approve_requested_roles",
                "_selected_action": [user.pk],
                "apply": "1",
                "reason": "Checked the teaching portfolio",
            },
        )
    assert done.status_code == 302

    user.refresh_from_db()
    assert user.roles == ["instructor", "learner"]
    assert user.requested_roles == []
    assert me.get(ME).json()["roles"] == ["instructor", "learner"]
    assert me.post(COURSES, {"title": "Mine"}, format="json").status_code == 201
    assert _claims(obtain_tokens(APIClient(), user.email)["access"])["roles"] == [
        "instructor",
        "learner",
    ]


def test_an_operator_refusing_a_request_leaves_the_roles(client, user, operator):
    _client(user).post(ROLES, {"role": "mentor"}, format="json")
    client.force_login(operator)

    client.post(
        "/admin/accounts/user/",
        {
            "action": "refuse_requested_roles",
            "_selected_action": [user.pk],
            "apply": "1",
            "reason": "No mentoring record",
        },
    )

    user.refresh_from_db()
    assert (user.roles, user.requested_roles) == (["learner"], [])


def test_an_approval_without_a_reason_changes_nothing(client, user, operator):
    _client(user).post(ROLES, {"role": "mentor"}, format="json")
    client.force_login(operator)

    page = client.post(
        "/admin/accounts/user/",
        {"action": "approve_requested_roles", "_selected_action": [user.pk], "apply": "1"},
    )

    assert page.status_code == 200  # the form again, with its error
    user.refresh_from_db()
    assert (user.roles, user.requested_roles) == (["learner"], ["mentor"])


def test_giving_up_a_role_takes_it_away_from_the_next_request(
    user, django_capture_on_commit_callbacks
):
    user.roles = ["instructor", "learner"]
    user.save(update_fields=["roles"])
    me = _client(user)
    assert me.post(COURSES, {"title": "Mine"}, format="json").status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        response = me.delete(f"{ROLES}/instructor")

    assert response.status_code == 200
    assert response.json()["roles"] == ["learner"]
    assert me.post(COURSES, {"title": "Other"}, format="json").status_code == 403


def test_the_last_role_stays_and_a_role_not_held_is_a_404(user):
    me = _client(user)

    last = me.delete(f"{ROLES}/learner")
    assert last.status_code == 409
    assert last.json()["error"]["code"] == "last_role"

    missing = me.delete(f"{ROLES}/client")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "role_not_held"
    assert me.delete(f"{ROLES}/operator").status_code == 404
    user.refresh_from_db()
    assert user.roles == ["learner"]


def test_a_request_can_be_withdrawn(user):
    me = _client(user)
    me.post(ROLES, {"role": "instructor"}, format="json")

    response = me.delete(f"{ROLES}/instructor")

    assert response.status_code == 200
    assert response.json()["requested_roles"] == []
    assert response.json()["roles"] == ["learner"]


def test_roles_need_a_signed_in_caller(api):
    assert api.post(ROLES, {"role": "client"}, format="json").status_code == 401
    assert api.delete(f"{ROLES}/client").status_code == 401


def test_the_factory_takes_a_set_of_roles(db):
    both = UserFactory(roles=["client", "instructor"])
    assert accounts.get_user(both.pk).roles == {"client", "instructor"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_account_s_role_as_its_set():
    before = [("accounts", "0005_session_family_device")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = (
        MigrationExecutor(connection)
        .loader.project_state(before)
        .apps.get_model("accounts", "User")
    )
    learner = old.objects.create(email="l@example.com", display_name="L", role="learner")
    teacher = old.objects.create(email="t@example.com", display_name="T", role="instructor")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(leaves)

    users = get_user_model().objects
    assert users.get(pk=learner.pk).roles == ["learner"]
    assert users.get(pk=teacher.pk).roles == ["instructor"]
    assert users.get(pk=teacher.pk).requested_roles == []
