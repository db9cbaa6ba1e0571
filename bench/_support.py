"""Shared pieces of the benchmarks: settings, the gunicorn server under test, wrk, small HTTP
calls, waiting for a quiet machine, and the main()/report scaffolding.

A helper module, not a benchmark: `run_all.py` skips every `bench/_*.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = REPO_ROOT / ".venv" / "bin"

# The production layout (docs/architecture.md#processes) every server benchmark measures.
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
BUSY_WARNING_PCT = 15.0


class BenchError(RuntimeError):
    """The benchmark could not produce a valid measurement (as opposed to missing a target)."""


# --- settings ---------------------------------------------------------------------------------


def throwaway_ed25519_pem() -> str:
    """A throw-away certificate signing key: the production settings require one."""
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


def settings_env(
    django_env: str = "prod", *, keep_certificate_key: bool = False, **extra: str
) -> dict[str, str]:
    """This process's environment with `DJANGO_ENV=django_env` and `extra`. For prod: a fresh
    SECRET_KEY (tokens are signed with it: JWT_SIGNING_KEY is dropped), a throw-away
    CERTIFICATE_SIGNING_KEY (with `keep_certificate_key`, only unless one is set), JSON logs and,
    unless set, `EMAIL_URL=consolemail://` (prod refuses to start without one; benchmarks send
    no mail) and a throw-away SANDBOX_WEBHOOK_SECRET (nor without that; they take no payments).
    DJANGO_SETTINGS_MODULE is dropped: gigsy.settings.select() derives it."""
    env = {**os.environ, "DJANGO_ENV": django_env, **extra}
    if django_env == "prod":
        env["SECRET_KEY"] = secrets.token_urlsafe(64)
        if not (keep_certificate_key and "CERTIFICATE_SIGNING_KEY" in env):
            env["CERTIFICATE_SIGNING_KEY"] = throwaway_ed25519_pem()
        env["LOG_FORMAT"] = "json"
        env.setdefault("EMAIL_URL", "consolemail://")
        # Production refuses the sandbox payment provider without a webhook secret (issue 13);
        # benchmarks take no payments: a throw-away one, unless one is set.
        env.setdefault("SANDBOX_WEBHOOK_SECRET", secrets.token_urlsafe(48))
        env.pop("JWT_SIGNING_KEY", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def server_env(
    *, port: int, workdir: Path, throttle_rate: str, jwt_access_minutes: int, **extra: str
) -> dict[str, str]:
    """The production settings of the server under test, plus the documented bench
    deviations: no TLS redirect and every DRF throttle scope at `throttle_rate`. `workdir`
    holds the (empty) Prometheus directory and gunicorn's control socket, which by default
    lives in ~/.gunicorn and would clash with another gunicorn on this machine (`make run`)."""
    env = settings_env(
        "prod",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PROMETHEUS_MULTIPROC_DIR=str(workdir / "prometheus"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_CMD_ARGS=f"--control-socket {workdir / 'gunicorn.ctl'}",
        GUNICORN_WORKERS=str(GUNICORN_WORKERS),
        GUNICORN_THREADS=str(GUNICORN_THREADS),
        JWT_ACCESS_MINUTES=str(jwt_access_minutes),
        **extra,
    )
    env.update(dict.fromkeys(THROTTLE_ENV, throttle_rate))
    return env


def setup_django(env: dict[str, str], *, drop: Sequence[str] = ()) -> None:
    """Load the settings of `env` in this process (minus the variables in `drop`)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.update(env)
    for name in ("DJANGO_SETTINGS_MODULE", *drop):
        os.environ.pop(name, None)
    from gigsy.settings import select

    select()
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise BenchError(f"the {env['DJANGO_ENV']} settings refused to load: {exc}") from exc


# --- HTTP -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer to check, not something to follow silently."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_json(
    method: str,
    url: str,
    *,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """One request; returns (status, decoded JSON body or raw text). Never follows redirects."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http only)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    text = raw.decode(errors="replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def cpu_ticks() -> tuple[int, int]:
    """(total, idle + iowait) clock ticks of all CPUs since boot, from /proc/stat (Linux)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]), idle


def cpu_busy_pct(sample_s: float = 1.0) -> float | None:
    """Share of all CPUs busy over `sample_s` (Linux /proc/stat; None elsewhere). Taken before
    the server starts, it tells whether something else is competing for the cores."""
    try:
        total_before, idle_before = cpu_ticks()
        time.sleep(sample_s)
        total_after, idle_after = cpu_ticks()
    except (OSError, ValueError, IndexError):
        return None
    elapsed = total_after - total_before
    return 100.0 * (1 - (idle_after - idle_before) / elapsed) if elapsed > 0 else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- waiting for a quiet machine --------------------------------------------------------------


