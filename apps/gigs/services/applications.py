"""Applications: a learner applies to an open gig with a cover letter and a bid; the gig's
client shortlists, rejects or accepts (accepting is services/hiring.py: it starts a contract).

State machine (APPLICATIONS below; `invalid_transition` names the current status and the
allowed actions otherwise):

    (none) --apply (the applicant)--> submitted
    submitted --shortlist (the gig's client)--> shortlisted
    submitted|shortlisted --withdraw (the applicant)--> withdrawn
    submitted|shortlisted --reject (the gig's client; or the platform when the gig is filled,
                                    cancelled or closed: `reject_open_applications`)--> rejected
    submitted|shortlisted --accept (the gig's client: services/hiring.py)--> accepted

withdrawn, rejected and accepted are final; after a withdrawal or a rejection the person may
apply to the gig again while it is open (one *active* application per gig and applicant: a
unique constraint over submitted, shortlisted and accepted). Operators see every application
but take none of these steps.

Each step publishes `application.<status>` with {application_id, gig_id, gig_title,
applicant_id, client_id}, in the step's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import Application, ApplicationStatus, Gig, GigStatus
from apps.gigs.rules.transitions import check, machine
from apps.gigs.services import credentials
from gigsy.errors import (
    ApplicationError,
    ConflictError,
    ErrorCode,
    ForbiddenError,
    NotFoundError,
)
from gigsy.events import publish, publish_many

APPLICATIONS = machine(
    {
        "shortlist": ((ApplicationStatus.SUBMITTED,), ApplicationStatus.SHORTLISTED),
        "withdraw": (
            (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED),
            ApplicationStatus.WITHDRAWN,
        ),
        "reject": (
            (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED),
            ApplicationStatus.REJECTED,
        ),
        "accept": (
            (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED),
            ApplicationStatus.ACCEPTED,
        ),
    }
)
# The reason the applications left open get when another one is accepted.
POSITION_FILLED = "position filled"
_ONE_ACTIVE = "gigs_app_one_active"


def event_data(application: Application, gig: Gig) -> dict[str, Any]:
    """The payload of every application.* event (apps/gigs/events.py APPLICATION)."""
    return {
        "application_id": str(application.pk),
        "gig_id": str(gig.pk),
        "gig_title": gig.title,
        "applicant_id": str(application.applicant_id),
        "client_id": str(gig.client_id),
    }


def _publish(application: Application, gig: Gig) -> None:
    publish(f"application.{application.status}", event_data(application, gig), producer="gigs")


# --- apply ----------------------------------------------------------------------------------------


@transaction.atomic
def apply(
    *, gig_id: int, user: accounts.Principal, cover_letter: str, bid_amount: int
) -> Application:
    """Apply to a gig (a verified learner). `bid_amount` is in the gig's currency, in minor
    units: the price asked for a fixed gig, the rate per hour for an hourly one.

    Refusals, in this order: 404 a gig the caller cannot see; 403 `role_required` /
    `email_not_verified`; 409 `own_gig`; 409 `gig_not_open`; 403 `applicant_blocked` (the
    client blocked the caller); 403 `credential_required` (details: course_id, course_title);
    400 a bid that is not positive; 409 `already_applied` (an active application exists).

    The gig's row is locked for the check and the insert, so an application cannot slip in
    after an accept or a cancellation rejected the open ones."""
    gig = selectors.gig_by_id(gig_id=gig_id, lock=True)
    if gig is None or not policies.can_see_gig(gig=gig, user=user):
        raise NotFoundError(policies.NO_SUCH_GIG)
    policies.require_applicant(user)
    applicant_id = accounts.user_id_of(user)
    if gig.client_id == applicant_id:
        raise ConflictError("You cannot apply to your own gig.", code=GigsError.OWN_GIG)
    if gig.status != GigStatus.OPEN:
        raise ConflictError(
            f"The gig is {gig.status.replace('_', ' ')}: it takes no applications.",
            code=GigsError.GIG_NOT_OPEN,
            details={"current_status": gig.status},
        )
    if selectors.is_blocked(client_id=gig.client_id, applicant_id=applicant_id):
        raise ForbiddenError(
            "The client of this gig does not accept your applications.",
            code=GigsError.APPLICANT_BLOCKED,
        )
    if gig.required_course_id is not None and not _holds_credential(
        user_id=applicant_id, course_id=gig.required_course_id
    ):
        raise ForbiddenError(
            f"This gig requires the certificate of the course “{gig.required_course_title}”.",
            code=GigsError.CREDENTIAL_REQUIRED,
            details={
                "course_id": gig.required_course_id,
                "course_title": gig.required_course_title,
            },
        )
    if bid_amount <= 0:
        raise ApplicationError(
            "The bid must be positive.",
            code=ErrorCode.VALIDATION_ERROR,
            fields={"bid_amount": ["Must be a positive amount in minor units."]},
        )
    try:
        with transaction.atomic():
            application = Application.objects.create(
                gig=gig, applicant_id=applicant_id, cover_letter=cover_letter, bid_amount=bid_amount
            )
    except IntegrityError as exc:
        if _constraint_of(exc) != _ONE_ACTIVE:
            raise
        raise ConflictError(
            "You already have an active application to this gig.", code=GigsError.ALREADY_APPLIED
        ) from None
    _publish(application, gig)
    return application


def _holds_credential(*, user_id: int, course_id: int) -> bool:
    """The credential gate: gigs' read model first (fed by lms's certificate events); on a miss,
    lms once, through the read model's own repair. A miss is a certificate issued before gigs'
    consumer started (the stream keeps EVENTS_STREAM_MAX_AGE_DAYS of events) or one whose event
    is still on its way; a revocation recorded by gigs is never undone by asking
    (docs/decisions/0026)."""
    if selectors.holds_credential(user_id=user_id, course_id=course_id):
        return True
    credentials.sync_credentials(user_id=user_id)
    return selectors.holds_credential(user_id=user_id, course_id=course_id)


def _constraint_of(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return str(name) if name else None


# --- the applicant's and the client's steps -------------------------------------------------------


def _move(application: Application, *, action: str, reason: str | None = None) -> Application:
    """Take `action` on a locked application (409 `invalid_transition` if its status does not
    allow it), save and publish."""
    application.status = check(
        APPLICATIONS, action=action, status=application.status, what="application"
    )
    application.decided_at = timezone.now()
    fields = ["status", "decided_at", "updated_at"]
    if reason is not None:
        application.status_reason = reason
        fields.append("status_reason")
    application.save(update_fields=fields)
    _publish(application, application.gig)
    return application


@transaction.atomic
def withdraw(*, application_id: int, user: accounts.Principal) -> Application:
    """The applicant withdraws (submitted|shortlisted -> withdrawn)."""
    application = policies.visible_application(application_id=application_id, user=user, lock=True)
    policies.require_applicant_of(application=application, user=user)
    return _move(application, action="withdraw")


@transaction.atomic
def shortlist(*, application_id: int, user: accounts.Principal) -> Application:
    """The gig's client shortlists (submitted -> shortlisted)."""
    application = policies.visible_application(application_id=application_id, user=user, lock=True)
    policies.require_client_of(application=application, user=user)
    return _move(application, action="shortlist")


