"""One error shape for the API.

Every 4xx/5xx body is `{"error": {"code", "message", "fields"?}}`. Services raise the domain
errors of gigsy/errors.py, which carry no HTTP status: `STATUS_OF` maps them here. DRF's own
exceptions and Django's 404/500 are mapped here too.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views import csrf
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from gigsy.errors import ApplicationError, ConflictError, ErrorCode, ForbiddenError, NotFoundError

# Domain error class -> HTTP status; the most specific class in an error's MRO wins.
STATUS_OF: dict[type[ApplicationError], int] = {
    ApplicationError: status.HTTP_400_BAD_REQUEST,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ForbiddenError: status.HTTP_403_FORBIDDEN,
    ConflictError: status.HTTP_409_CONFLICT,
}


def status_of(exc: ApplicationError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return status.HTTP_400_BAD_REQUEST


# DRF exception class -> our code. Anything not listed keeps DRF's default_code.
_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: ErrorCode.MALFORMED_REQUEST,
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ErrorCode.THROTTLED,
}


def envelope(
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": str(code), "message": message}
    if fields:
        error["fields"] = fields
    if details:
        error["details"] = details
    return {"error": error}


def _message_of(detail: Any) -> str:
    if isinstance(detail, list | tuple) and detail:
        return _message_of(detail[0])
    if isinstance(detail, dict):
        if "detail" in detail:
            return _message_of(detail["detail"])
        return "Invalid input."
    return str(detail)


def _code_of(exc: exceptions.APIException) -> str:
    """The raiser's specific code ("token_not_valid", "no_active_account") if it gave one,
    else ours for the exception class, else the class's own default code."""
    specific = exc.get_codes()
    if isinstance(specific, dict):
        specific = specific.get("code")
    if isinstance(specific, list):
        specific = specific[0] if specific and isinstance(specific[0], str) else None
    mapped = _CODES.get(type(exc))
    if isinstance(specific, str) and (mapped is None or specific != exc.default_code):
        return specific
    if mapped is not None:
        return mapped
    return exc.default_code if isinstance(exc.default_code, str) else "error"


def flat_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Field errors as one flat map of path -> messages, whatever the nesting: an error inside
    a list or a nested object is keyed by its dotted path (`choices.0.id`, `answers.17`), so a
    client finds every message at `fields[path]` and the schema stays one simple shape."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flat_fields(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list | tuple) and any(isinstance(i, dict | list) for i in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:  # DRF puts {} in the places of list items that were fine
                flat.update(flat_fields(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list | tuple) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = envelope(exc.code, exc.message, exc.fields, exc.details)
        return Response(body, status=status_of(exc))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)  # sets Retry-After, WWW-Authenticate
    if response is None or not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500 through handler500

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = envelope(ErrorCode.VALIDATION_ERROR, "Invalid input.", flat_fields(detail))
    else:
        response.data = envelope(_code_of(exc), _message_of(exc.detail))
    return response


def json_error(request: HttpRequest, code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(envelope(code, message), status=status_code)


@csrf_exempt  # any method on an unknown path is a 404, never the CSRF page
def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    message = "No such resource."
    if request.path.endswith("/") and _resolves(request.path.rstrip("/")):
        message = (
            f"No such resource: API paths have no trailing slash ({request.path.rstrip('/')})."
        )
    return json_error(request, ErrorCode.NOT_FOUND, message, 404)


def _resolves(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not not_found


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the envelope under /api/, Django's page elsewhere (the admin).

    Token-authenticated API views are exempt (DRF's APIView); this answers for any plain Django
    view under /api/ that a cookie-carrying browser posts to without the CSRF token."""
    if request.path.startswith("/api/"):
        return json_error(
            request, ErrorCode.PERMISSION_DENIED, f"CSRF verification failed: {reason}", 403
        )
    return csrf.csrf_failure(request, reason=reason)


def server_error(request: HttpRequest) -> JsonResponse:
    return json_error(request, ErrorCode.SERVER_ERROR, "Something went wrong on our side.", 500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, ErrorCode.BAD_REQUEST, "Bad request.", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, ErrorCode.PERMISSION_DENIED, "You may not do that.", 403)
