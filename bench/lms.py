"""LMS: catalog pages and quiz submits under the production server, with queries per request.

What is measured
    - Catalog: `GET /api/v1/lms/courses?page=N` (anonymous, 20 per page) over a catalog of
      1,000 published bench courses, N rotating over every page (a wrk Lua script; each wrk
      thread starts at its own page), then the same with `?skill=python&page=N` (GIN index
      on skills) and `?q=python&page=N` (full-text search). Requests per second and p50/p99
      from `wrk --latency` (default 32 connections, 2 threads, 3 s warm-up, 15 s measured).
    - Quiz submit: `POST /api/v1/lms/attempts/<id>/submit` with four answers (all right by
      default: the passing path, the heavier one, as it also checks course completion). Each
      submit needs its own started attempt, so 1,000 enrolled learners x 12 unlimited quizzes
      = 12,000 attempts are started before each wrk run, and a wrk Lua script hands every
      (attempt id, learner token) pair out once. Submits per second and p50/p99; afterwards
      the database must show exactly one graded submission (submitted, scored, one
      quiz.passed/failed event) for every attempt answered 200, and no answer but 200.
    - Queries per request, in this process through Django's test client and
      `CaptureQueriesContext` (not on the server): catalog page 1 and page 30, page_size 5, 20
      and 100, the skill and text filters, course detail, attempt start and submit. The
      catalog must take the same number of queries whatever the page and page size (no N+1);
      otherwise the benchmark fails (exit 1) before any load.

Layout (bench/README.md): gunicorn gthread 2 workers x 8 threads from `gunicorn.conf.py`,
`DJANGO_ENV=prod` with a fresh SECRET_KEY and a throw-away CERTIFICATE_SIGNING_KEY, JSON logs,
Prometheus multiprocess metrics, wrk on loopback, every wrk run restarted until each worker
holds at least half its fair share of the connections. Deviations, printed with the results:
no TLS redirect, every DRF throttle rate raised (one client IP and 1,000 learners hammering
two endpoints must not measure 429s), access tokens minted in this process with the server's
SECRET_KEY (hashing 1,000 passwords to log in would take minutes) and living long enough for
the run, and a per-run event subject prefix `benchlms<random>` (EVENTS_SUBJECT_PREFIX) whose
outbox rows are deleted after each phase.

Bench data (bench/_lms_seed.py): courses `bench-course-0001..1000` built and published through
`apps.lms.services.authoring` (the first run takes about a minute; later runs reuse them), the
quiz bank and quizzes on `bench-course-0001`, learners `bench-lms-learner-NNNNN@example.com`
enrolled through `apps.lms.services.learning.enroll`. Attempts are bulk-inserted with the
fields `start_attempt` writes (checked against the service), and all attempts on the bench
quizzes are deleted at the end. `--purge` removes every bench row and exits.

Other load: before each measured phase the script waits until the 1-minute load average is
below `--max-load` (default 1.0), and prints the load and how busy the CPUs were.

Missed targets are reported, not gated; the exit code is non-zero only when no valid
measurement could be made (server did not start, an answer other than 2xx, a submit not graded
exactly once, wrk failed) or when the catalog's query count depends on the page size.

    .venv/bin/python bench/lms.py [--duration 15] [--connections 32] [--phases catalog,submit]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _lms_wrk import CATALOG_LUA, SUBMIT_LUA, SubmitRun, run_catalog, run_submits
from _support import (
    BenchError,
    GunicornServer,
    ServerOptions,
    WrkResult,
    add_throttle_argument,
    add_wrk_arguments,
    bench_main,
    bench_settings,
    busy_warning,
    cpu_busy_pct,
    ensure_wrk,
    http_json,
    listening_relays,
    print_checks,
    prod_server,
    run_wrk,
    server_layout,
    setup_django,
    spread_check,
    wait_for_low_load,
)

CATALOG = "/api/v1/lms/courses"
PAGE_SIZE = 20  # gigsy.api.pagination.PageNumberPagination's default
# healthz: the same server's cheapest answer, measured in the same run, so the figures of one
# machine can be compared with another's (this kind of machine varies 2-3x between sessions).
PHASES = ("healthz", "catalog", "skill", "q", "submit")
SKILL, TEXT = "python", "python"
# Tokens are minted once, before the seed and the load: they must outlive the run.
JWT_ACCESS_MINUTES = 240


@dataclass(frozen=True, kw_only=True)
class Options(ServerOptions):
    courses: int
    learners: int
    quizzes: int
    phases: tuple[str, ...]
    answers: str
    max_load: float
    load_wait_s: float
    show_sql: bool
    purge: bool
    catalog_cache: int | None


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_wrk_arguments(parser, duration_help="measured seconds per phase")
    parser.add_argument("--courses", type=int, default=1000, help="published bench courses")
    parser.add_argument("--learners", type=int, default=1000, help="enrolled bench learners")
    parser.add_argument("--quizzes", type=int, default=12, help="quizzes each learner takes")
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated subset of {','.join(PHASES)} (query counts always run)",
    )
    parser.add_argument(
        "--answers",
        choices=("pass", "fail"),
        default="pass",
        help="submit right answers (passing path, default) or wrong ones",
    )
    add_throttle_argument(parser)
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.0,
        help="wait before each phase until the 1-min load average is below this (0: don't)",
    )
    parser.add_argument(
        "--load-wait", type=float, default=900.0, help="give up waiting after this many seconds"
    )
    parser.add_argument(
        "--catalog-cache",
        type=int,
        default=None,
        help="LMS_CATALOG_CACHE_SECONDS of the server (default: the settings' 60; 0: off)",
    )
    parser.add_argument("--show-sql", action="store_true", help="print the submit's queries")
    parser.add_argument("--purge", action="store_true", help="delete all bench data and exit")
    args = parser.parse_args(argv)
    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        parser.error(f"unknown phases: {', '.join(unknown)}")
    if min(args.duration, args.connections, args.threads, args.courses) < 1 or args.warmup < 0:
        parser.error("duration, connections, threads and courses must be >= 1, warmup >= 0")
    if min(args.learners, args.quizzes) < 1:
        parser.error("learners and quizzes must be >= 1")
    if args.threads > args.connections:
        parser.error("wrk needs at least one connection per thread")
    if args.courses < 30 * PAGE_SIZE:
        parser.error(f"the query counts read page 30: --courses must be >= {30 * PAGE_SIZE}")
    return Options(
        **ServerOptions.fields(args),
        courses=args.courses,
        learners=args.learners,
        quizzes=args.quizzes,
        phases=tuple(p for p in PHASES if p in phases),
        answers=args.answers,
        max_load=args.max_load,
        load_wait_s=args.load_wait,
        show_sql=args.show_sql,
        purge=args.purge,
        catalog_cache=args.catalog_cache,
    )


# --- settings ---------------------------------------------------------------------------------


def load_server_settings(server: dict[str, str]) -> None:
    """This process loads the server's settings (same SECRET_KEY: its tokens work there), minus
    request logging and the Prometheus directory the server's master wipes at start."""
    # whitenoise, in this process only: the prod STATIC_ROOT is not collected on a dev machine.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    env = {**server, "LOG_REQUESTS": "0", "LOG_LEVEL": "WARNING"}
    setup_django(env, drop=("PROMETHEUS_MULTIPROC_DIR",))


