"""Repair gigs' copy of a person's course certificates from lms (docs/decisions/0026).

    manage.py gigs_sync_credentials --user 42 [--user 43 ...]

The read model is fed by `certificate.issued` / `certificate.revoked` from the start; this is
for support: an event parked in the dead-letter table that was not replayed, or a doubt about
why the credential gate refuses someone. Safe to run any number of times; never un-revokes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.gigs.services.credentials import sync_credentials


class Command(BaseCommand):
    help = "Copy the given users' course certificates from lms into gigs' credential gate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user",
            dest="user_ids",
            type=int,
            action="append",
            required=True,
            metavar="ID",
            help="A user id (repeat for several).",
        )

    def handle(self, *args: Any, user_ids: list[int], **options: Any) -> None:
        for user_id in user_ids:
            result = sync_credentials(user_id=user_id)
            self.stdout.write(
                f"user {user_id}: {result.valid} valid, {result.revoked} revoked certificate(s)"
            )