def listening_relays() -> int:
    """Other connections LISTENing for this database's outbox: running relays (needs
    django.setup()). Relays of other databases (parallel test runs) never see its rows."""
    from django.db import connection

    from gigsy.events.publisher import NOTIFY_CHANNEL

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND datname = current_database() AND query ILIKE %s",
            [f"LISTEN {NOTIFY_CHANNEL}%"],
        )
        (count,) = cursor.fetchone()
    return int(count)


def wait_for_low_load(
    label: str, *, max_load: float, give_up_s: float, writes_events: bool = False
) -> str:
    """Block until the 1-minute load average is below `max_load` (0: don't check) and, for a
    phase whose requests write outbox rows, until no other relay listens (one would try to
    send this run's rows, fail, and back off: it would slow down whatever benchmark it belongs
    to). Gives up after `give_up_s` seconds; returns what was seen."""
    started = time.monotonic()
    last_print = -math.inf

    def state() -> tuple[float, int]:
        return os.getloadavg()[0], listening_relays() if writes_events else 0

    load, relays = state()
    if max_load <= 0:
        return f"load {load:.2f} (not checked)"
    while load >= max_load or relays:
        waited = time.monotonic() - started
        if waited > give_up_s:
            print(
                f"  {label}: load {load:.2f}, {relays} other relays after {waited:.0f} s; going on"
            )
            return f"load {load:.2f}, {relays} other relays (gave up waiting after {waited:.0f} s)"
        if time.monotonic() - last_print >= 15:
            loads = " ".join(f"{v:.2f}" for v in os.getloadavg())
            relay_note = f", {relays} other relay(s) listening" if relays else ""
            print(
                f"  {label}: waiting for load < {max_load:g} (load averages {loads}{relay_note})",
                flush=True,
            )
            last_print = time.monotonic()
        time.sleep(5)
        load, relays = state()
    waited = time.monotonic() - started
    return f"load {load:.2f}" + (f" after {waited:.0f} s wait" if waited >= 1 else "")


# --- the server under test --------------------------------------------------------------------