def wait_for_quiet(options: Options, label: str, *, writes_events: bool = False) -> str:
    """`_support.wait_for_low_load` with --max-load and --load-wait."""
    return wait_for_low_load(
        label, max_load=options.max_load, give_up_s=options.load_wait_s, writes_events=writes_events
    )


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class Seeded:
    setup: Any  # _lms_seed.QuizCourse
    learners: list[Any]
    probe: Any
    tokens: dict[int, str]  # user id -> access token
    catalog_total: int
    notes: list[str] = field(default_factory=list)


def seed(options: Options, subject_prefix: str) -> Seeded:
    import _lms_seed as data
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.lms import selectors

    started = time.monotonic()
    notes = []
    created, _ = data.seed_courses(
        options.courses,
        quizzes=options.quizzes,
        subject_prefix=subject_prefix,
        progress=lambda line: print(line, flush=True),
    )
    notes.append(
        f"courses: {created} created, {options.courses - created} reused "
        f"({data.bench_published_count()} published bench-course-* in the database)"
    )
    setup = data.quiz_course(options.quizzes)
    learners = data.ensure_learners(options.learners)
    probe = data.ensure_probe()
    new = data.ensure_enrolled(setup.course, [*learners, probe], subject_prefix=subject_prefix)
    notes.append(
        f"learners: {len(learners)} + 1 probe enrolled in {setup.course.slug} ({new} new), "
        f"{len(setup.quizzes)} quizzes (max_attempts unlimited)"
    )
    stale = data.delete_attempts()
    if stale:
        notes.append(f"deleted {stale} attempts left by an interrupted run")
    tokens = {u.pk: str(AccessToken.for_user(u)) for u in [*learners, probe]}
    data.refresh_statistics()
    notes.append("VACUUM ANALYZE on the lms tables after seeding (autovacuum's job in production)")
    catalog_total = selectors.catalog().count()
    notes.append(f"seed ready in {time.monotonic() - started:.1f} s")
    return Seeded(setup, learners, probe, tokens, catalog_total, notes)


