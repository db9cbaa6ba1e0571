"""Renderers for endpoints that answer in a non-JSON format on request (`Accept` or `?format=`).

The view hands such a renderer the finished text; anything else that reaches it (an error
envelope, a throttled request) is rendered as JSON under a JSON content type, so errors keep
the API's envelope whatever the client asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


class TextOrJSONRenderer(BaseRenderer):
    """Subclasses set `media_type`, `format` and `charset` (None: ASCII, e.g. a JWS)."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, str):
            return data.encode(self.charset or "ascii")
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = JSONRenderer.media_type
        return JSONRenderer().render(data, JSONRenderer.media_type, renderer_context)
