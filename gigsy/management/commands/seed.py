"""`manage.py seed`: every installed context's demo data, in INSTALLED_APPS order.

A context seeds through its own `seed_demo*` management commands (idempotent); this command
finds them (gigsy/contexts.py), so `make run` names none.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gigsy.contexts import seed_commands


class Command(BaseCommand):
    help = "Run every installed context's seed_demo* commands (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for command in seed_commands():
            self.stdout.write(f"seed: {command}")
            call_command(command, stdout=self.stdout, stderr=self.stderr)
