"""Login cost by password hasher: server time of `POST /api/v1/auth/token`, in process.

What a login costs the server is almost all password hashing, so this times the token view
itself (Django's test client: middleware, DRF, throttles, the hasher, the session it starts),
with no network or gunicorn in between, for each hasher configuration:

- ``pbkdf2``: Django 5.2's default, PBKDF2-SHA256 at 1,000,000 iterations (before issue 10);
- ``argon2id``: the project's hasher (apps/accounts/rules.py: 19 MiB, 2 passes, 1 lane);
- ``argon2-django-default``: Django's own Argon2 costs (100 MiB, 2 passes, 8 lanes), for scale;
- ``upgrade``: a PBKDF2 hash under the project's hashers: the first login verifies it and
  rehashes with Argon2id (timed once per round).

Prints p50 and p90 per configuration. Needs PostgreSQL with the database of DATABASE_URL
migrated (default `gigsy`) and Redis; uses the test settings (generous throttles) and creates
then deletes the user `bench-login-hashing@example.com`.

    .venv/bin/python bench/login_hashing.py               # 21 logins per configuration
    .venv/bin/python bench/login_hashing.py --logins 51
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

from gigsy.settings import select

select()
django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from apps.accounts.models import User  # noqa: E402

EMAIL = "bench-login-hashing@example.com"
PASSWORD = "bench login hashing passphrase 2026"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
ARGON2_DJANGO = "django.contrib.auth.hashers.Argon2PasswordHasher"
ARGON2ID = "apps.accounts.rules.Argon2idPasswordHasher"
PROJECT = [ARGON2ID, PBKDF2]  # what gigsy/settings/base.py says
CONFIGS = {
    "pbkdf2": [PBKDF2],
    "argon2id": PROJECT,
    "argon2-django-default": [ARGON2_DJANGO, PBKDF2],
}


def _login(client: Client) -> float:
    started = time.perf_counter()
    answer = client.post(
        "/api/v1/auth/token",
        {"email": EMAIL, "password": PASSWORD},
        content_type="application/json",
    )
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise SystemExit(f"login answered {answer.status_code}: {answer.content[:200]!r}")
    return elapsed * 1000


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms   (n={len(ordered)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logins", type=int, default=21, help="timed logins per configuration")
    args = parser.parse_args()
    client = Client()
    User.objects.filter(email=EMAIL).delete()
    user = User.objects.create_user(EMAIL, PASSWORD, display_name="Bench")
    upgrades: list[float] = []
    try:
        for name, hashers in CONFIGS.items():
            with override_settings(PASSWORD_HASHERS=hashers):
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
                _login(client)  # warm-up
                times = [_login(client) for _ in range(args.logins)]
            print(f"{name:24s} {_ms(times)}   hash {user.password.split('$')[0]}")
        for _ in range(min(args.logins, 7)):
            with override_settings(PASSWORD_HASHERS=[PBKDF2]):
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
            with override_settings(PASSWORD_HASHERS=PROJECT):
                upgrades.append(_login(client))
        user.refresh_from_db()
        label = "upgrade (pbkdf2 -> argon2id)"
        print(f"{label:24s} {_ms(upgrades)}   hash now {user.password[:24]}...")
    finally:
        User.objects.filter(email=EMAIL).delete()
    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
