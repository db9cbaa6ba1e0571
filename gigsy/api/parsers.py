"""Request body parsing: JSON that the application can hold, or a 4xx saying why not.

Three bounds, each answered in the error envelope for every endpoint, anonymous ones included:

- **Nesting depth** at most `MAX_JSON_DEPTH` (32) arrays/objects, the outermost counting as 1:
  400 `malformed_request`. No body of this API nests more than 4 deep; unbounded nesting was a
  500 (Python's decoder raises `RecursionError`, not a `ValueError`, from ~1,000 levels) and
  would reach every recursive consumer after it (serializers, error flattening, jsonb). A
  body too deep for the decoder is caught as the same 400; a shallower one is measured
  after decoding by an explicit stack, no recursion, in the one pass that also looks for NUL.
- **Size**: at most `MAX_REQUEST_BODY_BYTES` bytes are read (413 `payload_too_large`), whatever
  the `Content-Length` said (gigsy.api.middleware already refuses a declared length over it).
- **Values PostgreSQL and JSON can hold**: a NUL character (`"\\u0000"`) anywhere, which text
  and jsonb can't store; an unpaired surrogate (`"\\ud800"`: a valid JSON escape that is no
  Unicode character, which jsonb refuses, a 500 the fuzz test found behind JSONFields; DRF's
  CharField already refused it); numbers that overflow a double (`1e400`, which would become
  infinity and be unrenderable as JSON), and `NaN`/`Infinity`: 400 `malformed_request`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import get_encoding  # type: ignore[attr-defined]

from gigsy.errors import ErrorCode

MAX_JSON_DEPTH = 32
# NUL, and any surrogate code point: a surrogate pair decodes to one astral character, so what
# is left in a decoded str is unpaired.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = ErrorCode.PAYLOAD_TOO_LARGE


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Number out of range: {text[:40]}")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.MAX_REQUEST_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"Request body is over the limit of {limit} bytes.")
        try:
            text = raw.decode(get_encoding(parser_context or {}))
            data = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
            raise ParseError(f"JSON parse error - {exc}") from None
        problem = _check(data)
        if problem:
            raise ParseError(problem)
        return data


def _too_deep() -> str:
    return f"JSON may nest at most {MAX_JSON_DEPTH} arrays and objects deep."


def _check(value: Any) -> str | None:
    """What makes a decoded body unacceptable (too deep, a NUL, an unpaired surrogate), or
    None. Iterative: one explicit stack of (value, depth), so it never recurses whatever the
    input."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found and found.group() == "\x00":
                return "Text may not contain NUL (\\u0000) characters."
            if found:
                return f"Text may not contain unpaired surrogates (U+{ord(found.group()):04X})."
        elif isinstance(item, dict | list):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return _too_deep()
            if isinstance(item, dict):
                pending.extend((key, depth) for key in item)
                pending.extend((child, depth) for child in item.values())
            else:
                pending.extend((child, depth) for child in item)
    return None
