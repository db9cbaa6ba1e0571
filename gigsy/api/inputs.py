"""Reading requests: strict input serializers and one `parse` for every view's body, and
`parse_query` for the query parameters a view reads itself."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


class StrictInput(serializers.Serializer[Any]):
    """An input serializer that refuses unknown keys: they are a client bug (a typo, or a
    read-only field), so say so instead of silently ignoring them."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        initial = getattr(self, "initial_data", None)
        unknown = set(initial if isinstance(initial, dict) else {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown or read-only field."] for name in sorted(unknown)}
            )
        return attrs


def parse(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    """The validated body as a plain dict; invalid input raises the 400 envelope."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def parse_query(
    serializer_class: type[serializers.Serializer[Any]], request: Request
) -> dict[str, Any]:
    """The view's own query parameters, validated: a malformed value (an unknown enum value, a
    text too long) is the 400 `validation_error` naming the parameter. Parameters the
    serializer does not name (`page`, a cache buster) are left alone. Document the same
    serializer as the operation's parameters: `extend_schema(parameters=[Query])`."""
    data = serializer_class(data=request.query_params)
    data.is_valid(raise_exception=True)
    return {name: value for name, value in data.validated_data.items() if value not in ("", None)}
