"""Event pipeline: sustained throughput and end-to-end lag, outbox -> relay -> JetStream -> handler.

What is measured
    Events committed through the transactional outbox (`publish()` inside
    `transaction.atomic()`), sent to JetStream by the relay and handled by a durable consumer,
    timed from the producer's commit to the commit of the handler's transaction (the one that
    also writes the inbox row).

    - Throughput: 10,000 events committed as fast as possible, 100 per transaction.
      Sustained events/s = events / (last handler commit - first producer commit). The
      relay's share (commit -> stored in JetStream) and the producer's own commit rate are
      printed next to it, so the slowest stage is visible.
    - Lag: a steady 200 events/s for 15 s (3,000 events), one event per transaction, paced
      by a timer. p50/p95/p99/max of commit -> handler commit, split into commit -> stored in
      JetStream (relay) and stored -> handler commit (consumer).
    - Capacity of each stage alone (skip with --no-drain): the relay and the consumer are
      paused with SIGSTOP while 10,000 more events are committed (the producer alone); then
      the relay alone is resumed until all are in the stream, then the consumer alone until
      all are handled.
    - The headline: the sustained rate as a share of the slowest of those three stages alone,
      in the same run. Together the stages share the machine's cores (with PostgreSQL and
      NATS), so the pipeline cannot reach the slowest stage's rate alone; what is lost beyond
      that contention (round trips, wake-ups, batching) is the pipeline's own cost.
    - Resident memory of the relay and the consumer before and after, to catch growth.

    Rates are counted from the first producer commit of the phase.

    Targets (the issues): sustained >= 60 % of the slowest stage alone; >= 1,500 events/s
    sustained; p95 lag < 100 ms at 200 events/s.

Layout: the real processes
    - this process: the producer (Django ORM, `gigsy.events.publisher.publish`);
    - `manage.py run_relay`: the real relay command, unchanged;
    - `bench/_events_consumer.py`: declares the bench handler, then runs the real
      `run_consumers --only <bench handler>` command in its own process (the command only
      discovers `<app>/handlers.py`, hence the small wrapper).
    Three interpreters, three GILs: the producer does not steal CPU time from the relay or the
    consumer (they still share the machine's cores with each other, PostgreSQL and NATS; the
    CPU seconds each one used during the throughput phase are printed).

Timestamps
    Producer commit: `time.time()` right after `transaction.atomic()` returned. Handler commit:
    `time.time()` in a `transaction.on_commit` callback of the handler, sent back over a pipe.
    Stored in JetStream: the stream's own per-message timestamp, read back at the end. All
    three are the same machine's wall clock.

Isolation and clean-up
    A fresh stream `BENCH_<random>` on subjects `bench<random>.>` (EVENTS_STREAM and
    EVENTS_SUBJECT_PREFIX), a bench-only event type `bench.ticked` (`seq` + 256 characters of
    text, about 500 bytes on the wire) and a handler `bench.record_<random>` with its own
    durable consumer. At the end the stream is deleted and so are the bench's outbox, inbox
    and dead-letter rows. Each run leaves about two dead rows per event in events.outbox and
    events.inbox, and the relay's claim query slows down as they pile up, so the script runs
    `VACUUM (ANALYZE)` on both tables before it starts and after its clean-up. This matters
    here because autovacuum is off on this machine's PostgreSQL.

    The relay sends *every* unsent outbox row of the database, whatever its subject: before
    starting, the script waits (--quiet-wait, 120 s) until no one else's rows are unsent and
    no other relay listens, and it reports any relay or consumer retries and any rows of
    others that turned up during the run.

Settings
    The production settings (`DJANGO_ENV=prod`, JSON logs to a temp file, a random SECRET_KEY
    and a throw-away CERTIFICATE_SIGNING_KEY unless one is set), like every benchmark;
    `--django-env dev` to compare. Relay and consumer use their defaults (relay batch
    EVENTS_RELAY_BATCH, consumer batch 100).

Missed targets are reported, not gated: the exit code is non-zero only when no valid
measurement could be made (a process died, events were lost or stalled).

    --bulk: the producer commits each transaction's events with one publish_many() instead of
    one publish() per event (the lag phase is one event per transaction either way).

    .venv/bin/python bench/events.py [--events 10000] [--batch 100] [--rate 200] [--lag-seconds 15]
        [--bulk]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from _events_consumer import EVENT_TYPE, FD_ENV, PRODUCER, declare_event_type
from _support import (
    REPO_ROOT,
    BenchError,
    bench_main,
    cpu_busy_pct,
    cpu_ticks,
    listening_relays,
    print_busy,
    print_checks,
    settings_env,
)
from _support import setup_django as _setup_django

TARGET_EVENTS_PER_S = 1500.0
TARGET_SHARE_OF_SLOWEST = 0.60
TARGET_P95_MS = 100.0
TEXT = "x" * 256  # a realistic payload size (gig.posted carries title, description, skills)
STALL_TIMEOUT_S = 30.0  # no handled event for this long: the pipeline is stuck
STARTUP_TIMEOUT_S = 90.0  # the first event through: processes start, stream and consumer exist
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Options:
    events: int
    batch: int
    rate: float
    lag_seconds: float
    warmup_events: int
    django_env: str
    drain: bool
    quiet_wait_s: float
    bulk: bool


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="throughput phase events")
    parser.add_argument("--batch", type=int, default=100, help="events per producer transaction")
    parser.add_argument("--rate", type=float, default=200.0, help="lag phase events/s")
    parser.add_argument("--lag-seconds", type=float, default=15.0, help="lag phase duration")
    parser.add_argument(
        "--warmup-events", type=int, default=200, help="paced events before measuring, discarded"
    )
    parser.add_argument("--django-env", choices=("prod", "dev"), default="prod")
    parser.add_argument(
        "--no-drain", dest="drain", action="store_false", help="skip the backlog-drain phase"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="seconds to wait for others' unsent outbox rows and relays to go away",
    )
    parser.add_argument(
        "--bulk", action="store_true", help="publish each transaction with one publish_many()"
    )
    args = parser.parse_args(argv)
    if min(args.events, args.batch, args.rate, args.lag_seconds) <= 0 or args.warmup_events < 0:
        parser.error("events, batch, rate and lag-seconds must be > 0, warmup-events >= 0")
    return Options(
        events=args.events,
        batch=args.batch,
        rate=args.rate,
        lag_seconds=args.lag_seconds,
        warmup_events=args.warmup_events,
        django_env=args.django_env,
        drain=args.drain,
        quiet_wait_s=args.quiet_wait,
        bulk=args.bulk,
    )


# --- names and settings -----------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def stream(self) -> str:
        return f"BENCH_{self.suffix.upper()}"

    @property
    def subject_prefix(self) -> str:
        return f"bench{self.suffix}"

    @property
    def handler(self) -> str:
        return f"bench.record_{self.suffix}"


def bench_env(names: Names, django_env: str) -> dict[str, str]:
    """The settings of `django_env` (prod: keeps a CERTIFICATE_SIGNING_KEY that is set) on the
    bench's own stream and subjects."""
    return settings_env(
        django_env,
        keep_certificate_key=True,
        EVENTS_STREAM=names.stream,
        EVENTS_SUBJECT_PREFIX=names.subject_prefix,
    )


