"""Shared pieces of the benchmarks: the gunicorn server under test, wrk, small HTTP calls.

A helper module, not a benchmark: `run_all.py` skips every `bench/_*.py`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = REPO_ROOT / ".venv" / "bin"


class BenchError(RuntimeError):
    """The benchmark could not produce a valid measurement (as opposed to missing a target)."""


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


def cpu_busy_pct(sample_s: float = 1.0) -> float | None:
    """Share of all CPUs busy over `sample_s` (Linux /proc/stat; None elsewhere). Taken before
    the server starts, it tells whether something else is competing for the cores."""

    def snapshot() -> tuple[int, int]:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields[:8]), idle

    try:
        total_before, idle_before = snapshot()
        time.sleep(sample_s)
        total_after, idle_after = snapshot()
    except (OSError, ValueError, IndexError):
        return None
    elapsed = total_after - total_before
    return 100.0 * (1 - (idle_after - idle_before) / elapsed) if elapsed > 0 else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def _spawn(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _discard(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.communicate()


def _restart_until_accepted(
    process: subprocess.Popen[str],
    command: list[str],
    check: StartCheck,
    *,
    attempts: int,
    settle_s: float,
) -> tuple[subprocess.Popen[str], str]:
    try:
        for attempt in range(1, attempts + 1):
            time.sleep(settle_s)
            accepted, note = check()
            if accepted or process.poll() is not None:
                return process, note + (f" (start {attempt})" if attempt > 1 else "")
            if attempt == attempts:
                return process, f"{note} (kept after {attempts} starts)"
            _discard(process)
            process = _spawn(command)
    except BaseException:
        _discard(process)
        raise
    raise AssertionError("unreachable")


def run_wrk(
    url: str,
    *,
    duration_s: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
    start_check: StartCheck | None = None,
    attempts: int = 20,
    settle_s: float = 0.5,
) -> WrkResult:
    """One wrk run. With `start_check`, the run is looked at `settle_s` after wrk started and
    restarted until the check accepts it (after `attempts` starts the last one is kept
    whatever it shows); the check's note is kept on the result."""
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
    command.append(url)
    process, note = _spawn(command), ""
    if start_check is not None:
        process, note = _restart_until_accepted(
            process, command, start_check, attempts=attempts, settle_s=settle_s
        )
    try:
        stdout, stderr = process.communicate(timeout=duration_s + 60)
    finally:
        _discard(process)
    if process.returncode != 0:
        raise BenchError(f"wrk failed ({process.returncode}): {stderr.strip()}")
    return dataclasses.replace(parse_wrk(stdout), note=note)
