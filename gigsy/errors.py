"""Domain errors: what a use case refuses, with no HTTP in sight.

Services raise these; the API layer (gigsy/api/errors.py) maps each class to a status and
renders the one error envelope. Every code a caller can receive is a member of a `StrEnum`
registered here: the kernel's `ErrorCode` below and one enum per context in
`apps/<ctx>/errors.py`. The OpenAPI schema lists them all (gigsy/api/responses.py).

Each enum derives from `DescribedCodes`: a member says which HTTP statuses carry it, what it
means and what a client should do, and docs/errors.md is generated from that
(`manage.py errors_docs`; `make test` fails when it is stale or a code is undescribed):

    SLUG_TAKEN = "slug_taken", 409, "Another course has this slug.", "Choose another slug."
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self, TypeVar

_E = TypeVar("_E", bound=type[StrEnum])
_ENUMS: dict[str, type[StrEnum]] = {}


class DescribedCodes(StrEnum):
    """Base of the error-code enums: `NAME = "code", statuses, "meaning", "what to do"`.

    The member is the code string (`str(member) == "code"`); `statuses` (one int or a tuple)
    are the HTTP statuses that carry it, `meaning` what happened and `action` what a client
    should do about it."""

    statuses: tuple[int, ...]
    meaning: str
    action: str

    def __new__(
        cls, value: str, statuses: int | tuple[int, ...] = (), meaning: str = "", action: str = ""
    ) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.statuses = (statuses,) if isinstance(statuses, int) else tuple(statuses)
        member.meaning = meaning
        member.action = action
        return member


def error_codes(enum: _E) -> _E:
    """Class decorator: declare a context's error codes (a code may not mean two things)."""
    for member in enum:
        for other_name, other in _ENUMS.items():
            if other_name != enum.__qualname__ and member.value in other.__members__.values():
                raise ValueError(f"error code {member.value!r} is declared twice")
    _ENUMS[f"{enum.__module__}.{enum.__qualname__}"] = enum
    return enum


def all_error_enums() -> list[type[StrEnum]]:
    """The declared enums, the kernel's first, then by module."""
    return sorted(_ENUMS.values(), key=lambda e: (e.__module__ != __name__, e.__module__))


def all_error_codes() -> list[str]:
    return sorted({member.value for enum in _ENUMS.values() for member in enum})


