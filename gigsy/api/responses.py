"""The error envelope as a documented response, for every view's `extend_schema`.

    @extend_schema(responses={201: CourseOutput, **error_responses(400, 403, 409)})

The envelope's `code` is an enum of every code the API can answer with: the kernel's and
each context's (`apps/<ctx>/errors.py`), collected when the schema is generated.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

DESCRIPTIONS = {
    400: "Invalid input (`validation_error` with `fields`, `malformed_request`, ...)",
    401: "Not signed in, or the token is invalid, expired or revoked",
    403: "Signed in but not allowed",
    404: "No such object, or not visible to the caller",
    409: "Conflicts with the object's current state (a specific `code` says which)",
    413: "Body too large",
    429: "Too many requests (`Retry-After` says when to retry)",
}


class ErrorCodeField(serializers.CharField):
    """Documented as the enum of every error code (gigsy/api/schema.py)."""


class ErrorDetail(serializers.Serializer[Any]):
    code = ErrorCodeField()
    message = serializers.CharField()
    # A declared field: DRF's metaclass takes it out of the class, Serializer.fields stays.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    # Machine-readable facts about the refusal, per code (e.g. an illegal transition's
    # `current_status` and `allowed`); docs/errors.md says which codes carry which keys.
    details = serializers.DictField(required=False)


class ErrorEnvelope(serializers.Serializer[Any]):
    error = ErrorDetail()


def error_response(status: int) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorEnvelope, description=DESCRIPTIONS.get(status, "Error"))


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: error_response(status) for status in statuses}


def response_header(
    name: str,
    *,
    statuses: list[int],
    description: str,
    type: OpenApiTypes = OpenApiTypes.STR,
    required: bool = True,
) -> OpenApiParameter:
    """A header the operation sends with `statuses`, for `extend_schema(parameters=[...])`: the
    contract hook checks that a documented required header is sent and a sent one documented."""
    return OpenApiParameter(
        name,
        type,
        OpenApiParameter.HEADER,
        response=statuses,
        required=required,
        description=description,
    )


# --- 201 Created: the new resource's URL -------------------------------------------------------
LOCATION = response_header(
    "Location",
    statuses=[201],
    type=OpenApiTypes.URI,
    description="The absolute URL of the created resource (docs/decisions/0005)",
)


def created(request: Request, data: Any, location: str) -> Response:
    """201 with `data` and a `Location` header: the absolute URL of `location` (a path, usually
    from `reverse(...)`). Document it with `parameters=[LOCATION]` in the view's
    `extend_schema`."""
    return Response(
        data,
        status=HTTP_201_CREATED,
        headers={"Location": request.build_absolute_uri(location)},
    )
