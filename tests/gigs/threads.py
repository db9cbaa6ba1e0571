"""Racing requests for the concurrency tests (transactional tests: each thread opens its own
database connection, closed when it is done)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def in_threads(work: Callable[[int], Any], threads: int, *, timeout: float = 60) -> list[Any]:
    """Run work(i) in `threads` threads released at once by a barrier; each result or exception
    (the tests inspect what each thread got), in order."""
    start = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        try:
            start.wait(timeout=timeout)
            results[i] = work(i)
        except Exception as error:  # handed to the test as the thread's result
            results[i] = error
        finally:
            connection.close()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=2 * timeout)
    assert not any(thread.is_alive() for thread in pool)
    return results
