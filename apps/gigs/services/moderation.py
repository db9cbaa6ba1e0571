"""Moderation: people report gigs, operators decide, clients block applicants.

Report state machine (REPORT below):
    (none) --report--> open           anyone signed in who can see the gig, except its client,
                                      while it is on the marketplace (open, in progress,
                                      completed)
    open   --dismiss--> dismissed     an operator (the gig stays as it is)
    open   --action-->  actioned      an operator closing the gig: every open report of the gig
                                      at once, with the operator's reason
One open report per person and gig (409 `already_reported`); once a report is handled the
same person may report the gig again (something new may have happened).

Closing a gig is the gig area's `close_gig` (services/gigs.py: the gig becomes `closed`, its
`status_reason` is the reason the client sees, `gig.closed` is published); `close_reported_gig`
calls it and actions the gig's open reports in the same transaction.

Blocks (who: a client, against a person who applied to one of their gigs):
    (none) --block--> blocked --unblock--> (none)
A block refuses that person's new applications to any of the client's gigs (403
`applicant_blocked`, services/applications.py); applications already made stay for the client
to decide. Blocking is limited to people who applied to the client, so the endpoint neither
confirms that an arbitrary account exists nor lets anyone pre-emptively mark strangers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.public import Principal, user_id_of
from apps.gigs import policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import ApplicantBlock, Gig, GigStatus, Report, ReportReason, ReportStatus
from apps.gigs.rules.transitions import check, machine
from apps.gigs.services import gigs as gig_services
from gigsy.errors import ConflictError, ForbiddenError, NotFoundError

REPORT = machine(
    {
        "dismiss": ((ReportStatus.OPEN,), ReportStatus.DISMISSED),
        "action": ((ReportStatus.OPEN,), ReportStatus.ACTIONED),
    }
)
NO_SUCH_APPLICANT = "No such applicant."


# --- reports --------------------------------------------------------------------------------------


@transaction.atomic
def report_gig(*, gig_id: int, user: Principal, reason: ReportReason | str, details: str) -> Report:
    """File a report on a gig the caller can see (404 otherwise) while it is on the
    marketplace (open, in progress or completed). Its client may not report it, nor anyone a
    gig off the marketplace (403); a second open report by the same person is 409
    `already_reported`."""
    gig = policies.visible_gig(gig_id=gig_id, user=user)
    reporter_id = user_id_of(user)
    if gig.client_id == reporter_id:
        raise ForbiddenError("You cannot report your own gig.")
    if gig.status not in policies.PUBLIC_GIG_STATUSES:
        # A draft, cancelled or closed gig is off the marketplace: only its client and
        # operators see it, and there is nothing left to flag.
        raise ForbiddenError("Only gigs on the marketplace can be reported.")
    try:
        # A savepoint: the unique constraint decides between two concurrent reports.
        with transaction.atomic():
            return Report.objects.create(
                gig=gig, reporter_id=reporter_id, reason=reason, details=details
            )
    except IntegrityError:
        raise ConflictError(
            "You already reported this gig; an operator is looking at it.",
            code=GigsError.ALREADY_REPORTED,
        ) from None


def _handle(report: Report, *, action: str, operator_id: int, note: str) -> None:
    report.status = check(REPORT, action=action, status=report.status, what="report")
    report.handled_by_id = operator_id
    report.handled_at = timezone.now()
    report.resolution_note = note
    report.save(update_fields=["status", "handled_by", "handled_at", "resolution_note"])


@transaction.atomic
def dismiss_report(*, report_id: int, operator: Principal, note: str) -> Report:
    """An operator dismisses an open report (the gig stays); `note` says why, for operators."""
    policies.require_operator(operator)
    report = selectors.report_by_id(report_id=report_id, lock=True)
    if report is None:
        raise NotFoundError(policies.NO_SUCH_REPORT)
    _handle(report, action="dismiss", operator_id=user_id_of(operator), note=note)
    return report


def action_open_reports(*, gig_id: int, operator_id: int, note: str) -> int:
    """Mark every open report of the gig actioned (the gig was closed for them); how many.
    Call inside the transaction that closed the gig."""
    return Report.objects.filter(gig_id=gig_id, status=ReportStatus.OPEN).update(
        status=ReportStatus.ACTIONED,
        handled_by_id=operator_id,
        handled_at=timezone.now(),
        resolution_note=note,
    )


@dataclass(frozen=True, slots=True)
class ClosedForReports:
    gig: Gig
    reports_actioned: int
    # False when the gig was already closed (by another operator, or from the gig admin): its
    # open reports are actioned all the same.
    closed_now: bool


@transaction.atomic
def close_reported_gig(*, gig_id: int, operator: Principal, reason: str) -> ClosedForReports:
    """An operator closes a gig (the gig area's `close_gig`: the client sees `reason`) and
    every open report of it becomes actioned with that reason."""
    policies.require_operator(operator)
    operator_id = user_id_of(operator)
    gig = selectors.gig_by_id(gig_id=gig_id)
    if gig is None:
        raise NotFoundError(policies.NO_SUCH_GIG)
    closed_now = gig.status != GigStatus.CLOSED
    if closed_now:
        gig = gig_services.close_gig(gig_id=gig_id, operator=operator, reason=reason)
    actioned = action_open_reports(gig_id=gig_id, operator_id=operator_id, note=reason)
    return ClosedForReports(gig=gig, reports_actioned=actioned, closed_now=closed_now)


# --- blocks ---------------------------------------------------------------------------------------


@transaction.atomic
def block_applicant(*, client: Principal, user_id: int) -> tuple[ApplicantBlock, bool]:
    """The client blocks a person who applied to one of their gigs (404 for anyone else).
    Returns (block, created): blocking again is a no-op."""
    client_id = user_id_of(client)
    if not selectors.has_applied_to_client(client_id=client_id, applicant_id=user_id):
        raise NotFoundError(NO_SUCH_APPLICANT)
    existing = selectors.block_of(client_id=client_id, blocked_id=user_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return ApplicantBlock.objects.create(client_id=client_id, blocked_id=user_id), True
    except IntegrityError:  # a concurrent request blocked first
        return ApplicantBlock.objects.get(client_id=client_id, blocked_id=user_id), False


@transaction.atomic
def unblock_applicant(*, client: Principal, user_id: int) -> None:
    """The client lifts a block (404 when there is none): the person may apply again."""
    deleted, _ = ApplicantBlock.objects.filter(
        client_id=user_id_of(client), blocked_id=user_id
    ).delete()
    if not deleted:
        raise NotFoundError("You have not blocked this person.")
