"""`@idempotent` views (gigsy/idempotency/api.py): Stripe's semantics on a throw-away counter
view (tests/idempotency/urls.py) that really writes a row, so "ran twice" shows in the data."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from gigsy.idempotency.keys import fingerprint, user_scope
from gigsy.idempotency.models import IdempotencyRecord, RecordState
from tests.factories import DEFAULT_PASSWORD
from tests.idempotency import urls as probe
from tests.idempotency.conftest import PROBE, client_of, post

pytestmark = pytest.mark.django_db


def record_of(user: Any, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(scope=user_scope(user.pk), key=key).first()


# --- the first request and its retries ---------------------------------------------------------


def test_a_retry_gets_the_first_answer_and_runs_nothing(ada, counter):
    client = client_of(ada)
    body = {"counter": counter, "by": 5}

    first = post(client, "key-1", body)
    again = post(client, "key-1", body)

    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()  # the same `at`: the stored answer, not a new one
    assert again["Location"] == first["Location"]
    assert first.json()["value"] == 5
    assert probe.value_of(counter) == 5
    assert probe.RUNS[counter] == 1
    record = record_of(ada, "key-1")
    assert record is not None
    assert (record.state, record.response_status) == (RecordState.COMPLETED, 201)
    assert record.response_headers == {"Location": first["Location"]}
    assert record.route == "api/v1/idempotency-probe/counters"
    assert record.fingerprint == fingerprint(body)


def test_the_body_is_compared_as_json_not_as_text(ada, counter):
    client = client_of(ada)
    compact = json.dumps({"counter": counter, "by": 2})
    spaced = '{ "by" : 2,\n  "counter" : "' + counter + '" }'

    first = client.post(PROBE, compact, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(PROBE, spaced, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert probe.RUNS[counter] == 1


def test_another_body_path_or_route_under_the_same_key_is_refused(ada, counter):
    client = client_of(ada)
    body = {"counter": counter, "by": 1}
    assert post(client, "k", body).status_code == 201
    reset = f"{PROBE}/{counter}/reset"

    other_body = post(client, "k", {**body, "by": 2})
    other_route = post(client, "k", {}, url=reset)
    assert post(client, "r", {}, url=reset).status_code == 200
    other_path = post(client, "r", {}, url=f"{PROBE}/another/reset")

    for response in (other_body, other_route, other_path):
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "idempotency_key_reused"
        assert "Idempotent-Replayed" not in response
    assert probe.value_of(counter) == 0  # the reset ran once, nothing else after the first add
    assert probe.RUNS[counter] == 2
    assert probe.RUNS["another"] == 0


def test_keys_belong_to_their_user(ada, bob, counter):
    body = {"counter": counter, "by": 3}

    mine = post(client_of(ada), "shared-key", body)
    theirs = post(client_of(bob), "shared-key", body)

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["value"] == 6
    assert probe.RUNS[counter] == 2
    assert record_of(ada, "shared-key") is not None and record_of(bob, "shared-key") is not None


# --- the key header ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, "idempotency_key_missing"),
        ("", "idempotency_key_invalid"),
        ("x" * 256, "idempotency_key_invalid"),
        ("tab\there", "idempotency_key_invalid"),
        ("clé", "idempotency_key_invalid"),
    ],
    ids=["missing", "empty", "too-long", "control-character", "not-ascii"],
)
def test_a_missing_or_malformed_key_is_a_400_and_nothing_runs(ada, counter, key, code):
    response = post(client_of(ada), key, {"counter": counter, "by": 1})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert probe.RUNS[counter] == 0
    assert not IdempotencyRecord.objects.exists()


def test_the_longest_and_odd_printable_keys_are_fine(ada, counter):
    client = client_of(ada)
    for key in ("x" * 255, "a b~!{}", "0"):
        assert post(client, key, {"counter": counter, "by": 1}).status_code == 201
    assert probe.RUNS[counter] == 3


def test_an_anonymous_caller_is_refused_before_any_key_is_kept(counter):
    response = post(APIClient(), "k", {"counter": counter, "by": 1})

    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


# --- what is kept ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"by": 0}, 400, "validation_error"),
        ({"by": 1, "outcome": "conflict"}, 409, "conflict"),
    ],
    ids=["validation", "domain-refusal"],
)
def test_a_4xx_answer_is_kept_and_replayed(ada, counter, body, status, code):
    client = client_of(ada)
    body = {"counter": counter, **body}

    first = post(client, "k", body)
    again = post(client, "k", body)

    assert first.status_code == again.status_code == status
    assert first.json()["error"]["code"] == code
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert probe.value_of(counter) is None  # the refused service wrote nothing
    assert probe.RUNS[counter] == (1 if code == "conflict" else 0)
    assert record_of(ada, "k").response_status == status


@pytest.mark.parametrize("outcome", ["crash", "unavailable"])
def test_a_5xx_keeps_nothing_and_the_same_key_runs_again(ada, counter, outcome):
    client = client_of(ada)
    failing = {"counter": counter, "by": 4, "outcome": outcome}

    first = post(client, "k", failing)
    second = post(client, "k", failing)

    assert first.status_code == second.status_code == 500
    assert "Idempotent-Replayed" not in second
    assert probe.RUNS[counter] == 2  # not replayed: it ran again
    assert probe.value_of(counter) is None  # the writes before the failure rolled back
    assert record_of(ada, "k") is None
    retry = post(client, "k", {"counter": counter, "by": 4})
    assert retry.status_code == 201
    assert retry.json()["value"] == 4


# --- in flight, stale, expired -------------------------------------------------------------------


def _in_background(target: Any) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["response"] = target()
        finally:
            connection.close()  # this thread's connection, before the test database goes

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _blocked_request(user: Any, counter: str, key: str) -> tuple[threading.Thread, dict, dict]:
    probe.ENTERED[counter] = threading.Event()
    probe.GATES[counter] = threading.Event()
    body = {"counter": counter, "by": 7, "outcome": "wait"}
    client = client_of(user)
    thread, result = _in_background(lambda: post(client, key, body))
    assert probe.ENTERED[counter].wait(20), "the first request never reached the view"
    return thread, result, body


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_while_the_first_runs_is_409_in_use_then_replayed(ada, counter):
    thread, result, body = _blocked_request(ada, counter, "double-click")
    client = client_of(ada)
    try:
        duplicate = post(client, "double-click", body)
        other_body = post(client, "double-click", {**body, "by": 8})
    finally:
        probe.GATES[counter].set()
        thread.join(20)

    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_key_in_use"
    assert duplicate["Retry-After"] == "1"
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert result["response"].status_code == 201
    assert probe.RUNS[counter] == 1
    assert probe.value_of(counter) == 7
    after = post(client, "double-click", body)
    assert after.status_code == 201
    assert after["Idempotent-Replayed"] == "true"
    assert after.json() == result["response"].json()


@pytest.mark.django_db(transaction=True)
def test_a_live_request_is_never_taken_over_however_long_it_runs(ada, counter, settings):
    settings.IDEMPOTENCY_STALE_SECONDS = 0  # every in-progress record looks stale at once
    thread, result, body = _blocked_request(ada, counter, "slow")
    try:
        duplicate = post(client_of(ada), "slow", body)
    finally:
        probe.GATES[counter].set()
        thread.join(20)

    # The first request holds its record locked: the retry cannot take it over.
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_key_in_use"
    assert result["response"].status_code == 201
    assert probe.RUNS[counter] == 1


def _orphan(user: Any, key: str, body: dict, started_ago: timedelta) -> IdempotencyRecord:
    """An in-progress record whose request died (no transaction holds it)."""
    started = timezone.now() - started_ago
    return IdempotencyRecord.objects.create(
        scope=user_scope(user.pk),
        key=key,
        method="POST",
        path=PROBE,
        route="api/v1/idempotency-probe/counters",
        fingerprint=fingerprint(body),
        created_at=started,
        started_at=started,
    )


def test_a_stale_request_whose_process_died_is_taken_over(ada, counter, settings):
    body = {"counter": counter, "by": 2}
    recent = _orphan(ada, "recent", body, timedelta(seconds=5))
    stale = _orphan(ada, "stale", body, timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS + 1))
    client = client_of(ada)

    waiting = post(client, "recent", body)
    taken_over = post(client, "stale", body)

    assert waiting.status_code == 409
    assert waiting.json()["error"]["code"] == "idempotency_key_in_use"
    assert taken_over.status_code == 201
    assert probe.RUNS[counter] == 1
    stale.refresh_from_db()
    assert stale.state == RecordState.COMPLETED
    assert stale.started_at > stale.created_at  # the attempt that answered started later
    recent.refresh_from_db()
    assert recent.state == RecordState.IN_PROGRESS


def test_an_expired_key_is_free_again(ada, counter, settings):
    old = _orphan(ada, "old", {"something": "else"}, timedelta(hours=25))
    IdempotencyRecord.objects.filter(pk=old.pk).update(state=RecordState.COMPLETED)

    response = post(client_of(ada), "old", {"counter": counter, "by": 1})

    assert response.status_code == 201  # not idempotency_key_reused: the old use expired
    assert probe.RUNS[counter] == 1
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()


# --- cost and documentation ----------------------------------------------------------------------


def test_queries_a_first_request_and_a_replay_cost(ada, counter):
    client = APIClient()
    client.force_authenticate(ada)
    body = {"counter": counter, "by": 1}

    with CaptureQueriesContext(connection) as first:
        assert post(client, "k", body).status_code == 201
    with CaptureQueriesContext(connection) as replay:
        assert post(client, "k", body)["Idempotent-Replayed"] == "true"

    # The view's one upsert, plus the key: claim, lock, store the answer (savepoints aside).
    statements = [q["sql"] for q in first.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 4, statements
    # A replay: the claim finds the key, one read returns the answer.
    assert len(replay.captured_queries) == 2, replay.captured_queries


def test_the_schema_documents_the_header_the_409_and_the_replay_header():
    schema = SchemaGenerator(urlconf="tests.idempotency.urls").get_schema(request=None, public=True)

    for path in (
        "/api/v1/idempotency-probe/counters",
        "/api/v1/idempotency-probe/counters/{name}/reset",
    ):
        operation = schema["paths"][path]["post"]
        header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert header["in"] == "header"
        assert header["required"] is True
        assert header["schema"]["maxLength"] == 255
        conflict = operation["responses"]["409"]
        assert conflict["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorEnvelope"
        }
        assert conflict["headers"]["Retry-After"]["required"] is False
        created = operation["responses"]["201" if path.endswith("counters") else "200"]
        replayed = created["headers"]["Idempotent-Replayed"]
        assert not replayed.get("required", False)
        assert replayed["schema"]["enum"] == ["true"]
    codes = schema["components"]["schemas"]["ErrorCodeEnum"]["enum"]
    assert {
        "idempotency_key_missing",
        "idempotency_key_invalid",
        "idempotency_key_reused",
        "idempotency_key_in_use",
    } <= set(codes)


def test_browsers_may_send_the_key_and_read_the_replay_header(client, settings):
    origin = settings.CORS_ALLOWED_ORIGINS[0]
    preflight = client.options(
        PROBE,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )

    assert preflight.status_code == 200
    allowed = {h.strip() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert "idempotency-key" in allowed
    assert "Idempotent-Replayed" in settings.CORS_EXPOSE_HEADERS


def test_a_deleted_account_leaves_no_keys(ada, bob, counter):
    body = {"counter": counter, "by": 1}
    assert post(client_of(ada), "k", body).status_code == 201
    assert post(client_of(bob), "k", body).status_code == 201

    deleted = client_of(ada).delete(
        "/api/v1/auth/me", {"password": DEFAULT_PASSWORD}, format="json"
    )

    assert deleted.status_code == 204, deleted.content
    assert record_of(ada, "k") is None
    assert record_of(bob, "k") is not None
