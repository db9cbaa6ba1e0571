"""When an open quiz attempt stops being answerable: one rule for the service that grades it,
the sweep that settles it and the screens that show it."""

from __future__ import annotations

from datetime import datetime, timedelta

# Network and clock skew allowance on the time limit.
GRACE = timedelta(seconds=2)


def expired(*, deadline: datetime | None, now: datetime) -> bool:
    """An attempt with a deadline is expired once the deadline and the grace have passed."""
    return deadline is not None and now > deadline + GRACE