def setup_django(env: dict[str, str]) -> None:
    _setup_django(env)
    declare_event_type()


# --- CPU accounting ---------------------------------------------------------------------------


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return math.nan
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    """Resident memory of one process, from /proc/<pid>/status."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat)."""
    total, idle = cpu_ticks()
    return (total - idle) / CLK_TCK


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    times = os.times()
    snapshot = {"producer": times.user + times.system}
    snapshot.update({name: process_cpu_s(pid) for name, pid in pids.items()})
    snapshot["machine"] = machine_busy_s()
    return snapshot


# --- the relay and consumer processes ---------------------------------------------------------


class HandledRecorder:
    """Reads `<seq> <handler commit time>` lines from the consumer's pipe in a thread."""

    def __init__(self, read_fd: int) -> None:
        self.times: dict[int, float] = {}
        self.duplicates = 0
        self._thread = threading.Thread(target=self._read, args=(read_fd,), daemon=True)
        self._thread.start()

    def _read(self, read_fd: int) -> None:
        with os.fdopen(read_fd, "rb") as pipe:
            for line in pipe:
                seq, stamp = line.split()
                if int(seq) in self.times:
                    self.duplicates += 1
                else:
                    self.times[int(seq)] = float(stamp)

    @property
    def count(self) -> int:
        return len(self.times)


