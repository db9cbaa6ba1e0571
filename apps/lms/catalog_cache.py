"""The public catalog's pages, cached in Redis.

The catalog is the most requested page and the same for everyone, so a rendered page is kept
for `LMS_CATALOG_CACHE_SECONDS` under a key that holds a catalog *version*. Any saved or
deleted course bumps the version, once at once and once after its transaction commits: a page
built from data read before the commit is stored under the version the second bump retires.
A page in the cache is therefore never older than the last committed change to a course.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "lms:catalog:version"


def page(*, url: str, build: Callable[[], Any]) -> Any:
    """The cached page for this URL, or `build()` stored for next time."""
    seconds = settings.LMS_CATALOG_CACHE_SECONDS
    if seconds <= 0:
        return build()
    key = _page_key(_version(), url)
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, seconds)
    return body


def invalidate() -> None:
    _bump()
    transaction.on_commit(_bump)


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, not 1: an evicted counter must not revive old pages.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there (evicted, or never read): any new number retires old pages
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def _page_key(version: int, url: str) -> str:
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"lms:catalog:{version}:{digest}"
