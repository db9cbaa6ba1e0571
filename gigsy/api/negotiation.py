"""Content negotiation whose refusals are the API's: an unknown `?format=` is a 406.

DRF answers `?format=xml` on a JSON-only endpoint with a 404, as if the resource did not
exist. The client asked for a representation the operation does not offer: that is a 406
`not_acceptable` (like an `Accept` header nothing satisfies), naming what is offered.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer


class ContentNegotiation(DefaultContentNegotiation):
    def filter_renderers(
        self, renderers: Iterable[BaseRenderer], format: str
    ) -> list[BaseRenderer]:
        renderers = list(renderers)
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(dict.fromkeys(renderer.format for renderer in renderers))
            raise NotAcceptable(f"format={format!r} is not offered here (offered: {offered}).")
        return matching
