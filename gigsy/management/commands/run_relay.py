"""Publish the transactional outbox to NATS JetStream (the `relay` process)."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from django.core.management.base import BaseCommand

from gigsy.events.relay import Relay
from gigsy.events.runtime import run_until_signalled


class Command(BaseCommand):
    help = "Send committed outbox events to JetStream until stopped (SIGTERM)."

    def handle(self, *args: Any, **options: Any) -> None:
        relay = Relay(name=f"{socket.gethostname()}-{os.getpid()}")

        async def main(stop: asyncio.Event) -> None:
            await relay.run(stop)

        run_until_signalled(main)