# --- query counts (in this process) -----------------------------------------------------------


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass(frozen=True)
class QueryCount:
    label: str
    status: int
    queries: int  # every statement, BEGIN/COMMIT/SAVEPOINT included
    sql: list[str]

    @property
    def data_queries(self) -> int:
        return sum(1 for q in self.sql if not q.lstrip().upper().startswith(TRANSACTION_CONTROL))


def _count(
    client: Any, label: str, method: str, path: str, **kwargs: Any
) -> tuple[QueryCount, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, **kwargs)
    sql = [q["sql"] for q in captured.captured_queries]
    return QueryCount(label, response.status_code, len(captured), sql), response


def query_counts(seeded: Seeded, options: Options) -> tuple[list[QueryCount], list[str]]:
    """Each GET twice (the first warms caches), the start/submit pair twice; the second kept."""
    import json

    import _lms_seed as data
    from django.test import Client

    anon = Client(HTTP_HOST="localhost")
    learner = Client(
        HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {seeded.tokens[seeded.probe.pk]}"
    )
    gets = [
        ("catalog page 1", f"{CATALOG}?page=1"),
        ("catalog page 30", f"{CATALOG}?page=30"),
        ("catalog page 1, page_size=5", f"{CATALOG}?page=1&page_size=5"),
        ("catalog page 1, page_size=100", f"{CATALOG}?page=1&page_size=100"),
        (f"catalog ?skill={SKILL} page 1", f"{CATALOG}?skill={SKILL}&page=1"),
        (f"catalog ?skill={SKILL} page_size=100", f"{CATALOG}?skill={SKILL}&page_size=100"),
        (f"catalog ?q={TEXT} page 1", f"{CATALOG}?q={TEXT}&page=1"),
        (f"catalog ?q={TEXT} page_size=100", f"{CATALOG}?q={TEXT}&page_size=100"),
        ("course detail (1 module, 2 lessons)", f"{CATALOG}/{data.course_slug(2)}"),
        (
            f"course detail (3 modules, 9 lessons, {len(seeded.setup.quizzes)} quizzes)",
            f"{CATALOG}/{data.QUIZ_COURSE_SLUG}",
        ),
    ]
    from django.test import override_settings

    counts = []
    with override_settings(LMS_CATALOG_CACHE_SECONDS=0):  # what building a page costs
        for label, path in gets:
            _count(anon, label, "get", path)
            counts.append(_count(anon, label, "get", path)[0])
    _count(anon, "catalog page 1, from the cache", "get", f"{CATALOG}?page=1")
    counts.append(_count(anon, "catalog page 1, from the cache", "get", f"{CATALOG}?page=1")[0])
    quiz = seeded.setup.quizzes[0]
    body = json.dumps(
        {"answers": seeded.setup.answers(data.CORRECT if options.answers == "pass" else data.WRONG)}
    )
    for _ in range(2):
        start, response = _count(
            learner, "attempt start", "post", f"/api/v1/lms/quizzes/{quiz.pk}/attempts"
        )
        attempt_id = response.json()["id"] if start.status in (200, 201) else 0
        submit, _ = _count(
            learner,
            f"attempt submit ({options.answers})",
            "post",
            f"/api/v1/lms/attempts/{attempt_id}/submit",
            data=body,
            content_type="application/json",
        )
    counts += [start, submit]
    bad = [c for c in counts if c.status not in (200, 201)]
    if bad:
        raise BenchError(
            "in-process requests failed: " + ", ".join(f"{c.label}: {c.status}" for c in bad)
        )
    return counts, _catalog_problems(counts)