@error_codes
class ErrorCode(DescribedCodes):
    """Codes the kernel itself answers with (parsing, auth, limits, generic refusals)."""

    BAD_REQUEST = (
        "bad_request",
        400,
        "The request could not be read at all (e.g. a Content-Length that is not a number).",
        "Fix the request; it is a client bug, retrying it unchanged will fail again.",
    )
    VALIDATION_ERROR = (
        "validation_error",
        400,
        "The body or a query parameter is invalid; `fields` maps each field (or parameter) to "
        "its messages, `non_field_errors` for the whole input.",
        "Show the messages next to the fields and let the user correct them.",
    )
    MALFORMED_REQUEST = (
        "malformed_request",
        400,
        "The body is not valid JSON (or multipart); or it nests arrays and objects more than "
        "32 deep, has a number beyond a double's range (`1e400`) or `NaN`/`Infinity`, or text "
        "with an unpaired surrogate (`\\ud800`); or the body or URL contains a NUL character.",
        "Send well-formed JSON with `Content-Type: application/json`; a client bug.",
    )
    NOT_AUTHENTICATED = (
        "not_authenticated",
        401,
        "The operation needs a signed-in caller and no credentials were sent.",
        "Send `Authorization: Bearer <access token>`; sign in first if you have none.",
    )
    AUTHENTICATION_FAILED = (
        "authentication_failed",
        401,
        "The credentials were refused.",
        "Sign in again (POST /auth/token).",
    )
    TOKEN_NOT_VALID = (
        "token_not_valid",
        401,
        "The access or refresh token is malformed, expired, or was revoked (a password "
        "change, a log-out everywhere, a refresh token already used).",
        "With an expired access token, refresh once (POST /auth/token/refresh) and retry; if "
        "that fails too, sign in again.",
    )
    USER_INACTIVE = (
        "user_inactive",
        401,
        "The token belongs to an account that has been deactivated.",
        "Sign the user out; only an operator can reactivate the account.",
    )
    USER_NOT_FOUND = (
        "user_not_found",
        401,
        "The token names an account that no longer exists.",
        "Sign the user out and forget the stored tokens.",
    )
    PERMISSION_DENIED = (
        "permission_denied",
        403,
        "Signed in, but this account may not do this (wrong role, not the object's owner or "
        "instructor, not enrolled).",
        "Do not retry; hide or disable the action for this user.",
    )
    NOT_FOUND = (
        "not_found",
        404,
        "No such object, or one the caller may not see (someone else's private object, a "
        "draft course), or a page past the last one, or no such path.",
        "Treat it as gone: refresh the list it came from; for a page, use `count` to stay in "
        "range.",
    )
    LINK_EXPIRED = (
        "link_expired",
        410,
        "A signed file link (a lesson's `media_url`, a certificate's `pdf_url`, a data "
        "export's `download_url`) has outlived its lifetime (minutes; a data export's lasts "
        "until the archive expires).",
        "Fetch the lesson, certificate or export again for a fresh link, then follow it at once.",
    )
    METHOD_NOT_ALLOWED = (
        "method_not_allowed",
        405,
        "This path exists but does not take this HTTP method.",
        "Use a method the schema lists for the path; a client bug.",
    )
    NOT_ACCEPTABLE = (
        "not_acceptable",
        406,
        "The `Accept` header or `?format=` asks for a representation this operation does not "
        "offer.",
        "Accept `application/json` (or a type the operation documents).",
    )
    CONFLICT = (
        "conflict",
        409,
        "The request conflicts with the object's current state (a generic code; most "
        "conflicts have a specific one).",
        "Reload the object and show the user its current state.",
    )
    LENGTH_REQUIRED = (
        "length_required",
        411,
        "The body was sent chunked, without a `Content-Length`.",
        "Send the body with a `Content-Length` header (buffer it first).",
    )
    PAYLOAD_TOO_LARGE = (
        "payload_too_large",
        413,
        "The body is over the limit (MAX_REQUEST_BODY_BYTES for JSON, MAX_UPLOAD_BYTES for "
        "uploads); the message gives both sizes.",
        "Tell the user the limit; send a smaller body or file.",
    )
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported_media_type",
        415,
        "The body's `Content-Type` is not one this operation reads.",
        "Send JSON as `application/json` (uploads as `multipart/form-data`).",
    )
    THROTTLED = (
        "throttled",
        429,
        "Too many requests from this client, account or address in the current window.",
        "Wait the seconds in the `Retry-After` header, then retry; do not retry in a loop.",
    )
    IDEMPOTENCY_KEY_MISSING = (
        "idempotency_key_missing",
        400,
        "This operation moves money or does something else that must not happen twice, and "
        "the request has no `Idempotency-Key` header.",
        "Generate a key (a UUID) when the user starts the action, send it as `Idempotency-Key` "
        "and send the same key with every retry of that action.",
    )
    IDEMPOTENCY_KEY_INVALID = (
        "idempotency_key_invalid",
        400,
        "The `Idempotency-Key` header is empty, longer than 255 characters or has characters "
        "other than printable ASCII.",
        "Send a UUID (or another printable ASCII string of 1 to 255 characters); a client bug.",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        409,
        "This `Idempotency-Key` was already used by this account for a different request (another "
        "body, path or method) within the last IDEMPOTENCY_KEY_HOURS; nothing was done.",
        "Use a new key for a new action; reuse a key only to retry the very same request.",
    )
    IDEMPOTENCY_KEY_IN_USE = (
        "idempotency_key_in_use",
        409,
        "A request with this `Idempotency-Key` is still being processed (a double click, or a "
        "retry sent before the first answer came back); nothing was done twice.",
        "Wait the seconds in `Retry-After` and send the same request with the same key again: "
        "you get the first request's answer.",
    )
    SERVER_ERROR = (
        "server_error",
        500,
        "Something failed on the server; the request id (`X-Request-ID`) locates it in the logs.",
        "Retry later (idempotent requests only); report the request id if it persists.",
    )


class ApplicationError(Exception):
    """A use case refused: the message is safe to show to the caller."""

    code: str = ErrorCode.BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: StrEnum | str | None = None,
        fields: dict[str, list[str]] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code or self.code)
        self.fields = fields
        # JSON-serialisable facts a client can act on (the envelope's `details`).
        self.details = details


class NotFoundError(ApplicationError):
    """The object does not exist, or the caller may not know that it does."""

    code = ErrorCode.NOT_FOUND


class ForbiddenError(ApplicationError):
    """The caller may see the object but not do this to it."""

    code = ErrorCode.PERMISSION_DENIED


class ConflictError(ApplicationError):
    """A duplicate, or a state transition the object's current state does not allow."""

    code = ErrorCode.CONFLICT
