"""Idempotent demo data: an operator and a few users of each role.

Passwords are generated and printed once, when a user is created; running again creates
nothing new and prints nothing secret.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import Role, User

DEMO_DOMAIN = "demo.gigsy.local"
PER_ROLE = 2


class Command(BaseCommand):
    help = "Create demo users (idempotent); prints each new user's password once."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        created: list[tuple[str, str, str]] = []

        def ensure(email: str, display_name: str, role: str, *, operator: bool = False) -> None:
            if User.objects.filter(email=email).exists():
                return
            password = secrets.token_urlsafe(12)
            if operator:
                User.objects.create_superuser(email, password, display_name=display_name)
            else:
                User.objects.create_user(email, password, display_name=display_name, roles=[role])
            created.append((email, role if not operator else "operator", password))

        ensure(f"operator@{DEMO_DOMAIN}", "Olivia Operator", Role.LEARNER, operator=True)
        for role in Role.values:
            for n in range(1, PER_ROLE + 1):
                ensure(f"{role}{n}@{DEMO_DOMAIN}", f"Demo {role.title()} {n}", role)

        if not created:
            self.stdout.write("Demo users already exist (their passwords were printed once).")
            return
        self.stdout.write(self.style.SUCCESS(f"Created {len(created)} demo users:"))
        for email, role, password in created:
            self.stdout.write(f"  {role:<11} {email:<36} {password}")
        self.stdout.write("Save these passwords now: they are not shown again.")
