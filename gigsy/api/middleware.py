"""Reject requests the application can't take (oversized bodies, NUL in the URL) before
anything reads them, in the API's error envelope."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from gigsy.api.errors import envelope
from gigsy.errors import ErrorCode


class MaxBodySizeMiddleware:
    """413 for a declared Content-Length over MAX_REQUEST_BODY_BYTES.

    DRF parsers read the raw stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not protect
    JSON endpoints; this does, and answers in the API's error envelope.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = settings.MAX_REQUEST_BODY_BYTES
        self.upload_limit = settings.MAX_UPLOAD_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # WSGI servers hand Django chunked bodies as empty; refuse instead of misreading.
            return JsonResponse(
                envelope(ErrorCode.LENGTH_REQUIRED, "Send the body with a Content-Length header."),
                status=411,
            )
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return JsonResponse(
                envelope(ErrorCode.BAD_REQUEST, "Content-Length must be a number."), status=400
            )
        is_upload = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        limit = self.upload_limit if is_upload else self.limit
        if length > limit:
            return JsonResponse(
                envelope(
                    ErrorCode.PAYLOAD_TOO_LARGE,
                    f"Request body is {length} bytes; the limit is {limit} bytes.",
                ),
                status=413,
            )
        return self.get_response(request)


class RejectNulMiddleware:
    """400 for a NUL character in the path or the query string.

    PostgreSQL text can't hold NUL: `?q=a%00b` would otherwise reach a query and fail there as
    a 500. (JSON bodies are checked by gigsy.api.parsers.JSONParser.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return JsonResponse(
                envelope(
                    ErrorCode.MALFORMED_REQUEST, "The URL may not contain NUL (%00) characters."
                ),
                status=400,
            )
        return self.get_response(request)
