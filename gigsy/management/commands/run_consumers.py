"""Run the durable JetStream consumers of one group of event handlers (the `consumers` process).

Without --group this is the default group: handlers that declare another group (e.g. the search
service's, which must run in the process that owns its index) are left to that group's process.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gigsy.events import registry
from gigsy.events.consumer import run_consumers, runners_for
from gigsy.events.registry import DEFAULT_GROUP
from gigsy.events.runtime import run_until_signalled


class Command(BaseCommand):
    help = "Consume events for the handlers of one group (or only those named) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--group",
            default=DEFAULT_GROUP,
            metavar="NAME",
            help=f"run the handlers of this group (default: {DEFAULT_GROUP!r})",
        )
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="NAME",
            help="handler name (repeatable, any group), e.g. careers.create_profile",
        )
        parser.add_argument(
            "--list",
            dest="list_only",
            action="store_true",
            help="list every handler with its group and exit",
        )

    def handle(
        self, *args: Any, group: str, only: list[str], list_only: bool, **options: Any
    ) -> None:
        if list_only:
            self.stdout.write(f"{'handler':<40} {'group':<12} event type")
            for h in registry.all_handlers():
                self.stdout.write(f"{h.name:<40} {h.group:<12} {h.event_type}")
            return
        try:
            runners = runners_for(group=group, only=only)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if not runners:
            self.stdout.write(
                f"No event handlers in group {group!r} are registered yet; waiting for a signal."
            )

        async def main(stop: asyncio.Event) -> None:
            await run_consumers(runners, stop)

        run_until_signalled(main)