def _catalog_problems(counts: list[QueryCount]) -> list[str]:
    """The catalog's query count must not depend on the page or the page size."""
    problems = []
    groups = {
        "catalog": [
            c for c in counts if c.label.startswith("catalog page") and "cache" not in c.label
        ],
        f"?skill={SKILL}": [c for c in counts if c.label.startswith(f"catalog ?skill={SKILL}")],
        f"?q={TEXT}": [c for c in counts if c.label.startswith(f"catalog ?q={TEXT}")],
    }
    for name, group in groups.items():
        distinct = sorted({c.queries for c in group})
        if len(distinct) > 1:
            detail = ", ".join(f"{c.label}: {c.queries}" for c in group)
            problems.append(f"{name} query count depends on the page/page size ({detail})")
    return problems


# --- load -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseResult:
    name: str
    request: str
    wrk: WrkResult
    load_note: str
    busy_pct: float | None
    extra: str = ""


def _catalog_pages(server: GunicornServer, query: str) -> tuple[int, int]:
    """(matching courses, pages): page 1 answered 200 with a full page (or all of them)."""
    status, body = http_json("GET", f"{server.base_url}{CATALOG}?{query}page=1")
    if status != 200 or not isinstance(body, dict) or "count" not in body:
        raise BenchError(f"GET {CATALOG}?{query}page=1 answered {status}: {str(body)[:300]}")
    count = int(body["count"])
    if len(body["results"]) != min(PAGE_SIZE, count) or count == 0:
        raise BenchError(f"GET {CATALOG}?{query}page=1: {len(body['results'])} of {count} results")
    pages = math.ceil(count / PAGE_SIZE)
    status, body = http_json("GET", f"{server.base_url}{CATALOG}?{query}page={pages}")
    if status != 200:
        raise BenchError(f"GET {CATALOG}?{query}page={pages} (the last) answered {status}")
    return count, pages


def catalog_phase(
    server: GunicornServer, options: Options, script: Path, name: str, query: str
) -> PhaseResult:
    count, pages = _catalog_pages(server, query)
    request = f"GET {CATALOG}?{query}page=1..{pages}"
    load_note = wait_for_quiet(options, name)
    busy = cpu_busy_pct()
    check = spread_check(server, options.connections)
    common = {
        "query": query,
        "pages": pages,
        "connections": options.connections,
        "threads": options.threads,
        "start_check": check,
    }
    if options.warmup_s > 0:
        warm = run_catalog(script, server.base_url, duration_s=options.warmup_s, **common)
        _print_run(name, "warm-up", options.warmup_s, warm)
        warm.require_clean(name)
    result = run_catalog(script, server.base_url, duration_s=options.duration_s, **common)
    _print_run(name, "measured", options.duration_s, result)
    result.require_clean(name)
    return PhaseResult(name, request, result, load_note, busy, f"{count} courses, {pages} pages")


