"""A test URLconf: the real routes plus throw-away `@idempotent` views over a counter row.

POST /api/v1/idempotency-probe/counters {counter, by, outcome?} adds `by` to the counter row
`counter` in a service-like atomic block and answers 201 with the new value and a `Location`.
`outcome` makes it misbehave after the write: `conflict` (a domain refusal, 409, the write
rolled back by its atomic block), `crash` (an exception: 500), `unavailable` (an answered
500), `wait` (blocks until the test sets its gate). Runs are counted in RUNS.

POST /api/v1/idempotency-probe/counters/<name>/reset {} sets the row to 0 (another route).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gigsy.api.errors import envelope
from gigsy.api.inputs import StrictInput, parse
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.errors import ConflictError, ErrorCode
from gigsy.idempotency.api import idempotent
from gigsy.urls import handler400, handler403, handler404, handler500  # noqa: F401
from gigsy.urls import urlpatterns as real_urlpatterns

TABLE = "idempotency_probe_counter"
# How many times each counter's view body ran (whatever was committed).
RUNS: Counter[str] = Counter()
# outcome=wait: the view sets ENTERED[counter] and waits for GATES[counter].
ENTERED: dict[str, threading.Event] = {}
GATES: dict[str, threading.Event] = {}


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, value bigint NOT NULL)"
        )


def value_of(name: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE name = %s", [name])  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else int(row[0])


class CounterInput(StrictInput):
    counter = serializers.CharField(max_length=64)
    by = serializers.IntegerField(min_value=1, max_value=1000)
    outcome = serializers.ChoiceField(
        choices=["ok", "conflict", "crash", "unavailable", "wait"], default="ok"
    )


class ResetInput(StrictInput):
    pass


class CounterOutput(serializers.Serializer[Any]):
    counter = serializers.CharField()
    value = serializers.IntegerField()
    at = serializers.DateTimeField()


@transaction.atomic
def add(*, name: str, by: int, outcome: str) -> int:
    """A service: writes, then refuses or not; a refusal rolls its write back."""
    RUNS[name] += 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (name, value) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (name) DO UPDATE SET value = {TABLE}.value + EXCLUDED.value "
            "RETURNING value".replace("{TABLE}", TABLE),
            [name, by],
        )
        value = int(cursor.fetchone()[0])
    if outcome == "conflict":
        raise ConflictError("The probe refuses.", code=ErrorCode.CONFLICT)
    if outcome == "crash":
        raise RuntimeError("the probe crashed after writing")
    if outcome == "wait":
        ENTERED[name].set()
        assert GATES[name].wait(20), "the test never opened the gate"
    return value


class CountersView(APIView):
    @extend_schema(
        request=CounterInput,
        responses={201: CounterOutput, **error_responses(409)},
        parameters=[LOCATION],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = parse(CounterInput, request)
        value = add(name=data["counter"], by=data["by"], outcome=data["outcome"])
        if data["outcome"] == "unavailable":
            return Response(envelope(ErrorCode.SERVER_ERROR, "The probe is down."), status=500)
        body = {"counter": data["counter"], "value": value, "at": timezone.now()}
        return created(request, body, reverse("probe-reset", args=[data["counter"]]))


class ResetView(APIView):
    @idempotent
    @extend_schema(request=ResetInput, responses={200: CounterOutput})
    def post(self, request: Request, name: str) -> Response:
        parse(ResetInput, request)
        RUNS[name] += 1
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET value = 0 WHERE name = %s", [name])  # noqa: S608
        return Response({"counter": name, "value": 0, "at": timezone.now()})


urlpatterns = [
    path("api/v1/idempotency-probe/counters", CountersView.as_view()),
    path(
        "api/v1/idempotency-probe/counters/<str:name>/reset",
        ResetView.as_view(),
        name="probe-reset",
    ),
    *real_urlpatterns,
]
