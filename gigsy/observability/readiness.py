"""Readiness probes for every backing service (docs/architecture.md#backing-services).

Each probe returns quickly or raises; `check_all()` runs them in parallel with a timeout and
reports each dependency's state and latency. Messages name the service and how to start it.
"""

from __future__ import annotations

import socket
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections


@dataclass(frozen=True)
class Probe:
    name: str
    check: Callable[[float], str]  # returns a short detail ("local", "remote"...) or raises
    hint: str


def _postgres(timeout: float) -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis(timeout: float) -> str:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _nats(timeout: float) -> str:
    """Speak just enough of the NATS protocol (INFO, CONNECT, PING/PONG) to prove it answers."""
    url = urlsplit(settings.NATS_URL.split(",")[0])
    with socket.create_connection((url.hostname, url.port or 4222), timeout=timeout) as sock:
        sock.settimeout(timeout)
        reader = sock.makefile("rb")
        if not reader.readline().startswith(b"INFO "):
            raise ConnectionError("did not greet with INFO")
        connect = b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n'
        if url.username:
            connect = b'CONNECT {"verbose":false,"user":"%s","pass":"%s"}\r\nPING\r\n' % (
                url.username.encode(),
                (url.password or "").encode(),
            )
        sock.sendall(connect)
        reply = reader.readline()
        if not reply.startswith(b"PONG"):
            raise ConnectionError(reply.decode(errors="replace").strip() or "no PONG")
    return "ok"


def _mongodb(timeout: float) -> str:
    from pymongo import MongoClient

    ms = int(timeout * 1000)
    client: MongoClient = MongoClient(
        settings.MONGODB_URL,
        serverSelectionTimeoutMS=ms,
        connectTimeoutMS=ms,
        socketTimeoutMS=ms,
        directConnection=True,
    )
    try:
        client.admin.command("ping")
    finally:
        client.close()
    return "ok"


def _http_ok(url: str, timeout: float, headers: dict[str, str] | None = None) -> None:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (our own config)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        if response.status >= 400:
            raise ConnectionError(f"HTTP {response.status}")


def _vector(timeout: float) -> str:
    if settings.QDRANT_URL:
        _http_ok(settings.QDRANT_URL.rstrip("/") + "/readyz", timeout)
        return "qdrant"
    # Local mode: the search process owns the on-disk collection; we check it can write there.
    path = Path(settings.QDRANT_LOCAL_PATH)
    path.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path, prefix=".readyz-"):
        pass
    return "qdrant-local"


def _keyword(timeout: float) -> str:
    if settings.MEILISEARCH_URL:
        headers = {}
        if settings.MEILISEARCH_API_KEY:
            headers["Authorization"] = f"Bearer {settings.MEILISEARCH_API_KEY}"
        _http_ok(settings.MEILISEARCH_URL.rstrip("/") + "/health", timeout, headers)
        return "meilisearch"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            raise ConnectionError("extension pg_trgm missing: run manage.py migrate")
    return "postgres-fts"


PROBES: tuple[Probe, ...] = (
    Probe("postgres", _postgres, "pg_ctlcluster 15 main start (DATABASE_URL)"),
    Probe("redis", _redis, "redis-server --daemonize yes (REDIS_URL)"),
    Probe("nats", _nats, "nats-server -js (NATS_URL)"),
    Probe("mongodb", _mongodb, "make run starts the local stand-in, or set MONGODB_URL"),
    Probe("vector", _vector, "set QDRANT_URL, or make QDRANT_LOCAL_PATH writable"),
    Probe("keyword", _keyword, "set MEILISEARCH_URL, or migrate for PostgreSQL FTS"),
)

_pool = ThreadPoolExecutor(max_workers=len(PROBES), thread_name_prefix="readyz")


def _timed(probe: Probe, timeout: float) -> dict[str, object]:
    started = time.perf_counter()
    try:
        detail = probe.check(timeout)
        state: dict[str, object] = {"status": "ok", "backend": detail}
    except Exception as exc:  # any failure means "not ready"; the reason goes to the caller
        error = f"{type(exc).__name__}: {exc}"
        # Drivers can explain at length (pymongo's topology dump); the first line is enough.
        state = {"status": "down", "error": error.splitlines()[0][:200], "hint": probe.hint}
    finally:
        if probe.name in ("postgres", "keyword"):
            connections.close_all()  # probes run in pool threads; don't leak their connections
    state["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return state


def check_all(timeout: float | None = None) -> tuple[bool, dict[str, dict[str, object]]]:
    timeout = timeout if timeout is not None else settings.READINESS_TIMEOUT
    futures = {probe.name: _pool.submit(_timed, probe, timeout) for probe in PROBES}
    results: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + timeout + 0.5
    for probe in PROBES:
        try:
            results[probe.name] = futures[probe.name].result(
                timeout=max(0.0, deadline - time.monotonic())
            )
        except FutureTimeout:
            results[probe.name] = {
                "status": "down",
                "error": f"no answer within {timeout}s",
                "hint": probe.hint,
            }
    return all(r["status"] == "ok" for r in results.values()), results
