"""Run the durable JetStream consumers of every registered event handler."""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gigsy.events import registry
from gigsy.events.consumer import ConsumerRunner
from gigsy.events.runtime import run_until_signalled


class Command(BaseCommand):
    help = "Consume events for every registered handler (or only those named) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="NAME",
            help="handler name (repeatable), e.g. careers.create_profile",
        )
        parser.add_argument(
            "--list", dest="list_only", action="store_true", help="list the handlers and exit"
        )

    def handle(self, *args: Any, only: list[str], list_only: bool, **options: Any) -> None:
        handlers = registry.all_handlers()
        if list_only:
            for h in handlers:
                self.stdout.write(f"{h.name:<40} {h.event_type}")
            return
        if only:
            try:
                handlers = [registry.get(name) for name in only]
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
        if not handlers:
            self.stdout.write("No event handlers are registered yet; waiting for a signal.")
        runners = [ConsumerRunner(h) for h in handlers]

        async def main(stop: asyncio.Event) -> None:
            if not runners:
                await stop.wait()
                return
            await asyncio.gather(*(runner.run(stop) for runner in runners))

        run_until_signalled(main)