class Services:
    """`manage.py run_relay` and the bench consumer, each in its own process group."""

    def __init__(self, env: dict[str, str], names: Names, workdir: Path) -> None:
        self.env = env
        self.names = names
        self.relay_log = workdir / "relay.log"
        self.consumer_log = workdir / "consumer.log"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.recorder: HandledRecorder | None = None

    def start(self) -> HandledRecorder:
        python = sys.executable
        self._spawn("relay", [python, "manage.py", "run_relay"], self.relay_log, self.env)
        read_fd, write_fd = os.pipe()
        try:
            self._spawn(
                "consumer",
                [python, "bench/_events_consumer.py", self.names.handler],
                self.consumer_log,
                {**self.env, FD_ENV: str(write_fd)},
                pass_fds=(write_fd,),
            )
        finally:
            os.close(write_fd)  # the consumer holds the only write end: EOF when it exits
        self.recorder = HandledRecorder(read_fd)
        return self.recorder

    def _spawn(
        self,
        name: str,
        command: list[str],
        log_path: Path,
        env: dict[str, str],
        pass_fds: tuple[int, ...] = (),
    ) -> None:
        with log_path.open("wb") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=pass_fds,
            )

    @property
    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise BenchError(f"the {name} exited ({process.returncode})\n{self.log_tails()}")

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM (both stop cleanly on it), then SIGKILL to our own process group."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group it leads: only ours
                process.wait()

    def log_problems(self) -> list[str]:
        """Warning and error lines the relay and consumer logged (retries, failures)."""
        problems = []
        for path in (self.relay_log, self.consumer_log):
            with contextlib.suppress(OSError):
                for line in path.read_text(errors="replace").splitlines():
                    lowered = line.lower()
                    if any(
                        level in lowered for level in ('"warning"', '"error"', "[warning", "[error")
                    ):
                        problems.append(f"{path.stem}: {line[:300]}")
        return problems

    def log_tails(self, lines: int = 20) -> str:
        parts = []
        for path in (self.relay_log, self.consumer_log):
            try:
                text = "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            except OSError:
                text = "(no log)"
            parts.append(f"--- last {lines} lines of the {path.stem} log ---\n{text}")
        return "\n".join(parts)


# --- producing and waiting --------------------------------------------------------------------


class Producer:
    """Commits bench events through `publish()`; remembers each event's commit time."""

    def __init__(self, *, bulk: bool = False) -> None:
        self.next_seq = 0
        self.commit_times: dict[int, float] = {}
        self.bulk = bulk

    def commit(self, count: int) -> float:
        from django.db import transaction

        from gigsy.events.publisher import publish, publish_many

        seqs = range(self.next_seq, self.next_seq + count)
        with transaction.atomic():
            if self.bulk:
                publish_many(
                    [(EVENT_TYPE, {"seq": seq, "text": TEXT}) for seq in seqs], producer=PRODUCER
                )
            else:
                for seq in seqs:
                    publish(EVENT_TYPE, {"seq": seq, "text": TEXT}, producer=PRODUCER)
        committed = time.time()
        self.commit_times.update(dict.fromkeys(seqs, committed))
        self.next_seq += count
        return committed

    def paced(self, count: int, rate: float) -> tuple[range, float, float]:
        """`count` events, one per transaction, at `rate`/s; returns seqs, first/last commit."""
        seqs = range(self.next_seq, self.next_seq + count)
        started = time.monotonic()
        first = last = 0.0
        for i in range(count):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            last = self.commit(1)
            first = first or last
        return seqs, first, last


