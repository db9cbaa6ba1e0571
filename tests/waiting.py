"""Waiting for something another process or thread does (a relay, a worker, a consumer)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], object], timeout: float, message: str, *, interval: float = 0.01
) -> None:
    """Poll `condition` until it is true; fail the test with `message` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(interval)
