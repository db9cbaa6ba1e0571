"""The consumer process of `bench/events.py`: `run_consumers --only <bench handler>`.

A helper, not a benchmark (`run_all.py` skips `bench/_*.py`). `manage.py run_consumers` only
knows the handlers of `<app>/handlers.py`, so this script declares the bench event type and
the bench handler first and then runs that same management command in this process.

The handler does no work of its own beyond the bus's (the inbox row in the same transaction):
it registers an on-commit callback that writes `<seq> <time.time()>` to the pipe whose file
descriptor is in BENCH_EVENTS_FD, so the stamp is taken right after the handler's transaction
committed.

    python bench/_events_consumer.py <handler name>     # started by bench/events.py only
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

EVENT_TYPE = "bench.ticked"
PRODUCER = "bench"
FD_ENV = "BENCH_EVENTS_FD"


def declare_event_type() -> None:
    """Declare the bench-only event type (both the producer and this process need it)."""
    from gigsy.events import catalog
    from gigsy.events.catalog import EventSpec

    catalog.register(
        EventSpec(
            type=EVENT_TYPE,
            producer=PRODUCER,
            consumers=(PRODUCER,),
            description="Benchmark only (bench/events.py), on a throw-away stream.",
            properties={"seq": {"type": "integer"}, "text": {"type": "string"}},
        )
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2 or FD_ENV not in os.environ:
        sys.exit(f"usage: {FD_ENV}=<fd> {argv[0]} <handler name> (started by bench/events.py)")
    name, fd = argv[1], int(os.environ[FD_ENV])

    from gigsy.settings import select

    select()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from gigsy.events.envelope import Event
    from gigsy.events.registry import handler

    declare_event_type()

    def record(event: Event) -> None:
        seq = event.data["seq"]
        # Stamped after the commit of the transaction that also holds the inbox row.
        transaction.on_commit(lambda: os.write(fd, f"{seq} {time.time():.6f}\n".encode()))

    handler(EVENT_TYPE, name=name)(record)
    try:
        call_command("run_consumers", only=[name])
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