def wait_handled(
    services: Services, recorder: HandledRecorder, total: int, *, first_timeout: float = 0.0
) -> None:
    """Until the handler committed `total` events in all; fails when progress stalls."""
    last_count, last_progress = recorder.count, time.monotonic()
    timeout = first_timeout or STALL_TIMEOUT_S
    while recorder.count < total:
        time.sleep(0.002)
        if recorder.count != last_count:
            last_count, last_progress = recorder.count, time.monotonic()
            timeout = STALL_TIMEOUT_S
        elif time.monotonic() - last_progress > timeout:
            services.check_alive()
            raise BenchError(
                f"stalled: {recorder.count} of {total} events handled, none for {timeout:.0f} s"
                f"\n{services.log_tails()}"
            )


# --- JetStream ---------------------------------------------------------------------------------


async def stored_times(names: Names, count: int) -> dict[int, float]:
    """seq -> when JetStream stored the event, read back with a throw-away consumer."""
    from django.conf import settings
    from nats.errors import TimeoutError as NatsTimeout
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    from gigsy.events import nats as bus

    nc = await bus.connect(settings.NATS_URL, name="gigsy-bench-reader")
    try:
        js = nc.jetstream()
        durable = f"reader_{names.suffix}"
        subscription = await js.pull_subscribe(
            f"{names.subject_prefix}.>",
            durable=durable,
            stream=names.stream,
            config=ConsumerConfig(
                durable_name=durable,
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL,
            ),
        )
        stored: dict[int, float] = {}
        while len(stored) < count:
            try:
                messages = await subscription.fetch(1000, timeout=5)
            except NatsTimeout:
                break  # the caller reports what is missing
            for message in messages:
                seq = json.loads(message.data)["data"]["seq"]
                stored.setdefault(seq, message.metadata.timestamp.timestamp())
        return stored
    finally:
        await nc.close()


async def wait_stored(names: Names, total: int) -> None:
    """Until the stream holds `total` messages; fails when the count stops growing."""
    from django.conf import settings

    from gigsy.events import nats as bus

    nc = await bus.connect(settings.NATS_URL, name="gigsy-bench-watch")
    try:
        js = nc.jetstream()
        last, last_progress = -1, time.monotonic()
        while (count := (await js.stream_info(names.stream)).state.messages) < total:
            if count != last:
                last, last_progress = count, time.monotonic()
            elif time.monotonic() - last_progress > STALL_TIMEOUT_S:
                raise BenchError(f"relay stalled: {count} of {total} events in the stream")
            await asyncio.sleep(0.005)
    finally:
        await nc.close()


async def delete_stream(name: str) -> None:
    from django.conf import settings
    from nats.js.errors import NotFoundError

    from gigsy.events import nats as bus

    nc = await bus.connect(settings.NATS_URL, name="gigsy-bench-cleanup")
    try:
        with contextlib.suppress(NotFoundError):
            await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


# --- database ----------------------------------------------------------------------------------


def others_in_the_outbox(names: Names) -> tuple[dict[str, int], int]:
    """Unsent outbox rows of others, by subject prefix, and how many other relays listen.

    The relay claims every unsent row, whatever its subject: it would try to send theirs too.
    A row no stream takes (e.g. another benchmark's, whose stream is gone) fails on every pass
    and sends the relay into its error backoff; another relay would share the bench's rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT split_part(subject, '.', 1), count(*) FROM events.outbox"
            " WHERE sent_at IS NULL AND subject NOT LIKE %s GROUP BY 1 ORDER BY 2 DESC",
            [f"{names.subject_prefix}.%"],
        )
        rows = dict(cursor.fetchall())
    return rows, listening_relays()


def describe_others(rows: dict[str, int], listeners: int) -> list[str]:
    notes = []
    if rows:
        prefixes = ", ".join(f"{prefix}.* ({count})" for prefix, count in rows.items())
        notes.append(f"unsent outbox rows of others, which the bench relay tries too: {prefixes}")
    if listeners:
        notes.append(f"{listeners} other relay(s) listen for the outbox and share the bench's rows")
    return notes


def wait_for_quiet(names: Names, wait_s: float) -> list[str]:
    """Wait up to `wait_s` until nobody else's rows are unsent and no other relay listens
    (another benchmark may be between phases); then go on and say what was seen."""
    started = time.monotonic()
    last_print = -math.inf
    rows, listeners = others_in_the_outbox(names)
    while (rows or listeners) and time.monotonic() - started < wait_s:
        if time.monotonic() - last_print >= 15:
            print(f"waiting (up to {wait_s:g} s): {'; '.join(describe_others(rows, listeners))}")
            last_print = time.monotonic()
        time.sleep(2)
        rows, listeners = others_in_the_outbox(names)
    return describe_others(rows, listeners)


def vacuum_events_tables() -> str:
    """VACUUM (ANALYZE) the two tables every run churns (about 2 dead rows per event).

    With autovacuum off, as on this machine, they only grow: two million dead rows made the
    relay's claim query take 2.6 ms instead of 0.01 ms, and the numbers drift from run to
    run. Returns a note on autovacuum and the dead rows found."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        (autovacuum,) = cursor.fetchone()
        cursor.execute(
            "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables"
            " WHERE schemaname = 'events' AND relname IN ('outbox', 'inbox')"
        )
        (dead,) = cursor.fetchone()
        cursor.execute("VACUUM (ANALYZE) events.outbox, events.inbox")
    return f"autovacuum {autovacuum}; vacuumed events.outbox and events.inbox ({dead:,} dead rows)"


