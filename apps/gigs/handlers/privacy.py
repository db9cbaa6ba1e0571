"""user.deleted -> erase or pseudonymize what gigs holds about the person
(services/privacy.py, docs/decisions/0028)."""

from __future__ import annotations

import structlog

from apps.gigs.services.privacy import erase_user
from gigsy.events.envelope import Event
from gigsy.events.registry import handler

log = structlog.get_logger(__name__)


@handler("user.deleted", name="gigs.erase_user", group="default")
def erase_user_on_deletion(event: Event) -> None:
    """Idempotent: a redelivered event finds nothing left to change."""
    user_id = int(event.data["user_id"])
    erased = erase_user(user_id=user_id)
    log.info(
        "gigs.user_erased",
        user_id=user_id,
        gigs_cancelled=erased.gigs_cancelled,
        applications_withdrawn=erased.applications_withdrawn,
        texts_emptied=erased.texts_emptied,
        blocks_deleted=erased.blocks_deleted,
        credentials_deleted=erased.credentials_deleted,
    )
