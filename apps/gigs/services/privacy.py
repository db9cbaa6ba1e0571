"""A person deleted their account (`user.deleted`): what gigs holds about them goes, or stays
pointing at the pseudonymized account where others depend on it (docs/decisions/0028).

By the time the event arrives accounts has pseudonymized the account (name, email, inactive, no
roles), so gigs finds the person's rows by user id only. The account row itself stays (it is
pseudonymized, never deleted), so every foreign key to it stays valid.

- Gigs they posted that are still a draft or open are cancelled through the gig area's
  `cancel_gig` (`gig.closed`; open applications rejected with `application.rejected`, as any
  cancellation); other gigs stay: they are the subject of contracts and of others' applications.
- Their applications still waiting (submitted, shortlisted) are withdrawn through the
  application area's `withdraw` (`application.withdrawn`).
- Free text they wrote is emptied: the descriptions of their gigs that never became a contract,
  cover letters, milestone submission notes (as freelancer),
  change requests (as client), cancellation reasons they proposed, the notes of their steps in
  milestone history, the reasons of disputes they opened, review texts and report details.
  Ratings stay: the other party's averages do not move.
- Their blocks (made by them, or of them) and gigs' copy of their certificates are deleted.
- Contracts, milestones, their history, reviews, ratings and reports stay, pointing at the
  pseudonymized account: the escrow ledger will need the contracts and milestones, and the
  other party keeps their record of the work.

Idempotent: a second call finds nothing to change and publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from apps.gigs.models import (
    ApplicantBlock,
    Application,
    ApplicationStatus,
    Dispute,
    Gig,
    GigStatus,
    HeldCredential,
    Milestone,
    MilestoneEvent,
    Report,
    Review,
)
from apps.gigs.services import applications, gigs

# Kept as the gig's `status_reason` (only its client, now gone, and operators see it).
ACCOUNT_DELETED = "Account deleted"


@dataclass(frozen=True, slots=True)
class _LeavingAccount:
    """The deleted account taking its last steps, on its own request to leave: the gig and
    application areas check that the caller is the gig's client or the applicant, and this is
    that person (accounts.public.Principal)."""

    pk: int
    is_authenticated: bool = True


@dataclass(frozen=True, slots=True)
class Erased:
    """What one erasure changed (all zero when run again)."""

    gigs_cancelled: int
    applications_withdrawn: int
    texts_emptied: int
    blocks_deleted: int
    credentials_deleted: int


@transaction.atomic
def erase_user(*, user_id: int) -> Erased:
    """Erase or detach what gigs holds about the person (module docstring)."""
    me = _LeavingAccount(pk=user_id)
    cancelled = 0
    for gig_id in Gig.objects.filter(
        client_id=user_id, status__in=(GigStatus.DRAFT, GigStatus.OPEN)
    ).values_list("pk", flat=True):
        gigs.cancel_gig(gig_id=gig_id, user=me, reason=ACCOUNT_DELETED)
        cancelled += 1
    withdrawn = 0
    for application_id in Application.objects.filter(
        applicant_id=user_id,
        status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED),
    ).values_list("pk", flat=True):
        applications.withdraw(application_id=application_id, user=me)
        withdrawn += 1

    texts = sum(
        model.objects.filter(who).exclude(**{field: ""}).update(**{field: ""})
        for model, who, field in (
            (Application, Q(applicant_id=user_id), "cover_letter"),
            (Milestone, Q(contract__freelancer_id=user_id), "submission_note"),
            (Milestone, Q(contract__client_id=user_id), "changes_note"),
            (Milestone, Q(cancel_proposed_by_id=user_id), "cancel_reason"),
            (MilestoneEvent, Q(actor_id=user_id), "note"),
            (Dispute, Q(opened_by_id=user_id), "reason"),
            (Review, Q(reviewer_id=user_id), "text"),
            (Report, Q(reporter_id=user_id), "details"),
            # The description of a gig that never became a contract is theirs alone (a gig
            # with a contract is the other party's record of the work too, and stays).
            (Gig, Q(client_id=user_id, contract__isnull=True), "description"),
        )
    )
    blocks, _ = ApplicantBlock.objects.filter(Q(client_id=user_id) | Q(blocked_id=user_id)).delete()
    credentials, _ = HeldCredential.objects.filter(user_id=user_id).delete()
    return Erased(
        gigs_cancelled=cancelled,
        applications_withdrawn=withdrawn,
        texts_emptied=texts,
        blocks_deleted=blocks,
        credentials_deleted=credentials,
    )
