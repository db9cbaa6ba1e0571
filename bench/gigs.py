"""Gigs: browsing 10,000 open gigs with filters under the production server, with queries per
request.

What is measured
    - Browse: `GET /api/v1/gigs?page=N` (anonymous, 20 per page) over every page of the open
      bench gigs (a wrk Lua script; each wrk thread starts at its own page). With the page
      cache on, every URL of a phase is requested once before its warm-up (the cache's steady
      state: the first visitor builds a page for a minute); the time that takes is printed.
    - Filters: the same with a rotation of filter sets (skills any-of, budget range, currency
      and pricing, remote, text search, and combinations), each over its first pages (at most
      --filter-pages): every request is a different filter or page from the one before.
    - /healthz on the same server in the same run, the reference every figure is a share of
      (this kind of machine varies 2-3x between sessions). Target: browse and filters >= 40 %.
    - Queries per request, in this process through Django's test client and
      `CaptureQueriesContext` with the page cache off (what building a page costs): page 1
      and page 30, page_size 5, 20 and 100, for no filter and every filter set. Each must take
      the same number of queries whatever the page and page size (no N+1, the clients' names
      and ratings read once per page); otherwise the benchmark fails (exit 1) before any load.

Layout (bench/README.md): gunicorn gthread 2 workers x 8 threads from `gunicorn.conf.py`,
`DJANGO_ENV=prod` with a fresh SECRET_KEY, JSON logs, Prometheus multiprocess metrics, wrk on
loopback, every wrk run restarted until each worker holds at least half its fair share of the
connections. Deviations, printed with the results: no TLS redirect, every DRF throttle rate
raised (one client address must not measure 429s), and a per-run event subject prefix
`benchgigs<random>` (the seed's one service-made gig publishes `gig.posted`; its outbox row is
deleted before the seed commits).

Bench data (bench/_gigs_seed.py): 200 verified clients `bench-gigs-client-NNNN@example.com`
(half of them rated) and 10,000 open gigs spread over every filter; created on the first run
(a few seconds) and reused afterwards. `--purge` removes them and exits.

The page cache (GIGS_BROWSE_CACHE_SECONDS, docs/decisions/0025) is on as in production;
`--browse-cache 0` measures every page built from the database.

Missed targets are reported, not gated; the exit code is non-zero only when no valid
measurement could be made (server did not start, an answer other than 2xx, wrk failed) or
when a query count depends on the page or page size.

    .venv/bin/python bench/gigs.py [--duration 15] [--connections 32] [--browse-cache 0]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    print_busy,
    print_checks,
    prod_server,
    run_wrk,
    server_layout,
    setup_django,
    spread_check,
    wait_for_low_load,
)

GIGS = "/api/v1/gigs"
PAGE_SIZE = 20  # gigsy.api.pagination.PageNumberPagination's default
PHASES = ("healthz", "browse", "filters")
TARGET_SHARE = 40.0  # % of /healthz (issue 12)
# The filter sets of the "filters" phase and of the query counts.
FILTERS = (
    "skills=python",
    "skills=react,django",
    "budget_min=50000&budget_max=200000",
    "currency=EUR&pricing=hourly",
    "remote=false",
    "q=api",
    "skills=python&budget_min=100000&currency=USD",
    "pricing=fixed&remote=true&skills=css,design,testing",
)
JWT_ACCESS_MINUTES = 60

# Each wrk thread walks the (query, page) pairs from its own offset: a different URL each time.
# Arguments: "<path?query&>|<pages>" per query.
ROTATION_LUA = r"""
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  urls = {}
  for _, arg in ipairs(args) do
    local base, pages = arg:match("^(.*)|(%d+)$")
    for page = 1, tonumber(pages) do
      urls[#urls + 1] = base .. "page=" .. page
    end
  end
  n = (tid * 97) % #urls
end

function request()
  n = n % #urls + 1
  return wrk.format("GET", urls[n])
end
"""


@dataclass(frozen=True, kw_only=True)
class Options(ServerOptions):
    gigs: int
    clients: int
    filter_pages: int
    phases: tuple[str, ...]
    max_load: float
    load_wait_s: float
    purge: bool
    browse_cache: int | None


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_wrk_arguments(parser, duration_help="measured seconds per phase")
    parser.add_argument("--gigs", type=int, default=10_000, help="open bench gigs")
    parser.add_argument("--clients", type=int, default=200, help="bench clients posting them")
    parser.add_argument(
        "--filter-pages", type=int, default=25, help="pages of each filter set in the rotation"
    )
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated subset of {','.join(PHASES)} (query counts always run)",
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
        "--browse-cache",
        type=int,
        default=None,
        help="GIGS_BROWSE_CACHE_SECONDS of the server (default: the settings' 60; 0: off)",
    )
    parser.add_argument("--purge", action="store_true", help="delete all bench data and exit")
    args = parser.parse_args(argv)
    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        parser.error(f"unknown phases: {', '.join(unknown)}")
    if min(args.duration, args.connections, args.threads, args.clients, args.filter_pages) < 1:
        parser.error("duration, connections, threads, clients and filter pages must be >= 1")
    if args.warmup < 0:
        parser.error("warmup must be >= 0")
    if args.threads > args.connections:
        parser.error("wrk needs at least one connection per thread")
    if args.gigs < 30 * PAGE_SIZE:
        parser.error(f"the query counts read page 30: --gigs must be >= {30 * PAGE_SIZE}")
    return Options(
        **ServerOptions.fields(args),
        gigs=args.gigs,
        clients=args.clients,
        filter_pages=args.filter_pages,
        phases=tuple(p for p in PHASES if p in phases),
        max_load=args.max_load,
        load_wait_s=args.load_wait,
        purge=args.purge,
        browse_cache=args.browse_cache,
    )


def load_server_settings(server: dict[str, str]) -> None:
    """This process loads the server's settings, minus request logging and the Prometheus
    directory the server's master wipes at start."""
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    env = {**server, "LOG_REQUESTS": "0", "LOG_LEVEL": "WARNING"}
    setup_django(env, drop=("PROMETHEUS_MULTIPROC_DIR",))


def wait_for_quiet(options: Options, label: str) -> str:
    return wait_for_low_load(label, max_load=options.max_load, give_up_s=options.load_wait_s)


# --- query counts (in this process) -----------------------------------------------------------


@dataclass(frozen=True)
class QueryCount:
    label: str
    group: str
    status: int
    queries: int


def query_counts() -> tuple[list[QueryCount], list[str]]:
    """Each request twice (the first warms caches), the second kept; page cache off."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    anon = Client(HTTP_HOST="localhost")
    counts: list[QueryCount] = []
    with override_settings(GIGS_BROWSE_CACHE_SECONDS=0):
        for group in ("", *FILTERS):
            prefix = f"{GIGS}?{group}&" if group else f"{GIGS}?"
            pages = {"page 1": "page=1"}
            total = _count_of(anon, prefix)
            if total > 29 * PAGE_SIZE:
                pages["page 30"] = "page=30"
            pages |= {f"page_size={n}": f"page_size={n}" for n in (5, 20, 100)}
            for label, tail in pages.items():
                anon.get(prefix + tail)
                with CaptureQueriesContext(connection) as captured:
                    response = anon.get(prefix + tail)
                counts.append(
                    QueryCount(
                        f"{group or 'no filter'}, {label}",
                        group or "no filter",
                        response.status_code,
                        len(captured),
                    )
                )
    bad = [c for c in counts if c.status != 200]
    if bad:
        raise BenchError(
            "in-process requests failed: " + ", ".join(f"{c.label}: {c.status}" for c in bad)
        )
    problems = []
    for group in dict.fromkeys(c.group for c in counts):
        members = [c for c in counts if c.group == group]
        if len({c.queries for c in members}) > 1:
            detail = ", ".join(f"{c.label}: {c.queries}" for c in members)
            problems.append(f"{group}: query count depends on the page/page size ({detail})")
    return counts, problems


def _count_of(client: Any, prefix: str) -> int:
    response = client.get(prefix + "page_size=1")
    if response.status_code != 200:
        raise BenchError(f"GET {prefix}page_size=1 answered {response.status_code}")
    return int(response.json()["count"])


# --- load -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseResult:
    name: str
    request: str
    wrk: WrkResult
    load_note: str
    busy_pct: float | None
    extra: str = ""


def _pages(server: GunicornServer, query: str, cap: int | None) -> tuple[int, int]:
    """(matching gigs, pages to rotate over): page 1 answered 200 with a full page."""
    url = f"{server.base_url}{GIGS}?{query}page=1"
    status, body = http_json("GET", url)
    if status != 200 or not isinstance(body, dict) or "count" not in body:
        raise BenchError(f"GET {GIGS}?{query}page=1 answered {status}: {str(body)[:300]}")
    count = int(body["count"])
    if count == 0 or len(body["results"]) != min(PAGE_SIZE, count):
        raise BenchError(f"GET {GIGS}?{query}page=1: {len(body['results'])} of {count} results")
    pages = math.ceil(count / PAGE_SIZE)
    pages = min(pages, cap) if cap else pages
    status, _ = http_json("GET", f"{server.base_url}{GIGS}?{query}page={pages}")
    if status != 200:
        raise BenchError(f"GET {GIGS}?{query}page={pages} answered {status}")
    return count, pages


def rotation_phase(
    server: GunicornServer,
    options: Options,
    script: Path,
    name: str,
    queries: tuple[str, ...],
    cap: int | None,
) -> PhaseResult:
    args, total_pages, matched = [], 0, []
    for query in queries:
        prefix = f"{query}&" if query else ""
        count, pages = _pages(server, prefix, cap)
        args.append(f"{GIGS}?{prefix}|{pages}")
        total_pages += pages
        matched.append(count)
    load_note = wait_for_quiet(options, name)
    primed = _prime(server, args)  # after the wait: the pages live GIGS_BROWSE_CACHE_SECONDS
    busy = cpu_busy_pct()
    common = {
        "connections": options.connections,
        "threads": options.threads,
        "script": script,
        "script_args": args,
        "start_check": spread_check(server, options.connections),
    }
    if options.warmup_s > 0:
        warm = run_wrk(server.base_url, duration_s=options.warmup_s, **common)
        _print_run(name, "warm-up", options.warmup_s, warm)
        warm.require_clean(name)
    result = run_wrk(server.base_url, duration_s=options.duration_s, **common)
    _print_run(name, "measured", options.duration_s, result)
    result.require_clean(name)
    if len(queries) == 1:
        request = f"GET {GIGS}?{queries[0] + '&' if queries[0] else ''}page=1..{total_pages}"
        extra = f"{matched[0]} gigs, {total_pages} pages"
    else:
        request = f"GET {GIGS}?<{len(queries)} filter sets>&page=N"
        extra = f"{total_pages} URLs in rotation; matches per filter set {matched}"
    return PhaseResult(name, request, result, load_note, busy, f"{extra}; {primed}")


def _prime(server: GunicornServer, rotation: list[str]) -> str:
    """With the page cache on, request every URL of the rotation once, one after the other:
    the cache's steady state, where the first visitor of a page builds it for everyone for a
    minute (nothing changes gigs during the run, so no page is retired). The measured run then
    shows serving pages, not building them; `--browse-cache 0` measures building them."""
    from django.conf import settings

    if settings.GIGS_BROWSE_CACHE_SECONDS <= 0:
        return "page cache off: every request builds its page"
    started = time.monotonic()
    urls = 0
    for arg in rotation:
        base, pages = arg.rsplit("|", 1)
        for page in range(1, int(pages) + 1):
            status, _ = http_json("GET", f"{server.base_url}{base}page={page}")
            if status != 200:
                raise BenchError(f"GET {base}page={page} answered {status}")
            urls += 1
    seconds = time.monotonic() - started
    each = 1000 * seconds / urls
    return f"{urls} pages built once before the warm-up ({seconds:.1f} s, {each:.1f} ms each)"


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


# --- report -----------------------------------------------------------------------------------


def print_report(
    options: Options,
    seeded: Any,
    counts: list[QueryCount],
    problems: list[str],
    phases: list[PhaseResult],
) -> None:
    from django.conf import settings

    print(f"\nGIGS: {server_layout(options)} after {options.warmup_s:g} s warm-up, loopback, Lua")
    print(f"{bench_settings(options.throttle_rate)}; EVENTS_SUBJECT_PREFIX=benchgigs<random>")
    print(
        f"browse: {seeded.gigs} open bench gigs of {seeded.clients} clients "
        f"({seeded.created} created this run), {PAGE_SIZE} per page, anonymous; page cache "
        f"GIGS_BROWSE_CACHE_SECONDS={settings.GIGS_BROWSE_CACHE_SECONDS}"
    )

    print("\nQueries per request (in-process test client, CaptureQueriesContext, page cache off)")
    header = f"{'request':<72} {'status':>6} {'queries':>8}"
    print(f"{header}\n{'-' * len(header)}")
    for c in counts:
        print(f"{c.label:<72} {c.status:>6} {c.queries:>8}")

    shares: dict[str, float] = {}
    if phases:
        print(f"\nThroughput and latency ({options.duration_s:g} s per phase)")
        header = (
            f"{'phase':<8} {'request':<58} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>8} "
            f"{'requests':>8} {'of healthz':>10}"
        )
        print(f"{header}\n{'-' * len(header)}")
        reference = next((p.wrk.requests_per_s for p in phases if p.name == "healthz"), None)
        for p in phases:
            share = 100 * p.wrk.requests_per_s / reference if reference else None
            if share is not None:
                shares[p.name] = share
            shown = f"{share:.1f} %" if share is not None else "-"
            print(
                f"{p.name:<8} {p.request:<58} {p.wrk.requests_per_s:>8.1f} {p.wrk.p50_ms:>7.2f}"
                f" {p.wrk.p99_ms:>8.2f} {p.wrk.requests:>8} {shown:>10}"
            )
        print()
        for p in phases:
            busy = f"CPU busy {p.busy_pct:.0f} %" if p.busy_pct is not None else "CPU busy ?"
            print(
                f"  {p.name:<8} before: {p.load_note}, {busy}; {p.extra}; {p.wrk.note}"
                f"{busy_warning(p.busy_pct)}"
            )
    print()
    per_group = {c.group: c.queries for c in counts}
    checks = [
        (
            not problems,
            "browse in a constant number of queries per filter set (page 1/30, page_size "
            "5/20/100): "
            + ("; ".join(problems) if problems else f"{sorted(set(per_group.values()))} queries"),
        )
    ]
    for name in ("browse", "filters"):
        if name in shares:
            checks.append(
                (
                    shares[name] >= TARGET_SHARE,
                    f"{name} >= {TARGET_SHARE:g} % of /healthz: {shares[name]:.1f} %",
                )
            )
    print_checks(checks)


# --- main -------------------------------------------------------------------------------------


def run(options: Options) -> None:
    ensure_wrk()
    print_busy(cpu_busy_pct())
    subject_prefix = f"benchgigs{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="gigsy-bench-gigs-") as tmp:
        workdir = Path(tmp)
        server = prod_server(
            workdir,
            throttle_rate=options.throttle_rate,
            jwt_access_minutes=JWT_ACCESS_MINUTES,
            EVENTS_SUBJECT_PREFIX=subject_prefix,
            **(
                {"GIGS_BROWSE_CACHE_SECONDS": str(options.browse_cache)}
                if options.browse_cache is not None
                else {}
            ),
        )
        load_server_settings(server.env)
        import _gigs_seed as data

        if options.purge:
            print(f"purged bench data: {data.purge()}")
            return
        print(f"seeding (idempotent): {options.gigs} open gigs of {options.clients} clients")
        started = time.monotonic()
        seeded = data.seed(
            options.gigs,
            options.clients,
            subject_prefix=subject_prefix,
            progress=lambda line: print(line, flush=True),
        )
        data.refresh_statistics()
        print(f"  seed ready in {time.monotonic() - started:.1f} s (VACUUM ANALYZE done)")
        wait_for_quiet(options, "query counts")
        counts, problems = query_counts()
        if problems:
            print_report(options, seeded, counts, problems, [])
            raise BenchError("; ".join(problems))
        script = workdir / "rotation.lua"
        script.write_text(ROTATION_LUA)
        phases: list[PhaseResult] = []
        with server.running():
            if "healthz" in options.phases:
                phases.append(healthz_phase(server, options))
            if "browse" in options.phases:
                phases.append(rotation_phase(server, options, script, "browse", ("",), None))
            if "filters" in options.phases:
                phases.append(
                    rotation_phase(
                        server, options, script, "filters", FILTERS, options.filter_pages
                    )
                )
        data.delete_outbox(subject_prefix)
    print_report(options, seeded, counts, problems, phases)


def main(argv: list[str] | None = None) -> int:
    return bench_main(argv, parse_args, run, failed="GIGS BENCH", interrupted="gunicorn stopped")


if __name__ == "__main__":
    sys.exit(main())
