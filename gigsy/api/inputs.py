"""Reading request bodies: strict input serializers and one `parse` for every view."""

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
