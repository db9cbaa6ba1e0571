"""Pure helpers: what a valid key is, whose it is, and the fingerprint of a request body."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from rest_framework.utils.encoders import JSONEncoder

MAX_KEY_LENGTH = 255
# Printable ASCII, space to tilde: a UUID, a ULID, "order-42-attempt-1". Nothing a header
# could not carry, nothing invisible in a log line.
KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
_KEY = re.compile(r"[\x20-\x7e]{1,255}")


def is_valid_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


def new_key() -> str:
    """A fresh key (operator forms get one when they are rendered)."""
    return str(uuid.uuid4())


def user_scope(user_id: int | str) -> str:
    """The scope of a signed-in user's keys: two users may send the same key."""
    return f"user:{user_id}"


def canonical_json(data: Any) -> str:
    """The body as one string whatever its key order and whitespace (DRF's encoder: dates,
    decimals and UUIDs as the API writes them)."""
    return json.dumps(
        data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def fingerprint(data: Any) -> str:
    """sha256 of the canonical JSON of a request body: a retry must send the same body."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def as_json(data: Any) -> Any:
    """`data` as plain JSON values (what a JSONField keeps and a replay renders again)."""
    return json.loads(json.dumps(data, cls=JSONEncoder))
