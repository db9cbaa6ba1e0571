"""Conditional GET: an `ETag` over the response body, `304 Not Modified` on `If-None-Match`.

    class CourseDetailView(ConditionalGetMixin, APIView): ...
    @extend_schema(parameters=[*CONDITIONAL_GET], responses={200: ..., **NOT_MODIFIED, ...})

The tag is a hash of the exact bytes the client would receive (blake2b, 128 bits), so it can
never claim "unchanged" for a body that changed, whatever produced it (a cache, a rebuild, a
change in another context); computing it costs one hash over a body that is rendered anyway.
A 304 carries no body and the headers a cache needs (ETag, Vary, Cache-Control).

`Cache-Control: no-cache` lets a browser (or a CDN, for anonymous answers) keep the body but
ask every time; `Vary: Authorization` keeps one caller's answer from being served to another
(an instructor sees drafts, a signed-in learner sees their enrollment). Only `If-None-Match`
is honoured (RFC 9110 13.1.2: weak comparison, `*` matches); `If-Match` and the date
preconditions are ignored on reads (docs/decisions/0005).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gigsy.api.responses import response_header

_COPIED_TO_304 = ("ETag", "Vary", "Cache-Control", "Content-Location", "Expires")

CONDITIONAL_GET = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="An ETag from an earlier answer: 304 with no body if it still matches",
    ),
    response_header(
        "ETag",
        statuses=[200, 304],
        description="A strong tag of the body (send it back in If-None-Match)",
    ),
]
NOT_MODIFIED = {
    304: OpenApiResponse(
        description="Not modified: If-None-Match names the current ETag; no body",
    )
}


def etag_of(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison of `etag` against an If-None-Match header value."""
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == bare for tag in parse_etags(if_none_match))


def conditional(request: Request, response: Any) -> HttpResponse:
    """`response` (a successful GET/HEAD answer) with its ETag, or a 304 if the client has it."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    patch_vary_headers(response, ["Authorization"])
    patch_cache_control(response, no_cache=True)
    if hasattr(response, "render"):
        response.render()
    etag = etag_of(response.content)
    response["ETag"] = etag
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if not if_none_match or not matches(if_none_match, etag):
        return response
    not_modified = HttpResponseNotModified()
    for header in _COPIED_TO_304:
        if header in response:
            not_modified[header] = response[header]
    return not_modified


class ConditionalGetMixin(APIView):
    """For an APIView whose GET answers may be revalidated: see the module's docstring."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # DRF's dispatch returns any HttpResponse (the 304 is a plain one); the stubs say Response.
        return conditional(request, response)  # type: ignore[return-value]
