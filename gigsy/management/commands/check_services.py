"""Fail fast, naming the service and how to start it, when a backing service is down."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gigsy.observability.readiness import PROBES, check_all


class Command(BaseCommand):
    help = "Check backing services (all, or the ones named) and say how to start any that is down."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help=", ".join(p.name for p in PROBES))
        parser.add_argument("--timeout", type=float, default=3.0)

    def handle(self, *args: Any, names: list[str], timeout: float, **options: Any) -> None:
        unknown = set(names) - {p.name for p in PROBES}
        if unknown:
            raise CommandError(f"unknown service(s): {', '.join(sorted(unknown))}")
        _, results = check_all(timeout=timeout)
        wanted = names or list(results)
        down = []
        for name in wanted:
            state = results[name]
            if state["status"] == "ok":
                self.stdout.write(f"  ok    {name:<9} {state['latency_ms']} ms")
            else:
                down.append(name)
                self.stdout.write(
                    f"  DOWN  {name:<9} {state['error']}\n        start: {state['hint']}"
                )
        if down:
            raise CommandError(f"backing service(s) not reachable: {', '.join(down)}")
