"""A throw-away API whose answers disagree with their own documentation, on purpose: the
contract hook's tests (test_contract_hook.py) use it as the URLconf and expect each drift to be
reported. Nothing else mounts it."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gigsy.api.responses import error_responses

GOOD = {"name": "Ada", "born": "1815-12-10T00:00:00+00:00", "kind": "person"}
ANSWERS: dict[str, tuple[int, Any]] = {
    "fine": (200, GOOD),
    "null": (200, {**GOOD, "name": None}),  # name is not nullable
    "missing": (200, {"name": "Ada", "kind": "person"}),  # born is required
    "extra": (200, {**GOOD, "age": 36}),  # a field the documentation does not name
    "enum": (200, {**GOOD, "kind": "robot"}),  # not one of the documented values
    "date": (200, {**GOOD, "born": "yesterday"}),  # not a date-time
    "status": (418, {"error": {"code": "not_found", "message": "I'm a teapot"}}),
    "envelope": (404, {"detail": "Not found."}),  # not the documented error envelope
    "code": (404, {"error": {"code": "no_such_code", "message": "?"}}),  # not a declared code
}


class PersonOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    born = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=["person", "company"])


class DriftView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses={200: PersonOutput, **error_responses(404)})
    def get(self, request: Request, case: str) -> Response:
        status, body = ANSWERS[case]
        return Response(body, status=status)


urlpatterns = [path("api/v1/drift/<str:case>", DriftView.as_view())]
