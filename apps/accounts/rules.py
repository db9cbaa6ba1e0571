"""Accounts' pure rules (no I/O): how passwords are hashed.

Argon2id (RFC 9106), memory-hard: a GPU or ASIC guessing stolen hashes pays in memory, not
only in time. Django's Argon2PasswordHasher defaults to 100 MiB and 8 lanes per hash; a login
here runs on a 2-core machine with 2 gunicorn workers of 8 threads, so 16 logins at once would
want 1.6 GiB. These costs are OWASP's first recommended Argon2id set (19 MiB, 2 passes, 1 lane;
Password Storage Cheat Sheet): a login's server time p50 85 ms here, against 414 ms with
PBKDF2 at Django's 1,000,000 iterations and 491 ms with Django's Argon2 costs
(bench/login_hashing.py on the shared 2-core machine, load ~5; docs/decisions/0004). A hash
made with other costs (or by PBKDF2) still verifies and is rehashed with these on the next
successful login (Django's must_update / check_password).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher (already Argon2id, algorithm name "argon2") with our costs."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
