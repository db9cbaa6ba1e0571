from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Seed nothing, say so."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("throwaway seeded")