def healthz_phase(server: GunicornServer, options: Options) -> PhaseResult:
    load_note = wait_for_quiet(options, "healthz")
    busy = cpu_busy_pct()
    common = {
        "connections": options.connections,
        "threads": options.threads,
        "start_check": spread_check(server, options.connections),
    }
    url = f"{server.base_url}/healthz"
    if options.warmup_s > 0:
        warm = run_wrk(url, duration_s=options.warmup_s, **common)
        _print_run("healthz", "warm-up", options.warmup_s, warm)
    result = run_wrk(url, duration_s=options.duration_s, **common)
    _print_run("healthz", "measured", options.duration_s, result)
    return PhaseResult("healthz", "GET /healthz (reference: no database)", result, load_note, busy)


def _print_run(name: str, label: str, seconds: float, result: WrkResult) -> None:
    print(
        f"  {name:<8} {label:<9} {seconds:>4g} s {result.requests_per_s:>8.1f} req/s"
        f"  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:7.2f} ms  {result.note}",
        flush=True,
    )


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every 50 ms while a submit run lasts: how many of the
    database's client backends are running a statement, and how many of those wait for a
    lock (a row lock held by another submit's transaction)."""

    QUERY = """
        SELECT count(*) FILTER (WHERE state = 'active'),
               count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')
        FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend'
          AND pid <> pg_backend_pid()
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[int, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self._stop_event.wait(0.05):
                    cursor.execute(self.QUERY)
                    active, waiting = cursor.fetchone()
                    self.samples.append((int(active), int(waiting)))
        finally:
            connection.close()

    def stop(self) -> str:
        self._stop_event.set()
        self.join(timeout=5)
        busy = [(a, w) for a, w in self.samples if a > 0]  # not the pauses between wrk starts
        if not busy:
            return "no samples"
        active = sum(a for a, _ in busy) / len(busy)
        waiting = sum(w for _, w in busy) / len(busy)
        peak = max(w for _, w in busy)
        share = 100 * waiting / active if active else 0.0
        return (
            f"{active:.1f} statements running on average, {waiting:.1f} of them waiting for a "
            f"lock ({share:.0f} %, peak {peak}); {len(busy)} samples every 50 ms"
        )


@dataclass(frozen=True)
class SubmitOutcome:
    phase: PhaseResult
    check: Any  # _lms_seed.SubmitCheck
    run: SubmitRun
    pool: int
    locks: str  # LockSampler's summary of the measured run


def _submit_run(
    server: GunicornServer,
    options: Options,
    seeded: Seeded,
    script: Path,
    workdir: Path,
    body: str,
    seconds: float,
    subject_prefix: str,
) -> tuple[SubmitRun, Any, int, str]:
    import _lms_seed as data

    pool = 0

    def prepare() -> tuple[str, list[tuple[int, str]]]:
        nonlocal pool
        data.top_up_attempts(seeded.setup, seeded.learners)
        data.refresh_statistics()
        pairs = data.open_attempts(seeded.setup, seeded.learners)
        pool = len(pairs)
        return body, [(attempt_id, seeded.tokens[user_id]) for attempt_id, user_id in pairs]

    def quiesce() -> None:
        """Requests of an earlier wrk (stopped, or killed at a discarded start) may still run
        on the server: wait until no open attempt has been graded for a second, so the next
        start is not handed an attempt in flight."""
        previous, stable_since = -1, time.monotonic()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = data.open_attempt_count(seeded.setup)
            if current != previous:
                previous, stable_since = current, time.monotonic()
            elif time.monotonic() - stable_since >= 1.0:
                return
            time.sleep(0.2)
        raise BenchError("open attempts kept changing 30 s after wrk was stopped")

    sampler = LockSampler()
    sampler.start()
    try:
        run = run_submits(
            script,
            server.base_url,
            workdir=workdir,
            prepare=prepare,
            quiesce=quiesce,
            duration_s=seconds,
            connections=options.connections,
            threads=options.threads,
            start_check=spread_check(server, options.connections),
        )
    finally:
        locks = sampler.stop()
    quiesce()  # the requests in flight when wrk stopped are graded before the check
    check = data.check_submissions(run.ok_ids, run.handed, subject_prefix=subject_prefix)
    data.delete_outbox(subject_prefix)
    return run, check, pool, locks


def _require_valid_submits(label: str, run: SubmitRun, check: Any, connections: int) -> None:
    others = {code: n for code, n in sorted(run.statuses.items()) if code != 200}
    if run.exhausted:
        raise BenchError(
            f"submit {label}: wrk used up all {len(run.handed)} started attempts before the end "
            "(raise --learners or --quizzes, or shorten --duration)"
        )
    if others or run.wrk.errors:
        raise BenchError(
            f"submit {label}: answers other than 200: {others or 'none'}; "
            f"{', '.join(run.wrk.errors) or 'no wrk errors'}"
        )
    if sum(run.statuses.values()) != run.wrk.requests:
        raise BenchError(
            f"submit {label}: wrk counted {run.wrk.requests} answers, the script "
            f"{sum(run.statuses.values())}"
        )
    if not check.ok:
        raise BenchError(f"submit {label}: submissions not graded exactly once: {check}")
    if check.graded_without_200 > connections:
        raise BenchError(
            f"submit {label}: {check.graded_without_200} attempts graded without a 200 seen "
            f"(at most {connections} can be in flight when wrk stops)"
        )


def submit_phase(
    server: GunicornServer,
    options: Options,
    seeded: Seeded,
    script: Path,
    workdir: Path,
    subject_prefix: str,
) -> SubmitOutcome:
    import json

    import _lms_seed as data

    setup = seeded.setup
    answers = data.CORRECT if options.answers == "pass" else data.WRONG
    body = json.dumps({"answers": setup.answers(answers)}, separators=(",", ":"))
    # One submit by hand first: the exact answer, and the service resumes pre-started attempts.
    data.top_up_attempts(setup, seeded.learners)
    data.check_start_service_agrees(setup, seeded.learners[0])
    attempt_id, user_id = data.open_attempts(setup, seeded.learners)[0]
    status, answer = http_json(
        "POST",
        f"{server.base_url}/api/v1/lms/attempts/{attempt_id}/submit",
        body=json.loads(body),
        headers={"Authorization": f"Bearer {seeded.tokens[user_id]}"},
    )
    expected = options.answers == "pass"
    if status != 200 or not isinstance(answer, dict) or answer.get("passed") is not expected:
        raise BenchError(f"a single submit answered {status}: {str(answer)[:300]}")
    name = f"submit ({options.answers})"
    load_note = wait_for_quiet(options, "submit", writes_events=True)
    busy = cpu_busy_pct()
    common = {
        "server": server,
        "options": options,
        "seeded": seeded,
        "script": script,
        "workdir": workdir,
        "body": body,
        "subject_prefix": subject_prefix,
    }
    if options.warmup_s > 0:
        run, check, pool, _ = _submit_run(seconds=options.warmup_s, **common)
        _print_run("submit", "warm-up", options.warmup_s, run.wrk)
        _require_valid_submits("warm-up", run, check, options.connections)
        needed = run.wrk.requests_per_s * (options.duration_s + 2) * 1.3
        if needed > pool:
            raise BenchError(
                f"the warm-up ran at {run.wrk.requests_per_s:.0f} submits/s: {options.duration_s:g}"
                f" s need about {needed:.0f} started attempts, there are {pool} "
                "(raise --learners or --quizzes)"
            )
    run, check, pool, locks = _submit_run(seconds=options.duration_s, **common)
    _print_run("submit", "measured", options.duration_s, run.wrk)
    _require_valid_submits("measured", run, check, options.connections)
    phase = PhaseResult(
        name,
        "POST /api/v1/lms/attempts/<id>/submit",
        run.wrk,
        load_note,
        busy,
        f"{pool} attempts started before the run, {len(seeded.learners)} learners",
    )
    return SubmitOutcome(phase, check, run, pool, locks)


# --- report -----------------------------------------------------------------------------------


def print_report(
    options: Options,
    seeded: Seeded,
    counts: list[QueryCount],
    problems: list[str],
    phases: list[PhaseResult],
    submit: SubmitOutcome | None,
    notes: list[str],
) -> None:
    print(
        f"\nLMS: {server_layout(options)} after {options.warmup_s:g} s warm-up, loopback, "
        "Lua scripts"
    )
    from django.conf import settings

    print(
        f"{bench_settings(options.throttle_rate)}; tokens minted in-process; "
        "EVENTS_SUBJECT_PREFIX=benchlms<random>"
    )
    print(
        f"catalog: {seeded.catalog_total} published courses in the database "
        f"(of them {options.courses} bench-course-*), {PAGE_SIZE} per page, anonymous; "
        f"page cache LMS_CATALOG_CACHE_SECONDS={settings.LMS_CATALOG_CACHE_SECONDS}"
    )
    for note in [*seeded.notes, *notes]:
        print(f"  {note}")

    print("\nQueries per request (in-process test client, CaptureQueriesContext, warm caches)")
    header = f"{'request':<48} {'status':>6} {'queries':>8} {'w/o BEGIN/COMMIT/SAVEPOINT':>27}"
    print(f"{header}\n{'-' * len(header)}")
    for c in counts:
        print(f"{c.label:<48} {c.status:>6} {c.queries:>8} {c.data_queries:>27}")
    if options.show_sql:
        for c in counts[-2:]:
            print(f"\n{c.label}:")
            for n, sql in enumerate(c.sql, 1):
                print(f"  {n:>2}. {sql[:160]}")

    if phases:
        print(f"\nThroughput and latency ({options.duration_s:g} s per phase)")
        header = (
            f"{'phase':<15} {'request':<48} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>8} "
            f"{'requests':>8} {'q/req':>5} {'of healthz':>10}"
        )
        print(f"{header}\n{'-' * len(header)}")
        by_label = {c.label: c.queries for c in counts}
        queries = {
            "catalog": by_label.get("catalog page 1"),
            "skill": by_label.get(f"catalog ?skill={SKILL} page 1"),
            "q": by_label.get(f"catalog ?q={TEXT} page 1"),
            "healthz": 0,
        }
        reference = next((p.wrk.requests_per_s for p in phases if p.name == "healthz"), None)
        for p in phases:
            q = queries.get(p.name, counts[-1].queries if p.name.startswith("submit") else None)
            share = f"{100 * p.wrk.requests_per_s / reference:.1f} %" if reference else "-"
            print(
                f"{p.name:<15} {p.request:<48} {p.wrk.requests_per_s:>8.1f} {p.wrk.p50_ms:>7.2f}"
                f" {p.wrk.p99_ms:>8.2f} {p.wrk.requests:>8} {q if q is not None else '-':>5}"
                f" {share:>10}"
            )
        print()
        for p in phases:
            busy = f"CPU busy {p.busy_pct:.0f} %" if p.busy_pct is not None else "CPU busy ?"
            print(
                f"  {p.name:<15} before: {p.load_note}, {busy}; {p.extra}; {p.wrk.note}"
                f"{busy_warning(p.busy_pct)}"
            )
    if submit is not None:
        c = submit.check
        print(
            f"\nsubmit check: {c.answered_200} answered 200 -> {c.graded} graded in the database, "
            f"{c.attempts_with_one_event} with exactly one quiz.passed/failed event "
            f"({c.events} events), {c.duplicates_200} duplicate 200s, 0 non-200 answers; "
            f"{c.graded_without_200} graded while in flight when wrk stopped (no answer read)"
        )
        print(f"database during the measured submits: {submit.locks}")
    print()
    checks = [
        (
            not problems,
            "catalog page in a constant number of queries (page 1 vs 30, page_size 5/20/100): "
            + (
                "; ".join(problems)
                if problems
                else f"{counts[0].queries} queries whatever the page and page size"
            ),
        )
    ]
    details = [c.queries for c in counts if c.label.startswith("course detail")]
    checks.append(
        (
            len(set(details)) == 1,
            "course detail in a constant number of queries (1 vs 3 modules): "
            + "/".join(map(str, details)),
        )
    )
    print_checks(checks)


# --- main -------------------------------------------------------------------------------------


def run(options: Options) -> None:
    ensure_wrk()
    subject_prefix = f"benchlms{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="gigsy-bench-lms-") as tmp:
        workdir = Path(tmp)
        server = prod_server(
            workdir,
            throttle_rate=options.throttle_rate,
            jwt_access_minutes=JWT_ACCESS_MINUTES,
            EVENTS_SUBJECT_PREFIX=subject_prefix,
            **(
                {"LMS_CATALOG_CACHE_SECONDS": str(options.catalog_cache)}
                if options.catalog_cache is not None
                else {}
            ),
        )
        load_server_settings(server.env)
        import _lms_seed as data

        if options.purge:
            print(f"purged bench data: {data.purge()}")
            return
        print(f"seeding (idempotent): {options.courses} courses, {options.learners} learners")
        seeded = seed(options, subject_prefix)
        notes = []
        relays = listening_relays()
        if relays:
            notes.append(
                f"warning: {relays} relay(s) LISTEN for the outbox: they will try to send this "
                f"run's {subject_prefix}.* rows (no stream takes them) until they are deleted"
            )
        phases: list[PhaseResult] = []
        submit: SubmitOutcome | None = None
        try:
            wait_for_quiet(options, "query counts", writes_events=True)
            counts, problems = query_counts(seeded, options)
            data.delete_outbox(subject_prefix)  # the probe's quiz events
            if problems:
                print_report(options, seeded, counts, problems, [], None, notes)
                raise BenchError("; ".join(problems))
            catalog_script = workdir / "catalog.lua"
            catalog_script.write_text(CATALOG_LUA)
            submit_script = workdir / "submit.lua"
            submit_script.write_text(SUBMIT_LUA)
            with server.running():
                if "healthz" in options.phases:
                    phases.append(healthz_phase(server, options))
                variants = {"catalog": "", "skill": f"skill={SKILL}&", "q": f"q={TEXT}&"}
                for name, query in variants.items():
                    if name in options.phases:
                        phases.append(catalog_phase(server, options, catalog_script, name, query))
                if "submit" in options.phases:
                    submit = submit_phase(
                        server, options, seeded, submit_script, workdir, subject_prefix
                    )
                    phases.append(submit.phase)
        finally:
            attempts = data.delete_attempts()
            outbox = data.delete_outbox(subject_prefix)
            print(f"cleaned up: {attempts} bench attempts, {outbox} outbox rows ({subject_prefix})")
    print_report(options, seeded, counts, problems, phases, submit, notes)


def main(argv: list[str] | None = None) -> int:
    return bench_main(
        argv,
        parse_args,
        run,
        failed="LMS BENCH",
        interrupted="gunicorn stopped, bench attempts deleted",
    )


if __name__ == "__main__":
    sys.exit(main())
