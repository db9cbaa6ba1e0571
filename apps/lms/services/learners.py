"""lms's copy of its learners' display data (models.Learner), kept without reading accounts'
tables: a row is written from `accounts.public` when someone enrolls and refreshed when
accounts publishes `user.updated`.

Both writes are one statement and safe to repeat. Enrolling only inserts a missing row: a row
that exists is the handler's to refresh, so an enrollment racing a profile edit cannot put the
old name back. The handler re-reads the user's current data (the event is the trigger; the
email is not on the bus) and upserts, so a redelivered or out-of-order event still leaves the
latest data, and an upsert waits for an enrollment's uncommitted insert instead of missing it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.lms.models import Learner

_COPIED = ("display_name", "email")


def _row(summary: accounts.UserSummary) -> Learner:
    return Learner(user_id=summary.id, display_name=summary.display_name, email=summary.email)


@transaction.atomic
def record_learner(*, user_id: int) -> None:
    """Called in the enrollment's transaction: copy the learner unless lms already has them."""
    summary = accounts.get_user(user_id)
    if summary is not None:
        Learner.objects.bulk_create([_row(summary)], ignore_conflicts=True)


@transaction.atomic
def refresh_learner(*, user_id: int) -> None:
    """The user's display data changed: copy the current values (a deleted user's row went
    with them, by cascade)."""
    summary = accounts.get_user(user_id)
    if summary is None:
        return
    if not summary.is_active:
        # An inactive account cannot be enrolling, so no insert can be racing: refresh a copy
        # lms has, never make one. A deleted account's copy, erased on `user.deleted`, must
        # not come back with a late `user.updated` (docs/decisions/0023).
        Learner.objects.filter(user_id=user_id).update(
            display_name=summary.display_name, email=summary.email, refreshed_at=timezone.now()
        )
        return
    Learner.objects.bulk_create(
        [_row(summary)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=[*_COPIED, "refreshed_at"],
    )
