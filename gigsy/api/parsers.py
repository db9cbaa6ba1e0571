"""Request body parsing: JSON that PostgreSQL can store.

PostgreSQL text and jsonb can't hold the NUL character: a `"\\u0000"` anywhere in a body would
reach the database and fail there as a 500. It is refused here, for every endpoint, as the
malformed request it is (400 `malformed_request`).
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if _has_nul(data):
            raise ParseError("Text may not contain NUL (\\u0000) characters.")
        return data


def _has_nul(value: Any) -> bool:
    # Iterative: a deeply nested body must not exhaust the stack.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