class GunicornServer:
    """`gunicorn -c gunicorn.conf.py gigsy.wsgi:application` in its own process group, with
    stdout/stderr in `log_path`. Use as a context manager: it is always stopped on exit."""

    def __init__(self, *, port: int, env: dict[str, str], log_path: Path) -> None:
        self.port = port
        self.env = env
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> GunicornServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, ready_timeout: float = 60.0) -> None:
        command = [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "gigsy.wsgi:application",
        ]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise BenchError(f"gunicorn exited during startup\n{self.log_tail()}")
            try:
                status, _ = http_json("GET", f"{self.base_url}/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(
            f"gunicorn did not answer /healthz within {timeout:.0f} s\n{self.log_tail()}"
        )

    def stop(self, grace: float = 25.0) -> None:
        """SIGTERM (graceful) to the master, then SIGKILL to our own process group if needed."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            os.killpg(process.pid, signal.SIGKILL)  # the group gunicorn leads: only ours
            process.wait()

    @contextlib.contextmanager
    def running(self) -> Iterator[GunicornServer]:
        """Start (and announce) the server, stop it on exit; a BenchError raised meanwhile
        gets the tail of the server log."""
        print(f"starting gunicorn on {self.base_url} (log: {self.log_path}, temporary)", flush=True)
        with self:
            try:
                yield self
            except BenchError as exc:
                raise BenchError(f"{exc}\n{self.log_tail(20)}") from exc

    def connection_split(self) -> Counter[int] | None:
        """Established connections to our port, counted by the worker pid that holds them
        (`ss -tnp`; None when ss is missing or shows no owners, e.g. without privileges)."""
        try:
            listing = subprocess.run(
                ["ss", "-tnpH", "state", "established", f"( sport = :{self.port} )"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        owners = Counter(int(pid) for pid in re.findall(r"pid=(\d+)", listing))
        return owners or None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}\n--- end of log ---"


def prod_server(
    workdir: Path, *, throttle_rate: str, jwt_access_minutes: int, **extra: str
) -> GunicornServer:
    """The server under test (not started) on a free port, with `server_env` and its
    Prometheus directory, control socket and log in `workdir` (a temporary directory)."""
    (workdir / "prometheus").mkdir()
    port = free_port()
    env = server_env(
        port=port,
        workdir=workdir,
        throttle_rate=throttle_rate,
        jwt_access_minutes=jwt_access_minutes,
        **extra,
    )
    return GunicornServer(port=port, env=env, log_path=workdir / "gunicorn.log")


# --- wrk --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    note: str = ""  # what the start check saw (e.g. how connections spread over workers)

    @property
    def errors(self) -> list[str]:
        problems = [
            f"{count} socket {kind} errors" for kind, count in self.socket_errors.items() if count
        ]
        if self.non_2xx_3xx:
            problems.insert(0, f"{self.non_2xx_3xx} non-2xx/3xx responses")
        return problems

    def require_clean(self, what: str) -> None:
        """Any error answer or socket error invalidates the measurement."""
        if self.errors:
            raise BenchError(f"{what}: {', '.join(self.errors)}")


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(\d+(?:\.\d+)?)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_REQUESTS_PER_S = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str) -> WrkResult:
    """Parse `wrk --latency` output (latency distribution units: us, ms, s, m, h)."""
    percentiles = {
        float(pct): float(value) * _TIME_UNITS_MS[unit]
        for pct, value, unit in _PERCENTILE.findall(output)
    }
    rps, total = _REQUESTS_PER_S.search(output), _TOTAL.search(output)
    if rps is None or total is None or 50.0 not in percentiles or 99.0 not in percentiles:
        raise BenchError(f"could not parse wrk output:\n{output}")
    non_2xx = _NON_2XX.search(output)
    sockets = _SOCKET.search(output)
    counts = [int(n) for n in sockets.groups()] if sockets else [0, 0, 0, 0]
    return WrkResult(
        requests=int(total.group(1)),
        requests_per_s=float(rps.group(1)),
        p50_ms=percentiles[50.0],
        p99_ms=percentiles[99.0],
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(("connect", "read", "write", "timeout"), counts, strict=True)),
    )


def ensure_wrk() -> str:
    """Path of `wrk`; installs the Debian package non-interactively when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found on PATH; installing it with apt-get ...", flush=True)
    command = ["apt-get", "install", "-y", "-q", "wrk"]
    if os.geteuid() != 0 and shutil.which("sudo"):
        command.insert(0, "sudo")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        sys.exit(
            "wrk is required and could not be installed automatically "
            f"({exc}; {detail.decode(errors='replace').strip()[-300:]}).\n"
            "Install it yourself: sudo apt-get install -y wrk"
        )
    found = shutil.which("wrk")
    if not found:
        sys.exit("apt-get reported success but wrk is still not on PATH; install it manually.")
    return found


StartCheck = Callable[[], tuple[bool, str]]


def min_connections_per_worker(connections: int) -> int:
    """Half of each worker's fair share of `connections` wrk connections."""
    return connections // (2 * GUNICORN_WORKERS)


def spread_check(server: GunicornServer, connections: int) -> StartCheck:
    """Accept a wrk run only when every worker holds at least `min_connections_per_worker`:
    wrk holds its connections open, and the kernel gives a burst of new connections to
    whichever worker accepts first, so one worker (one GIL) may end up serving them all."""
    minimum = min_connections_per_worker(connections)

    def check() -> tuple[bool, str]:
        split = server.connection_split()
        if split is None:
            return True, "conns/worker unknown (ss unavailable)"
        counts = sorted(split.values(), reverse=True)
        counts += [0] * (GUNICORN_WORKERS - len(counts))
        return min(counts) >= minimum, "conns/worker " + "/".join(map(str, counts))

    return check