def delete_rows(names: Names) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM events.outbox WHERE subject LIKE %s", [f"{names.subject_prefix}.%"]
        )
        outbox = cursor.rowcount
        cursor.execute("DELETE FROM events.inbox WHERE consumer = %s", [names.handler])
        inbox = cursor.rowcount
        cursor.execute("DELETE FROM events.dead_letter WHERE consumer = %s", [names.handler])
    return outbox, inbox


def clean_up(names: Names) -> None:
    """Each step on its own: one failing (NATS away) must not leave the others undone."""
    try:
        asyncio.run(delete_stream(names.stream))
    except Exception as exc:
        print(f"could not delete the stream {names.stream}: {exc!r}", file=sys.stderr)
    try:
        outbox, inbox = delete_rows(names)
        vacuumed = vacuum_events_tables()
    except Exception as exc:
        print(f"could not delete the bench rows: {exc!r}", file=sys.stderr)
    else:
        print(
            f"cleaned up: stream {names.stream}, {outbox} outbox and {inbox} inbox rows; {vacuumed}"
        )


# --- measurement -------------------------------------------------------------------------------


@dataclass
class ThroughputRun:
    seqs: range
    first_batch: int  # events committed at `first_commit`
    first_commit: float
    last_commit: float
    cpu_before: dict[str, float]
    cpu_after: dict[str, float]
    wall_s: float


@dataclass
class LagRun:
    seqs: range
    first_commit: float
    last_commit: float


def measure_throughput(
    services: Services, recorder: HandledRecorder, producer: Producer, options: Options
) -> ThroughputRun:
    cpu_before = cpu_snapshot(services.pids)
    started = time.time()
    first_seq = producer.next_seq
    first_commit = last_commit = 0.0
    remaining = options.events
    while remaining:
        count = min(options.batch, remaining)
        last_commit = producer.commit(count)
        first_commit = first_commit or last_commit
        remaining -= count
    wait_handled(services, recorder, producer.next_seq)
    cpu_after = cpu_snapshot(services.pids)
    return ThroughputRun(
        seqs=range(first_seq, producer.next_seq),
        first_batch=min(options.batch, options.events),
        first_commit=first_commit,
        last_commit=last_commit,
        cpu_before=cpu_before,
        cpu_after=cpu_after,
        wall_s=time.time() - started,
    )


def measure_lag(
    services: Services, recorder: HandledRecorder, producer: Producer, options: Options
) -> LagRun:
    count = max(2, round(options.rate * options.lag_seconds))
    seqs, first, last = producer.paced(count, options.rate)
    wait_handled(services, recorder, producer.next_seq)
    return LagRun(seqs=seqs, first_commit=first, last_commit=last)


@dataclass
class DrainRun:
    seqs: range
    first_batch: int  # events committed at `first_commit`
    first_commit: float
    last_commit: float
    relay_resumed: float
    consumer_resumed: float
    relay_cpu_s: float
    consumer_cpu_s: float


