"""The local signed-file view: serves a stored file to whoever holds a valid link.

Used when files live on this server's disk (development, tests, a single-box install); with S3
the links are the bucket's presigned URLs and this view is never linked to. No login: the
link is the credential, and it expires within minutes (gigsy/files/links.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from gigsy.api.responses import error_responses, response_header
from gigsy.errors import ErrorCode, NotFoundError
from gigsy.files.content import EXTENSIONS
from gigsy.files.links import (
    LinkExpiredError,
    LinkInvalidError,
    LinkTarget,
    local_storage,
    read_link,
)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


# Every Content-Type this view answers with (gigsy/files/content.py), without parameters.
SERVED_TYPES = sorted(
    {accepts.type.content_type.split(";")[0] for accepts in EXTENSIONS.values()}
    | {"application/octet-stream"}
)
CONTENT_DISPOSITION = response_header(
    "Content-Disposition",
    statuses=[200, 206],
    description="`inline` or `attachment`, with the file's download name.",
)
CONTENT_RANGE = response_header(
    "Content-Range", statuses=[206], description="`bytes first-last/size`"
)


class Gone(exceptions.APIException):
    status_code = 410
    default_detail = "This link has expired; ask the API for a fresh one."
    default_code = ErrorCode.LINK_EXPIRED


class SignedFileView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    # The token is the credential (an HMAC nobody can guess); a video seeks with many requests.
    throttle_classes: list[Any] = []

    @extend_schema(
        auth=[],
        parameters=[CONTENT_DISPOSITION, CONTENT_RANGE],
        responses={
            **{
                (200, media): OpenApiResponse(
                    OpenApiTypes.BINARY,
                    description="The file, inline for video, audio, PDF and images, an "
                    "attachment otherwise.",
                )
                for media in SERVED_TYPES
            },
            **{
                (206, media): OpenApiResponse(
                    OpenApiTypes.BINARY,
                    description="The requested byte range (`Range: bytes=a-b`).",
                )
                for media in SERVED_TYPES
            },
            **error_responses(404, 410),
        },
        summary="A stored file behind a short-lived signed link (no login)",
        description="The `media_url` and `pdf_url` the API hands out point here when files are "
        "stored locally. `404 not_found` for a link that was not signed here or whose file is "
        "gone; `410 link_expired` once it is older than its lifetime (minutes): fetch the "
        "object again for a fresh link.",
    )
    def get(self, request: Request, token: str) -> HttpResponseBase:
        try:
            target = read_link(token)
        except LinkInvalidError:
            raise NotFoundError("This link is not valid.") from None
        except LinkExpiredError:
            raise Gone() from None
        try:
            handle = local_storage().open(target.name, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise NotFoundError("The file behind this link no longer exists.") from None
        response = _ranged(request, handle, target) or FileResponse(
            handle,
            content_type=target.type.content_type,
            as_attachment=not target.inline,
            filename=target.filename,
        )
        response["Accept-Ranges"] = "bytes"
        patch_cache_control(response, private=True, max_age=target.seconds_left)
        # An inline PDF may be shown in the frontend's <iframe>, as an S3 link could be.
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response


def _ranged(request: Request, handle: IO[bytes], target: LinkTarget) -> HttpResponseBase | None:
    """A 206 for one satisfiable `Range: bytes=a-b` (video seeking); None to send it all."""
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if match is None:
        return None
    size = local_storage().size(target.name)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    elif last:
        start, end = max(0, size - int(last)), size - 1
    else:
        return None
    if start > end or start >= size:
        return None  # unsatisfiable: RFC 9110 lets us ignore the Range and send the whole file
    response = StreamingHttpResponse(
        _read(handle, start, end - start + 1), status=206, content_type=target.type.content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    disposition = content_disposition_header(not target.inline, target.filename)
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def _read(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()
