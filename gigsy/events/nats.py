"""NATS JetStream connection and the GIGSY stream's configuration."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from django.conf import settings
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError


def stream_config() -> StreamConfig:
    return StreamConfig(
        name=settings.EVENTS_STREAM,
        subjects=[f"{settings.EVENTS_SUBJECT_PREFIX}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=settings.EVENTS_STREAM_MAX_AGE_DAYS * 86400.0,
        duplicate_window=float(settings.EVENTS_DUPLICATE_WINDOW_SECONDS),
    )


log = structlog.get_logger("gigsy.nats")
CONNECT_TIMEOUT_SECONDS = 3.0


async def _log_error(exc: Exception) -> None:
    # nats-py's default callback logs a full traceback per reconnect attempt.
    log.warning("nats.error", error=repr(exc)[:200])


async def connect(url: str | None = None, *, name: str = "gigsy") -> Client:
    """Connect, failing within seconds if NATS is down (callers retry with their own backoff).

    Once connected, the client reconnects by itself forever; but nats-py applies the same
    unlimited retry to the first connection, which would hang a starting process, hence the
    outer timeout.
    """
    client = Client()
    try:
        await asyncio.wait_for(
            client.connect(
                servers=(url or settings.NATS_URL).split(","),
                name=name,
                connect_timeout=2,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                error_cb=_log_error,
            ),
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except TimeoutError as exc:
        with contextlib.suppress(Exception):
            await client.close()
        raise ConnectionError(f"NATS at {url or settings.NATS_URL} did not answer") from exc
    return client


async def ensure_stream(js: JetStreamContext) -> None:
    """Create the stream, or bring an existing one to the configured limits."""
    config = stream_config()
    try:
        await js.stream_info(settings.EVENTS_STREAM)
    except NotFoundError:
        await js.add_stream(config)
    else:
        await js.update_stream(config)