def measure_drain(
    services: Services,
    recorder: HandledRecorder,
    producer: Producer,
    names: Names,
    options: Options,
) -> DrainRun:
    """Capacity of each stage alone: the relay and the consumer are paused (SIGSTOP) while the
    producer commits the backlog, then the relay is resumed alone until every event is in the
    stream, then the consumer alone until every event is handled."""
    relay, consumer = services.processes["relay"], services.processes["consumer"]
    for process in (consumer, relay):
        process.send_signal(signal.SIGSTOP)
    try:
        first_seq = producer.next_seq
        first_commit = last_commit = 0.0
        remaining = options.events
        while remaining:  # the producer alone: nothing else of the pipeline runs
            count = min(options.batch, remaining)
            last_commit = producer.commit(count)
            first_commit = first_commit or last_commit
            remaining -= count
        relay_cpu = process_cpu_s(relay.pid)
        relay_resumed = time.time()
        relay.send_signal(signal.SIGCONT)
        asyncio.run(wait_stored(names, producer.next_seq))
        relay_cpu = process_cpu_s(relay.pid) - relay_cpu
        consumer_cpu = process_cpu_s(consumer.pid)
        consumer_resumed = time.time()
        consumer.send_signal(signal.SIGCONT)
    finally:
        for process in (relay, consumer):
            process.send_signal(signal.SIGCONT)
    wait_handled(services, recorder, producer.next_seq)
    return DrainRun(
        seqs=range(first_seq, producer.next_seq),
        first_batch=min(options.batch, options.events),
        first_commit=first_commit,
        last_commit=last_commit,
        relay_resumed=relay_resumed,
        consumer_resumed=consumer_resumed,
        relay_cpu_s=relay_cpu,
        consumer_cpu_s=process_cpu_s(consumer.pid) - consumer_cpu,
    )


# --- report ------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Distribution:
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of_ms(cls, seconds: list[float]) -> Distribution:
        values = sorted(1000.0 * s for s in seconds)
        return cls(
            percentile(values, 50),
            percentile(values, 95),
            percentile(values, 99),
            values[-1],
        )

    def row(self, label: str) -> str:
        return f"  {label:<30} {self.p50:>8.1f} {self.p95:>8.1f} {self.p99:>8.1f} {self.max:>8.1f}"


@dataclass(frozen=True)
class Report:
    events_per_s: float
    relay_events_per_s: float
    producer_events_per_s: float
    throughput_lag: Distribution
    lag: Distribution
    lag_relay: Distribution
    lag_consumer: Distribution
    lag_rate: float
    lag_events: int
    cpu: dict[str, float]
    wall_s: float
    drain: DrainReport | None


@dataclass(frozen=True)
class DrainReport:
    events: int
    producer_events_per_s: float
    relay_events_per_s: float
    consumer_events_per_s: float
    relay_cpu_s: float
    consumer_cpu_s: float

    @property
    def stages(self) -> dict[str, float]:
        return {
            "producer": self.producer_events_per_s,
            "relay": self.relay_events_per_s,
            "consumer": self.consumer_events_per_s,
        }

    @property
    def slowest(self) -> tuple[str, float]:
        return min(self.stages.items(), key=lambda item: item[1])

    @classmethod
    def of(
        cls, drain: DrainRun, handled: dict[int, float], stored: dict[int, float]
    ) -> DrainReport:
        n = len(drain.seqs)
        return cls(
            events=n,
            producer_events_per_s=(n - drain.first_batch)
            / (drain.last_commit - drain.first_commit),
            relay_events_per_s=n / (max(stored[s] for s in drain.seqs) - drain.relay_resumed),
            consumer_events_per_s=n
            / (max(handled[s] for s in drain.seqs) - drain.consumer_resumed),
            relay_cpu_s=drain.relay_cpu_s,
            consumer_cpu_s=drain.consumer_cpu_s,
        )


