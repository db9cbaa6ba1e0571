"""API baseline: throughput and latency of an authenticated DRF endpoint vs. a plain view.

What is measured
    `GET /api/v1/auth/me` (DRF, JWT Bearer, the user read through the Redis-cached
    `CachedJWTAuthentication`, the per-user throttle, the `UserOutput` serializer) and, in the
    same run against the same server, `GET /healthz` (a plain Django `JsonResponse`: no
    database, no DRF). Both pass through the full middleware stack. For each: requests per
    second and p50/p99 latency from `wrk --latency` on loopback (default 32 connections,
    2 threads, 15 s per endpoint after a 3 s warm-up per endpoint).

Why this layout
    Benchmarks measure the production layout (docs/architecture.md#processes): gunicorn gthread
    workers, 2 workers x 8 threads, configured by `gunicorn.conf.py`, with `DJANGO_ENV=prod`,
    JSON logs (one line per request, written to a temp file here) and Prometheus multiprocess
    metrics. The ratio me/healthz tells how much of the plain view's throughput an
    authenticated API endpoint keeps. Targets: >= 60 % (a per-request ORM user lookup was
    measured at 16 %) and p99 < 50 ms at 32 connections.

Keeping the measurement honest
    - Deviations from production, printed with the results: no TLS redirect (no nginx in
      front) and every DRF throttle rate raised, so that one bench user hammering one
      endpoint measures the endpoint rather than 429 answers. DRF's throttle stores one
      timestamp per request in the window, so with a per-minute rate the bench user's history
      grows to thousands of entries; `--throttle-rate 100000000/s` keeps it to one second.
      gunicorn's control socket goes to a temp dir instead of ~/.gunicorn (shared by every
      gunicorn of this user, e.g. the one `make run` starts).
    - wrk holds its connections open, and the kernel gives a burst of new connections to
      whichever worker accepts first: about half of all starts put every connection on one
      worker (one GIL, so one core), which halves throughput whatever the endpoint. Each wrk
      run is therefore restarted until every worker holds at least half its fair share of
      connections (checked with `ss`); the spread is printed with each run.
    - The server, wrk and this script share the machine's cores: the share of CPU busy before
      the start is printed, and `--rounds N` alternates the endpoints N times and reports
      medians.

Missed targets are reported, not gated: the exit code is non-zero only when no valid
measurement could be made (server did not start, an answer other than 2xx, wrk failed, ...).

    .venv/bin/python bench/api_baseline.py [--duration 15] [--connections 32] [--rounds 1]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from _support import (
    BenchError,
    GunicornServer,
    ServerOptions,
    WrkResult,
    add_throttle_argument,
    add_wrk_arguments,
    bench_main,
    bench_settings,
    cpu_busy_pct,
    ensure_wrk,
    http_json,
    min_connections_per_worker,
    print_busy,
    print_checks,
    prod_server,
    run_wrk,
    server_layout,
    spread_check,
)

ME_PATH = "/api/v1/auth/me"
HEALTHZ_PATH = "/healthz"
BENCH_EMAIL = "bench-api-baseline@example.com"
BENCH_PASSWORD = "bench-Baseline-7f3c9a2e-only"  # a local bench account, not a secret
TARGET_RATIO_PCT = 60.0
TARGET_P99_MS = 50.0


@dataclass(frozen=True, kw_only=True)
class Options(ServerOptions):
    rounds: int


@dataclass(frozen=True)
class Target:
    path: str
    headers: dict[str, str]


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_wrk_arguments(parser, duration_help="seconds per endpoint")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the endpoints N times")
    add_throttle_argument(parser)
    args = parser.parse_args(argv)
    if min(args.duration, args.connections, args.threads, args.rounds) < 1 or args.warmup < 0:
        parser.error("duration, connections, threads and rounds must be >= 1, warmup >= 0")
    if args.threads > args.connections:
        parser.error("wrk needs at least one connection per thread")
    return Options(**ServerOptions.fields(args), rounds=args.rounds)


# --- server -----------------------------------------------------------------------------------


def access_minutes(options: Options) -> int:
    """The access token must outlive the run; its lifetime costs nothing per request."""
    run_s = 2 * (options.warmup_s + options.rounds * options.duration_s)
    return max(15, math.ceil(run_s / 60) + 5)


# --- the bench user ---------------------------------------------------------------------------


def obtain_token(base_url: str) -> str:
    """Register the bench user unless it exists (409) and log it in; returns the access token."""
    status, body = http_json(
        "POST",
        f"{base_url}/api/v1/auth/register",
        body={
            "email": BENCH_EMAIL,
            "password": BENCH_PASSWORD,
            "display_name": "API baseline bench",
            "role": "learner",
        },
    )
    if status not in (201, 409):
        raise BenchError(f"registering the bench user answered {status}: {body}")
    status, body = http_json(
        "POST",
        f"{base_url}/api/v1/auth/token",
        body={"email": BENCH_EMAIL, "password": BENCH_PASSWORD},
    )
    if status != 200 or not isinstance(body, dict) or "access" not in body:
        raise BenchError(
            f"logging in as {BENCH_EMAIL} answered {status}: {body} (if that account exists with "
            "another password or is inactive, delete it and run again)"
        )
    return body["access"]


def verify_endpoints(base_url: str, auth: dict[str, str]) -> None:
    """One request each before the load: exactly 200 (redirects are not followed) and the
    right body. wrk counts only 4xx/5xx as errors, so a 3xx would otherwise go unnoticed."""
    status, body = http_json("GET", f"{base_url}{HEALTHZ_PATH}")
    if status != 200:
        raise BenchError(f"GET {HEALTHZ_PATH} answered {status}: {body}")
    status, body = http_json("GET", f"{base_url}{ME_PATH}", headers=auth)
    if status != 200 or not isinstance(body, dict) or body.get("email") != BENCH_EMAIL:
        raise BenchError(f"GET {ME_PATH} answered {status}: {body} (expected 200, {BENCH_EMAIL})")


# --- measurement ------------------------------------------------------------------------------


def load(
    server: GunicornServer, target: Target, options: Options, seconds: float, label: str
) -> WrkResult:
    """One wrk run. Any error answer or socket error invalidates the measurement."""
    url = f"{server.base_url}{target.path}"
    result = run_wrk(
        url,
        duration_s=seconds,
        connections=options.connections,
        threads=options.threads,
        headers=target.headers,
        start_check=spread_check(server, options.connections),
    )
    print(
        f"  {label:<10} GET {target.path:<16} {seconds:>4g} s {result.requests_per_s:>9.1f} req/s"
        f"  p99 {result.p99_ms:7.2f} ms  {result.note}",
        flush=True,
    )
    result.require_clean(f"{label} of {url}")
    return result


def measure(
    server: GunicornServer, targets: list[Target], options: Options
) -> list[list[WrkResult]]:
    """Warm each endpoint up (discarded), then `rounds` times each in turn; results[round][i]."""
    if options.warmup_s > 0:
        for target in targets:
            load(server, target, options, options.warmup_s, "warm-up")
    return [
        [load(server, target, options, options.duration_s, f"round {n}") for target in targets]
        for n in range(1, options.rounds + 1)
    ]


# --- report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Medians over the rounds (a single round: its values)."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int

    @classmethod
    def of(cls, results: list[WrkResult]) -> Summary:
        return cls(
            requests_per_s=statistics.median(r.requests_per_s for r in results),
            p50_ms=statistics.median(r.p50_ms for r in results),
            p99_ms=statistics.median(r.p99_ms for r in results),
            requests=sum(r.requests for r in results),
        )


def print_report(rounds: list[list[WrkResult]], options: Options, busy: float | None) -> None:
    me, healthz = Summary.of([r[0] for r in rounds]), Summary.of([r[1] for r in rounds])
    ratios = [100.0 * r[0].requests_per_s / r[1].requests_per_s for r in rounds]
    ratio = statistics.median(ratios)
    median_note = f", medians of {options.rounds} rounds" if options.rounds > 1 else ""
    print(
        f"\nAPI baseline: {server_layout(options)} per endpoint after {options.warmup_s:g} s "
        f"warm-up, loopback{median_note}"
    )
    print(bench_settings(options.throttle_rate))
    print(
        "wrk runs restarted until every worker held >= "
        f"{min_connections_per_worker(options.connections)} of the {options.connections} "
        "connections"
    )
    print_busy(busy)
    header = f"{'endpoint':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}"
    print(f"\n{header}\n{'-' * len(header)}")
    for path, s in ((ME_PATH, me), (HEALTHZ_PATH, healthz)):
        print(
            f"{path:<24} {s.requests_per_s:>9.1f} {s.p50_ms:>8.2f} {s.p99_ms:>8.2f} {s.requests:>9}"
        )
    per_round = f" (rounds: {', '.join(f'{r:.1f}' for r in ratios)})" if len(ratios) > 1 else ""
    print(f"\nme/healthz throughput: {ratio:.1f} %{per_round}")
    checks = [
        (
            ratio >= TARGET_RATIO_PCT,
            f"{ME_PATH} keeps >= {TARGET_RATIO_PCT:g} % of /healthz throughput: {ratio:.1f} %",
        ),
        (
            me.p99_ms < TARGET_P99_MS,
            f"{ME_PATH} p99 < {TARGET_P99_MS:g} ms at {options.connections} connections: "
            f"{me.p99_ms:.2f} ms",
        ),
    ]
    print_checks(checks)


# --- main -------------------------------------------------------------------------------------


def run(options: Options) -> None:
    ensure_wrk()
    busy = cpu_busy_pct()
    with tempfile.TemporaryDirectory(prefix="gigsy-bench-") as tmp:
        server = prod_server(
            Path(tmp),
            throttle_rate=options.throttle_rate,
            jwt_access_minutes=access_minutes(options),
        )
        with server.running():
            auth = {"Authorization": f"Bearer {obtain_token(server.base_url)}"}
            verify_endpoints(server.base_url, auth)
            targets = [Target(ME_PATH, auth), Target(HEALTHZ_PATH, {})]
            rounds = measure(server, targets, options)
    print_report(rounds, options, busy)


def main(argv: list[str] | None = None) -> int:
    return bench_main(argv, parse_args, run, failed="API BASELINE", interrupted="gunicorn stopped")


if __name__ == "__main__":
    sys.exit(main())
