"""Domain errors: what a use case refuses, with no HTTP in sight.

Services raise these; the API layer (gigsy/api/errors.py) maps each class to a status and
renders the one error envelope. Every code a caller can receive is a member of a `StrEnum`
registered here: the kernel's `ErrorCode` below and one enum per context in
`apps/<ctx>/errors.py`. The OpenAPI schema lists them all (gigsy/api/responses.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

_E = TypeVar("_E", bound=type[StrEnum])
_ENUMS: dict[str, type[StrEnum]] = {}


def error_codes(enum: _E) -> _E:
    """Class decorator: declare a context's error codes (a code may not mean two things)."""
    for member in enum:
        for other_name, other in _ENUMS.items():
            if other_name != enum.__qualname__ and member.value in other.__members__.values():
                raise ValueError(f"error code {member.value!r} is declared twice")
    _ENUMS[f"{enum.__module__}.{enum.__qualname__}"] = enum
    return enum


def all_error_codes() -> list[str]:
    return sorted({member.value for enum in _ENUMS.values() for member in enum})


@error_codes
class ErrorCode(StrEnum):
    """Codes the kernel itself answers with (parsing, auth, limits, generic refusals)."""

    BAD_REQUEST = "bad_request"
    VALIDATION_ERROR = "validation_error"
    MALFORMED_REQUEST = "malformed_request"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    TOKEN_NOT_VALID = "token_not_valid"  # noqa: S105 - an error code, not a secret
    USER_INACTIVE = "user_inactive"
    USER_NOT_FOUND = "user_not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    LINK_EXPIRED = "link_expired"  # a signed file link past its lifetime (gigsy/files)
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    CONFLICT = "conflict"
    LENGTH_REQUIRED = "length_required"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    SERVER_ERROR = "server_error"


class ApplicationError(Exception):
    """A use case refused: the message is safe to show to the caller."""

    code: str = ErrorCode.BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: StrEnum | str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code or self.code)
        self.fields = fields


class NotFoundError(ApplicationError):
    """The object does not exist, or the caller may not know that it does."""

    code = ErrorCode.NOT_FOUND


class ForbiddenError(ApplicationError):
    """The caller may see the object but not do this to it."""

    code = ErrorCode.PERMISSION_DENIED


class ConflictError(ApplicationError):
    """A duplicate, or a state transition the object's current state does not allow."""

    code = ErrorCode.CONFLICT
