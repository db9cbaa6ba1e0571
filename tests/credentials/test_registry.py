"""One revocation list for the platform: every registered source's revoked credentials."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gigsy.credentials import registry
from gigsy.credentials.registry import (
    register_revocation_source,
    revocation_sources,
    revoked_credentials,
    unregister_revocation_source,
)
from gigsy.credentials.revocation_list import RevokedCredential


def at(hour: int) -> datetime:
    return datetime(2025, 4, 1, hour, tzinfo=UTC)


@pytest.fixture
def no_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty registry for the test; the registered sources come back afterwards."""
    monkeypatch.setattr(registry, "_sources", {})


def test_contexts_register_at_startup() -> None:
    # apps.lms registers its certificates from LearningConfig.ready().
    assert "lms.certificates" in revocation_sources()


@pytest.mark.usefixtures("no_sources")
def test_entries_of_every_source_are_merged_oldest_revocation_first() -> None:
    certificates = [
        RevokedCredential("https://x/certificates/verify/A", at(9)),
        RevokedCredential("https://x/certificates/verify/B", at(12)),
    ]
    badges = [
        RevokedCredential("https://x/badges/awards/1", at(8)),
        RevokedCredential("https://x/badges/awards/2", at(12)),
        RevokedCredential("https://x/badges/awards/3", at(15)),
    ]
    register_revocation_source("lms.certificates", lambda: certificates)
    register_revocation_source("gamification.badges", lambda: iter(badges))

    merged = revoked_credentials()

    assert [entry.credential_id for entry in merged] == [
        "https://x/badges/awards/1",
        "https://x/certificates/verify/A",
        # Same instant: the order sources were registered in, then each source's own order.
        "https://x/certificates/verify/B",
        "https://x/badges/awards/2",
        "https://x/badges/awards/3",
    ]


@pytest.mark.usefixtures("no_sources")
def test_a_name_registered_again_replaces_its_source_and_can_be_removed() -> None:
    register_revocation_source("lms.certificates", lambda: [RevokedCredential("old", at(1))])
    register_revocation_source("lms.certificates", lambda: [RevokedCredential("new", at(1))])

    assert [entry.credential_id for entry in revoked_credentials()] == ["new"]

    unregister_revocation_source("lms.certificates")
    unregister_revocation_source("never-registered")
    assert revoked_credentials() == []
    assert revocation_sources() == {}


@pytest.mark.usefixtures("no_sources")
def test_sources_are_asked_on_every_call_not_cached() -> None:
    revoked: list[RevokedCredential] = []
    register_revocation_source("lms.certificates", lambda: list(revoked))
    assert revoked_credentials() == []

    revoked.append(RevokedCredential("https://x/certificates/verify/A", at(9)))

    assert len(revoked_credentials()) == 1