def build_report(
    throughput: ThroughputRun,
    lag: LagRun,
    drain: DrainRun | None,
    producer: Producer,
    handled: dict[int, float],
    stored: dict[int, float],
) -> Report:
    commit = producer.commit_times
    seqs = throughput.seqs
    n = len(seqs)
    last_handled = max(handled[s] for s in seqs)
    last_stored = max(stored[s] for s in seqs)
    cpu = {
        name: throughput.cpu_after[name] - throughput.cpu_before[name]
        for name in throughput.cpu_before
    }
    cpu["other"] = cpu.pop("machine") - sum(cpu.values())
    lag_seqs = lag.seqs
    return Report(
        events_per_s=n / (last_handled - throughput.first_commit),
        relay_events_per_s=n / (last_stored - throughput.first_commit),
        producer_events_per_s=(n - throughput.first_batch)
        / (throughput.last_commit - throughput.first_commit),
        throughput_lag=Distribution.of_ms([handled[s] - commit[s] for s in seqs]),
        lag=Distribution.of_ms([handled[s] - commit[s] for s in lag_seqs]),
        lag_relay=Distribution.of_ms([stored[s] - commit[s] for s in lag_seqs]),
        lag_consumer=Distribution.of_ms([handled[s] - stored[s] for s in lag_seqs]),
        lag_rate=(len(lag_seqs) - 1) / (lag.last_commit - lag.first_commit),
        lag_events=len(lag_seqs),
        cpu=cpu,
        wall_s=throughput.wall_s,
        drain=DrainReport.of(drain, handled, stored) if drain is not None else None,
    )


def print_report(
    report: Report,
    options: Options,
    names: Names,
    busy: float | None,
    notes: list[str],
    rss: dict[str, tuple[float, float]],
    rss_events: int,
) -> None:
    print(
        f"\nEvent pipeline: this process publish()es -> outbox -> `manage.py run_relay` -> "
        f"JetStream {names.stream} -> `run_consumers --only {names.handler}`, each its own "
        f"process; DJANGO_ENV={options.django_env}, handler does nothing but its inbox row"
    )
    print_busy(busy)
    for note in notes:
        print(f"NOTE: {note}")

    how = "one publish_many() each" if options.bulk else "one publish() per event"
    print(
        f"\nThroughput: {options.events:,} events, {options.batch} per transaction ({how}), "
        "as fast as the producer commits"
    )
    print(f"  {'producer commits':<30} {report.producer_events_per_s:>9,.0f} events/s")
    print(f"  {'commit -> stored in JetStream':<30} {report.relay_events_per_s:>9,.0f} events/s")
    print(f"  {'commit -> handler commit':<30} {report.events_per_s:>9,.0f} events/s (sustained)")
    cpu = report.cpu
    print(
        f"  CPU seconds in {report.wall_s:.1f} s: producer {cpu['producer']:.1f}, relay "
        f"{cpu['relay']:.1f}, consumer {cpu['consumer']:.1f}, everything else (PostgreSQL, "
        f"NATS, ...) {cpu['other']:.1f}; {os.cpu_count()} cores"
    )

    header = f"  {'lag, ms':<30} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}"
    print(
        f"\nLag: {report.lag_events:,} events at {report.lag_rate:.1f} events/s "
        f"(target rate {options.rate:g}), one per transaction"
    )
    print(f"{header}\n  {'-' * (len(header) - 2)}")
    print(report.lag_relay.row("commit -> stored (relay)"))
    print(report.lag_consumer.row("stored -> handler commit"))
    print(report.lag.row("commit -> handler commit"))
    print(report.throughput_lag.row("(throughput phase, backlog)"))

    if report.drain is not None:
        d = report.drain
        print(f"\nCapacity of each stage alone, on a backlog of {d.events:,} events:")
        print(
            f"  {'producer: publish() -> commit':<30} {d.producer_events_per_s:>9,.0f} events/s "
            "(relay and consumer stopped)"
        )
        print(
            f"  {'relay: outbox -> JetStream':<30} {d.relay_events_per_s:>9,.0f} events/s "
            f"({d.relay_cpu_s:.1f} CPU s)"
        )
        print(
            f"  {'consumer: JetStream -> handler':<30} {d.consumer_events_per_s:>9,.0f} events/s "
            f"({d.consumer_cpu_s:.1f} CPU s)"
        )

    share = None
    if report.drain is not None:
        stage, slowest = report.drain.slowest
        share = report.events_per_s / slowest
        print(
            f"\nSustained end to end: {report.events_per_s:,.0f} events/s = {share:.0%} of the "
            f"slowest stage alone ({stage}, {slowest:,.0f} events/s)"
        )

    print(
        f"\nResident memory while {rss_events:,} events went through: "
        + ", ".join(f"{name} {a:.1f} -> {b:.1f} MB" for name, (a, b) in rss.items())
    )

    print()
    checks = []
    if share is not None:
        checks.append(
            (
                share >= TARGET_SHARE_OF_SLOWEST,
                f"sustained >= {TARGET_SHARE_OF_SLOWEST:.0%} of the slowest stage alone: "
                f"{share:.0%}",
            )
        )
    checks += [
        (
            report.events_per_s >= TARGET_EVENTS_PER_S,
            f"sustained >= {TARGET_EVENTS_PER_S:,.0f} events/s: {report.events_per_s:,.0f}",
        ),
        (
            report.lag.p95 < TARGET_P95_MS,
            f"p95 lag < {TARGET_P95_MS:g} ms at {options.rate:g} events/s: {report.lag.p95:.1f} ms",
        ),
    ]
    print_checks(checks)