def wrk_command(
    url: str,
    *,
    duration_s: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: Sequence[str] = (),
) -> list[str]:
    """`wrk --latency` against `url`, optionally with a Lua `script` and its arguments."""
    command = [
        ensure_wrk(),
        "--latency",
        "--timeout",
        "5s",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    return command


def _spawn(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _discard(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.communicate()


def start_wrk(
    command: list[str],
    check: StartCheck | None = None,
    *,
    attempts: int = 20,
    settle_s: float = 0.5,
    env: dict[str, str] | None = None,
    before_start: Callable[[], None] | None = None,
) -> tuple[subprocess.Popen[str], str]:
    """Start wrk; with `check`, look at the run `settle_s` after it started and restart it
    until the check accepts it (after `attempts` starts the last one is kept whatever it
    shows). `before_start` runs before every start. Returns the process and the check's note."""
    process: subprocess.Popen[str] | None = None
    try:
        for attempt in range(1, attempts + 1):
            if before_start is not None:
                before_start()
            process = _spawn(command, env)
            if check is None:
                return process, ""
            time.sleep(settle_s)
            accepted, note = check()
            if accepted or process.poll() is not None:
                return process, note + (f" (start {attempt})" if attempt > 1 else "")
            if attempt == attempts:
                return process, f"{note} (kept after {attempts} starts)"
            _discard(process)
    except BaseException:
        if process is not None:
            _discard(process)
        raise
    raise AssertionError("unreachable")


def finish_wrk(process: subprocess.Popen[str], duration_s: float) -> str:
    """Wait for a wrk run of `duration_s`; its stdout. Fails on a non-zero exit."""
    try:
        stdout, stderr = process.communicate(timeout=duration_s + 60)
    finally:
        _discard(process)
    if process.returncode != 0:
        raise BenchError(f"wrk failed ({process.returncode}): {stderr.strip()}")
    return stdout


def run_wrk(
    url: str,
    *,
    duration_s: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: Sequence[str] = (),
    start_check: StartCheck | None = None,
    attempts: int = 20,
    settle_s: float = 0.5,
) -> WrkResult:
    """One wrk run. With `start_check`, the run is looked at `settle_s` after wrk started and
    restarted until the check accepts it (after `attempts` starts the last one is kept
    whatever it shows); the check's note is kept on the result."""
    command = wrk_command(
        url,
        duration_s=duration_s,
        connections=connections,
        threads=threads,
        headers=headers,
        script=script,
        script_args=script_args,
    )
    process, note = start_wrk(command, start_check, attempts=attempts, settle_s=settle_s)
    return dataclasses.replace(parse_wrk(finish_wrk(process, duration_s)), note=note)


# --- main and report --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ServerOptions:
    """The options every wrk benchmark against the server under test takes (from
    `add_wrk_arguments` and `add_throttle_argument`); a benchmark's own options extend it."""

    duration_s: float
    warmup_s: float
    connections: int
    threads: int
    throttle_rate: str

    @staticmethod
    def fields(args: argparse.Namespace) -> dict[str, Any]:
        """These fields from the parsed arguments."""
        return {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "threads": args.threads,
            "throttle_rate": args.throttle_rate,
        }


def add_wrk_arguments(parser: argparse.ArgumentParser, *, duration_help: str) -> None:
    """--duration, --warmup, --connections and --threads of a wrk benchmark."""
    parser.add_argument("--duration", type=float, default=15.0, help=duration_help)
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds, discarded")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")


def add_throttle_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--throttle-rate",
        default=UNTHROTTLED,
        help=f"rate of every DRF throttle scope on the server (default {UNTHROTTLED})",
    )


def server_layout(options: ServerOptions) -> str:
    """The layout a server benchmark's report starts with: the server and the wrk call."""
    return (
        f"gunicorn gthread {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads, "
        f"DJANGO_ENV=prod, LOG_FORMAT=json; wrk -c{options.connections} -t{options.threads} "
        f"-d{options.duration_s:g}s"
    )


def bench_settings(throttle_rate: str) -> str:
    """The deviations from the production settings that `server_env` makes."""
    return f"bench settings: SECURE_SSL_REDIRECT=0; {', '.join(THROTTLE_ENV)}={throttle_rate}"


def busy_warning(busy_pct: float | None) -> str:
    """The warning appended to a CPU-busy figure high enough to disturb the numbers."""
    if busy_pct is not None and busy_pct > BUSY_WARNING_PCT:
        return "  <- other processes compete for the CPUs"
    return ""


def print_busy(busy_pct: float | None) -> None:
    """How busy the CPUs were before the start (nothing when unknown)."""
    if busy_pct is not None:
        print(
            f"CPU busy before the start: {busy_pct:.0f} % of {os.cpu_count()} cores"
            f"{busy_warning(busy_pct)}"
        )


def print_checks(checks: list[tuple[bool, str]]) -> None:
    """The targets: one PASS or FAIL line each (reported, not gated)."""
    for ok, text in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the servers' __exit__ and the clean-ups


OptionsT = TypeVar("OptionsT")


def bench_main(
    argv: list[str] | None,
    parse_args: Callable[[list[str] | None], OptionsT],
    run: Callable[[OptionsT], None],
    *,
    failed: str,
    interrupted: str,
) -> int:
    """Parse the arguments and run; exit code 1 when no valid measurement could be made
    (`failed` names the benchmark in the message), 130 on Ctrl-C (`interrupted` says what
    was stopped). SIGTERM unwinds like Ctrl-C, through every clean-up."""
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        run(options)
    except BenchError as exc:
        print(f"\n{failed} FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ninterrupted; {interrupted}", file=sys.stderr)
        return 130
    return 0