@transaction.atomic
def reject(*, application_id: int, user: accounts.Principal, reason: str = "") -> Application:
    """The gig's client rejects (submitted|shortlisted -> rejected), with an optional reason
    the applicant sees."""
    application = policies.visible_application(application_id=application_id, user=user, lock=True)
    policies.require_client_of(application=application, user=user)
    return _move(application, action="reject", reason=reason.strip())


@transaction.atomic
def reject_open_applications(*, gig: Gig, reason: str) -> int:
    """The platform rejects every application of `gig` still waiting for a decision
    (submitted|shortlisted -> rejected, `reason` shown to each applicant), publishing
    `application.rejected` for each; returns how many. For the gig's end: another application
    accepted ("position filled"), the client cancelling it, an operator closing it.

    The caller holds the gig's row lock (apply takes it too, so no new application can join
    meanwhile); the applications are locked here, in id order."""
    applications = list(selectors.open_applications(gig_id=gig.pk, lock=True))
    if not applications:
        return 0
    now = timezone.now()
    for application in applications:
        application.status = check(
            APPLICATIONS, action="reject", status=application.status, what="application"
        )
        application.status_reason = reason
        application.decided_at = application.updated_at = now  # bulk_update skips auto_now
    Application.objects.bulk_update(
        applications, ["status", "status_reason", "decided_at", "updated_at"]
    )
    publish_many(
        [("application.rejected", event_data(application, gig)) for application in applications],
        producer="gigs",
    )
    return len(applications)
