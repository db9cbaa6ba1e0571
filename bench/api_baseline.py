"""API baseline: throughput and latency of an authenticated DRF endpoint vs. a plain view.

What is measured
    `GET /api/v1/auth/me` (DRF, JWT Bearer, the user read through the Redis-cached
    `CachedJWTAuthentication`, the per-user throttle, the `UserOutput` serializer) and, in the
    same run against the same server, `GET /healthz` (a plain Django `JsonResponse`: no
    database, no DRF). Both pass through the full middleware stack. For each: requests per
    second and p50/p99 latency from `wrk --latency` on loopback (default 32 connections,
    2 threads, 15 s per endpoint after a 3 s warm-up per endpoint).

Why this layout
    Benchmarks measure the production layout (ARCHITECTURE.md section 1): gunicorn gthread
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
import os
import secrets
import signal
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from _support import (
    BenchError,
    GunicornServer,
    StartCheck,
    WrkResult,
    cpu_busy_pct,
    ensure_wrk,
    free_port,
    http_json,
    run_wrk,
)

ME_PATH = "/api/v1/auth/me"
HEALTHZ_PATH = "/healthz"
BENCH_EMAIL = "bench-api-baseline@example.com"
BENCH_PASSWORD = "bench-Baseline-7f3c9a2e-only"  # a local bench account, not a secret
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 8
# Huge rates: one user hammering one endpoint must not turn into a 429 benchmark.
UNTHROTTLED = "100000000/min"
THROTTLE_ENV = (
    "THROTTLE_USER",
    "THROTTLE_ANON",
    "THROTTLE_LOGIN_IP",
    "THROTTLE_LOGIN_ACCOUNT",
    "THROTTLE_REGISTER",
)
TARGET_RATIO_PCT = 60.0
TARGET_P99_MS = 50.0
BUSY_WARNING_PCT = 15.0


@dataclass(frozen=True)
class Options:
    duration_s: float
    warmup_s: float
    connections: int
    threads: int
    rounds: int
    throttle_rate: str


@dataclass(frozen=True)
class Target:
    path: str
    headers: dict[str, str]


def _ed25519_pem() -> str:
    """A throw-away certificate signing key: production settings require one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds, discarded")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the endpoints N times")
    parser.add_argument(
        "--throttle-rate",
        default=UNTHROTTLED,
        help=f"rate of every DRF throttle scope on the server (default {UNTHROTTLED})",
    )
    args = parser.parse_args(argv)
    if min(args.duration, args.connections, args.threads, args.rounds) < 1 or args.warmup < 0:
        parser.error("duration, connections, threads and rounds must be >= 1, warmup >= 0")
    if args.threads > args.connections:
        parser.error("wrk needs at least one connection per thread")
    return Options(
        duration_s=args.duration,
        warmup_s=args.warmup,
        connections=args.connections,
        threads=args.threads,
        rounds=args.rounds,
        throttle_rate=args.throttle_rate,
    )


# --- server -----------------------------------------------------------------------------------


def server_env(options: Options, *, port: int, workdir: Path) -> dict[str, str]:
    """The production settings, plus the documented bench deviations. `workdir` holds the
    (empty) Prometheus directory and gunicorn's control socket, which by default lives in
    ~/.gunicorn and would clash with another gunicorn on this machine (e.g. `make run`)."""
    run_s = 2 * (options.warmup_s + options.rounds * options.duration_s)
    env = {
        **os.environ,
        "DJANGO_ENV": "prod",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "CERTIFICATE_SIGNING_KEY": _ed25519_pem(),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_CMD_ARGS": f"--control-socket {workdir / 'gunicorn.ctl'}",
        "GUNICORN_WORKERS": str(GUNICORN_WORKERS),
        "GUNICORN_THREADS": str(GUNICORN_THREADS),
        # The access token must outlive the run; its lifetime costs nothing per request.
        "JWT_ACCESS_MINUTES": str(max(15, math.ceil(run_s / 60) + 5)),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # gigsy.settings.select() derives it from DJANGO_ENV
    env.pop("JWT_SIGNING_KEY", None)  # tokens are signed with the fresh SECRET_KEY
    env.update(dict.fromkeys(THROTTLE_ENV, options.throttle_rate))
    return env


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


def min_connections_per_worker(options: Options) -> int:
    """Half of each worker's fair share of the wrk connections."""
    return options.connections // (2 * GUNICORN_WORKERS)


def spread_check(server: GunicornServer, options: Options) -> StartCheck:
    """Accept a wrk run only when every worker holds at least `min_connections_per_worker`
    (see the module docstring: otherwise one worker may end up serving them all)."""
    minimum = min_connections_per_worker(options)

    def check() -> tuple[bool, str]:
        split = server.connection_split()
        if split is None:
            return True, "conns/worker unknown (ss unavailable)"
        counts = sorted(split.values(), reverse=True)
        counts += [0] * (GUNICORN_WORKERS - len(counts))
        return min(counts) >= minimum, "conns/worker " + "/".join(map(str, counts))

    return check


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
        start_check=spread_check(server, options),
    )
    print(
        f"  {label:<10} GET {target.path:<16} {seconds:>4g} s {result.requests_per_s:>9.1f} req/s"
        f"  p99 {result.p99_ms:7.2f} ms  {result.note}",
        flush=True,
    )
    if result.errors:
        raise BenchError(f"{label} of {url}: {', '.join(result.errors)}")
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
        f"\nAPI baseline: gunicorn gthread {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} "
        f"threads, DJANGO_ENV=prod, LOG_FORMAT=json; wrk -c{options.connections} "
        f"-t{options.threads} -d{options.duration_s:g}s per endpoint after "
        f"{options.warmup_s:g} s warm-up, loopback{median_note}"
    )
    print(
        f"bench settings: SECURE_SSL_REDIRECT=0; {', '.join(THROTTLE_ENV)}={options.throttle_rate}"
    )
    print(
        "wrk runs restarted until every worker held >= "
        f"{min_connections_per_worker(options)} of the {options.connections} connections"
    )
    if busy is not None:
        warning = "  <- other processes compete for the CPUs" if busy > BUSY_WARNING_PCT else ""
        print(f"CPU busy before the start: {busy:.0f} % of {os.cpu_count()} cores{warning}")
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
    for ok, text in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")


# --- main -------------------------------------------------------------------------------------


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the server's __exit__, which stops it


def run(options: Options) -> None:
    ensure_wrk()
    busy = cpu_busy_pct()
    with tempfile.TemporaryDirectory(prefix="gigsy-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "prometheus").mkdir()
        port = free_port()
        env = server_env(options, port=port, workdir=workdir)
        server = GunicornServer(port=port, env=env, log_path=workdir / "gunicorn.log")
        print(
            f"starting gunicorn on {server.base_url} (log: {server.log_path}, temporary)",
            flush=True,
        )
        with server:
            try:
                auth = {"Authorization": f"Bearer {obtain_token(server.base_url)}"}
                verify_endpoints(server.base_url, auth)
                targets = [Target(ME_PATH, auth), Target(HEALTHZ_PATH, {})]
                rounds = measure(server, targets, options)
            except BenchError as exc:
                raise BenchError(f"{exc}\n{server.log_tail(20)}") from exc
    print_report(rounds, options, busy)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        run(options)
    except BenchError as exc:
        print(f"\nAPI BASELINE FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
