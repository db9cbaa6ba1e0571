"""gigs' read model of course certificates (`HeldCredential`), which the credential gate of
applications reads instead of asking lms on every apply (docs/decisions/0026).

Fed by lms's `certificate.issued` / `certificate.revoked` (apps/gigs/handlers/credentials.py):
one statement per event, keyed by the certificate id, so a redelivery changes nothing and the
order of arrival does not matter. A revocation is final: `revoked` only ever goes from false to
true, so an `issued` that arrives after the `revoked` of the same certificate (a redelivery, a
retry that was parked in the dead-letter table and replayed) never opens the gate again. lms
has no way to un-revoke a certificate; were one added, it would publish a new event type.

`sync_credentials` brings one person's rows in line with lms's public surface. The read model
is fed from the start (gigs ships before any credential-gated gig exists), but the stream keeps
only EVENTS_STREAM_MAX_AGE_DAYS of events, so certificates issued long before gigs' consumer first
ran never reach it: instead of a backfill, the gate asks lms through this function when the read
model has no valid certificate (services/applications.py), and `manage.py gigs_sync_credentials`
does the same by hand (a dead-lettered event not replayed, a doubt during support).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.gigs.models import HeldCredential
from apps.lms import public as lms


@transaction.atomic
def record_issued(*, certificate_id: int, user_id: int, course_id: int) -> None:
    """A certificate was issued: hold it, unless gigs already knows it (issued, or revoked:
    a late `issued` must not undo a revocation). INSERT ... ON CONFLICT DO NOTHING."""
    HeldCredential.objects.bulk_create(
        [HeldCredential(certificate_id=certificate_id, user_id=user_id, course_id=course_id)],
        ignore_conflicts=True,
    )


@transaction.atomic
def record_revoked(*, certificate_id: int, user_id: int, course_id: int) -> None:
    """A certificate was revoked: mark it so, creating the row if its `issued` has not arrived
    yet (that late `issued` then finds the revoked row and leaves it). One upsert."""
    HeldCredential.objects.bulk_create(
        [
            HeldCredential(
                certificate_id=certificate_id, user_id=user_id, course_id=course_id, revoked=True
            )
        ],
        update_conflicts=True,
        unique_fields=["certificate_id"],
        update_fields=["revoked", "updated_at"],
    )


@dataclass(frozen=True, slots=True)
class SyncResult:
    valid: int  # the user's certificates lms lists as valid
    revoked: int  # and as revoked


@transaction.atomic
def sync_credentials(*, user_id: int) -> SyncResult:
    """Bring one user's rows in line with lms's certificates (what the events would have
    written had each been delivered): every certificate lms lists is recorded, and the revoked
    ones are marked revoked. Idempotent; never un-revokes (see the module docstring)."""
    valid = revoked = 0
    for certificate in lms.certificates_of(user_id):
        record = record_revoked if certificate.revoked else record_issued
        record(
            certificate_id=certificate.id,
            user_id=certificate.user_id,
            course_id=certificate.course_id,
        )
        if certificate.revoked:
            revoked += 1
        else:
            valid += 1
    return SyncResult(valid=valid, revoked=revoked)
