"""certificate.issued / certificate.revoked -> the held-credential read model
(apps/gigs/services/credentials.py: idempotent, and a revocation is never undone by a late
`issued`)."""

from __future__ import annotations

from apps.gigs.services import credentials
from gigsy.events.envelope import Event
from gigsy.events.registry import handler


def _ids(event: Event) -> dict[str, int]:
    data = event.data
    return {
        "certificate_id": int(data["certificate_id"]),
        "user_id": int(data["user_id"]),
        "course_id": int(data["course_id"]),
    }


@handler("certificate.issued", name="gigs.hold_credential")
def hold_credential(event: Event) -> None:
    credentials.record_issued(**_ids(event))


@handler("certificate.revoked", name="gigs.revoke_credential")
def revoke_credential(event: Event) -> None:
    credentials.record_revoked(**_ids(event))
