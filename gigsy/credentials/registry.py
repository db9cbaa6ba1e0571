"""Revocation sources: every context that issues credentials registers a function returning the
ones it has revoked, and the platform publishes them all in one revocation list.

The kernel imports no app, so contexts register themselves (from their AppConfig.ready()):

    register_revocation_source("lms.certificates", certificates.selectors.revoked_credentials)

Credential ids are the issuing context's own URLs, so entries of different sources never clash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from gigsy.credentials.revocation_list import RevokedCredential

RevocationSource = Callable[[], Iterable[RevokedCredential]]

_sources: dict[str, RevocationSource] = {}


def register_revocation_source(name: str, source: RevocationSource) -> None:
    """Add (or, under a name already registered, replace) a source of revoked credentials."""
    _sources[name] = source


def unregister_revocation_source(name: str) -> None:
    _sources.pop(name, None)


def revocation_sources() -> dict[str, RevocationSource]:
    return dict(_sources)


def revoked_credentials() -> list[RevokedCredential]:
    """Every source's revoked credentials, oldest revocation first.

    The sort is stable, so entries revoked at the same instant keep their source's order.
    """
    entries = [entry for source in _sources.values() for entry in source()]
    entries.sort(key=lambda entry: entry.revoked_at)
    return entries
