"""Gig browse pages, cached in Redis (as lms caches its catalog: docs/decisions/0014, 0025).

Browsing is the marketplace's busiest read and the same for every caller, so a rendered page
is kept for `GIGS_BROWSE_CACHE_SECONDS` together with the browse *version* it was built under.
Every write of services/gigs.py bumps the version, once at once and once after its transaction
commits: a page built from data read before the commit carries a version the second bump
retires. Reading a page is one round trip (MGET of the version and the page): a page whose
version is not the current one is rebuilt.

Names and ratings on a page may lag by up to the cache time: they change elsewhere (accounts,
reviews) and do not bump the version.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "gigs:browse:version"


def page(*, url: str, build: Callable[[], bytes]) -> bytes:
    """The cached page for this URL, or `build()` stored for next time (nothing is stored when
    it raises: errors are never cached)."""
    seconds = settings.GIGS_BROWSE_CACHE_SECONDS
    if seconds <= 0:
        return build()
    key = _page_key(url)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    stored = found.get(key)
    if version is not None and stored is not None and stored[0] == version:
        body: bytes = stored[1]
        return body
    if version is None:
        version = _start_version()
    body = build()
    cache.set(key, (version, body), seconds)
    return body


def invalidate() -> None:
    _bump()
    transaction.on_commit(_bump)


def _start_version() -> int:
    # From the clock, not 1: an evicted counter must not revive old pages.
    cache.add(VERSION_KEY, time.time_ns(), timeout=None)
    return int(cache.get(VERSION_KEY) or 0)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there (evicted, or never read): any new number retires old pages
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def _page_key(url: str) -> str:
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"gigs:browse:{digest}"