# --- main --------------------------------------------------------------------------------------


def run(options: Options) -> None:
    names = Names()
    env = bench_env(names, options.django_env)
    setup_django(env)
    notes = wait_for_quiet(names, options.quiet_wait_s)
    for note in notes:
        print(f"WARNING: {note}", flush=True)
    vacuumed = vacuum_events_tables()  # every run starts from the same table state
    print(f"before the start: {vacuumed}", flush=True)
    if "autovacuum off" in vacuumed:
        notes.append(
            "autovacuum is off on this PostgreSQL: the events tables are vacuumed by the bench"
        )
    busy = cpu_busy_pct()
    producer = Producer(bulk=options.bulk)
    with tempfile.TemporaryDirectory(prefix="gigsy-bench-events-") as tmp:
        services = Services(env, names, Path(tmp))
        print(
            f"stream {names.stream}, handler {names.handler}; starting the relay and the "
            f"consumer (logs in {tmp}, temporary)",
            flush=True,
        )
        try:
            recorder = services.start()
            producer.commit(1)  # through once: both processes up, stream and consumer exist
            wait_handled(services, recorder, producer.next_seq, first_timeout=STARTUP_TIMEOUT_S)
            if options.warmup_events:
                producer.paced(options.warmup_events, options.rate)
                wait_handled(services, recorder, producer.next_seq)
            print("measuring throughput ...", flush=True)
            rss_before = {name: rss_mb(pid) for name, pid in services.pids.items()}
            events_before = producer.next_seq
            throughput = measure_throughput(services, recorder, producer, options)
            time.sleep(1.0)
            print(f"measuring lag at {options.rate:g} events/s ...", flush=True)
            lag = measure_lag(services, recorder, producer, options)
            drain = None
            if options.drain:
                time.sleep(1.0)
                print("measuring each stage alone on a backlog ...", flush=True)
                drain = measure_drain(services, recorder, producer, names, options)
            services.check_alive()
            rss = {name: (rss_before[name], rss_mb(pid)) for name, pid in services.pids.items()}
            rss_events = producer.next_seq - events_before
            stored = asyncio.run(stored_times(names, producer.next_seq))
            missing = producer.next_seq - len(stored)
            if missing:
                raise BenchError(f"{missing} events are missing from the stream")
            problems = services.log_problems()
            if problems:
                notes.append(
                    f"{len(problems)} warnings/errors in the relay and consumer logs (a retry "
                    "stalls the pipeline: the numbers below may understate it), e.g.:"
                )
                notes += [f"  {line}" for line in problems[:3]]
            rows_of_others, _ = others_in_the_outbox(names)  # (our relay still listens)
            for note in describe_others(rows_of_others, 0):
                notes.append(f"at the end: {note}")
            if recorder.duplicates:
                notes.append(f"{recorder.duplicates} events were handled twice")
            report = build_report(throughput, lag, drain, producer, dict(recorder.times), stored)
        finally:
            services.stop()
            clean_up(names)
    print_report(report, options, names, busy, notes, rss, rss_events)


def main(argv: list[str] | None = None) -> int:
    return bench_main(
        argv,
        parse_args,
        run,
        failed="EVENTS BENCH",
        interrupted="relay and consumer stopped, bench data deleted",
    )


if __name__ == "__main__":
    sys.exit(main())
