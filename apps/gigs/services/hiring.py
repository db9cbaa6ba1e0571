"""Hiring: the gig's client accepts an application and a contract starts (docs/decisions/0026).

    application submitted|shortlisted --accept (the gig's client, verified, holding the client
        role)--> accepted
    gig open --> in_progress (services/gigs.py `mark_in_progress`: `gig.updated`)
    every other application still submitted|shortlisted --> rejected ("position filled")
    a Contract with its Milestones (pending) is created

One transaction. The gig's row is locked first (then the applications, as every path that
touches a gig's applications does), so two accepts racing on one gig make exactly one contract:
the second waits, then finds its application rejected or the gig in progress (409). The
contract's terms are copied from the gig and the bid (title, skills, pricing, currency, hourly
rate = the bid, weekly hours cap), so a later edit of the gig changes nothing agreed.

Milestones:
- fixed price: the body may list 1..20 milestones {title, amount, due_date?} whose amounts add
  up to the accepted bid exactly (400 `validation_error` on `milestones` otherwise); without
  them, one milestone "Complete the work" for the whole bid, due on the gig's deadline;
- hourly: `weeks` (1..GIGS_MAX_WEEKS; default the weeks left to the gig's deadline, rounded up,
  or 1 without one) weekly milestones "Week N" of rate x weekly hours cap (the most the week can
  cost; the freelancer reports the hours worked), due N x 7 days after the contract starts.

Events, in the transaction: `application.accepted`, `application.rejected` for each one left
open, `gig.updated` (now in progress) and `contract.started` with the milestones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import (
    Contract,
    Gig,
    GigStatus,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    Pricing,
)
from apps.gigs.rules.transitions import check
from apps.gigs.services import gigs
from apps.gigs.services.applications import (
    APPLICATIONS,
    POSITION_FILLED,
    event_data,
    reject_open_applications,
)
from gigsy.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError
from gigsy.events import publish

MAX_MILESTONES = 20
DEFAULT_MILESTONE_TITLE = "Complete the work"


class MilestoneTerms(TypedDict, total=False):
    """One milestone of a fixed-price contract as the client proposes it when accepting."""

    title: str
    amount: int
    due_date: date | None


@dataclass(frozen=True, slots=True)
class _Part:
    title: str
    amount: int
    due_date: date | None


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=ErrorCode.VALIDATION_ERROR, fields={field: [message]})


def _fixed_parts(
    *, gig: Gig, bid: int, milestones: Sequence[MilestoneTerms] | None, today: date
) -> list[_Part]:
    if milestones is None:
        return [_Part(DEFAULT_MILESTONE_TITLE, bid, gig.deadline)]
    if not 1 <= len(milestones) <= MAX_MILESTONES:
        raise _invalid("milestones", f"Give between 1 and {MAX_MILESTONES} milestones.")
    parts = [
        _Part(str(m["title"]).strip(), int(m["amount"]), m.get("due_date")) for m in milestones
    ]
    if any(not part.title for part in parts):
        raise _invalid("milestones", "Every milestone needs a title.")
    if any(part.amount <= 0 for part in parts):
        raise _invalid("milestones", "Every milestone's amount must be positive.")
    if any(part.due_date is not None and part.due_date < today for part in parts):
        raise _invalid("milestones", "A milestone cannot be due in the past.")
    total = sum(part.amount for part in parts)
    if total != bid:
        raise _invalid(
            "milestones",
            f"The milestones add up to {total}; they must add up to the accepted bid, {bid} "
            "(minor units).",
        )
    return parts


def _hourly_parts(*, gig: Gig, rate: int, weeks: int | None, today: date) -> list[_Part]:
    longest: int = settings.GIGS_MAX_WEEKS
    if weeks is None:
        days_left = (gig.deadline - today).days if gig.deadline else 0
        weeks = min(longest, max(1, math.ceil(days_left / 7)))
    elif not 1 <= weeks <= longest:
        raise _invalid("weeks", f"An hourly contract runs 1 to {longest} weeks.")
    cap = int(gig.weekly_hours_cap or 0)
    return [
        _Part(f"Week {n}", rate * cap, today + timedelta(days=7 * n)) for n in range(1, weeks + 1)
    ]


def _plan(
    *,
    gig: Gig,
    bid: int,
    milestones: Sequence[MilestoneTerms] | None,
    weeks: int | None,
    today: date,
) -> list[_Part]:
    if gig.pricing == Pricing.HOURLY:
        if milestones is not None:
            raise _invalid(
                "milestones", "An hourly contract is paid by the week: give `weeks` instead."
            )
        return _hourly_parts(gig=gig, rate=bid, weeks=weeks, today=today)
    if weeks is not None:
        raise _invalid("weeks", "`weeks` is for hourly gigs; give `milestones` instead.")
    return _fixed_parts(gig=gig, bid=bid, milestones=milestones, today=today)


@transaction.atomic
def accept(
    *,
    application_id: int,
    user: accounts.Principal,
    milestones: Sequence[MilestoneTerms] | None = None,
    weeks: int | None = None,
) -> Contract:
    """The gig's client accepts an application: the contract starts (see the module
    docstring). Refusals: 404 an application the caller cannot see; 403 not the gig's client,
    or a client without a verified address or the client role; 409 `invalid_transition` (the
    application is not submitted or shortlisted); 409 `applicant_unavailable` (the applicant's
    account was deactivated or deleted); 409 `gig_not_open`; 400 milestones or weeks
    that do not fit the gig."""
    found = policies.visible_application(application_id=application_id, user=user)
    policies.require_client_of(application=found, user=user)
    policies.require_poster(user)
    # Lock order: the gig, then its applications (apply, reject_open_applications alike).
    gig = selectors.gig_by_id(gig_id=found.gig_id, lock=True)
    application = selectors.application_with_gig(application_id=application_id, lock=True)
    if gig is None or application is None:  # deleted meanwhile (an operator, in the admin)
        raise NotFoundError(policies.NO_SUCH_APPLICATION)
    application.gig = gig
    application.status = check(
        APPLICATIONS, action="accept", status=application.status, what="application"
    )
    person = accounts.get_user(application.applicant_id)
    if person is None or not person.is_active:
        # Deactivated, or deleted and not yet erased by gigs.erase_user (which withdraws it).
        raise ConflictError(
            "The applicant's account is no longer active.", code=GigsError.APPLICANT_UNAVAILABLE
        )
    if gig.status != GigStatus.OPEN:
        raise ConflictError(
            f"The gig is {gig.status.replace('_', ' ')}: it can no longer hire.",
            code=GigsError.GIG_NOT_OPEN,
            details={"current_status": gig.status},
        )
    now = timezone.now()
    parts = _plan(
        gig=gig, bid=application.bid_amount, milestones=milestones, weeks=weeks, today=now.date()
    )

    application.decided_at = now
    application.save(update_fields=["status", "decided_at", "updated_at"])
    publish("application.accepted", event_data(application, gig), producer="gigs")
    gig = gigs.mark_in_progress(gig=gig)  # gig.updated; the browse cache retired
    reject_open_applications(gig=gig, reason=POSITION_FILLED)

    hourly = gig.pricing == Pricing.HOURLY
    contract = Contract.objects.create(
        gig=gig,
        application=application,
        client_id=gig.client_id,
        freelancer_id=application.applicant_id,
        title=gig.title,
        skills=list(gig.skills),
        pricing=gig.pricing,
        currency=gig.currency,
        hourly_rate=application.bid_amount if hourly else None,
        weekly_hours_cap=gig.weekly_hours_cap if hourly else None,
    )
    created = Milestone.objects.bulk_create(
        [
            Milestone(
                contract=contract,
                position=position,
                title=part.title,
                amount=part.amount,
                due_date=part.due_date,
            )
            for position, part in enumerate(parts, start=1)
        ]
    )
    # The history starts with the agreed terms: the evidence a dispute is judged on.
    MilestoneEvent.objects.bulk_create(
        [
            MilestoneEvent(
                milestone=milestone,
                actor_id=gig.client_id,
                to_status=MilestoneStatus.PENDING,
                action="agreed",
                note=f"{milestone.title}: {milestone.amount} {contract.currency}",
            )
            for milestone in created
        ]
    )
    publish(
        "contract.started",
        {
            "contract_id": str(contract.pk),
            "gig_id": str(gig.pk),
            "gig_title": gig.title,
            "client_id": str(contract.client_id),
            "freelancer_id": str(contract.freelancer_id),
            "currency": contract.currency,
            "skills": list(contract.skills),
            "pricing": contract.pricing,
            "total_amount": sum(m.amount for m in created),
            "milestones": [
                {"milestone_id": str(m.pk), "title": m.title, "amount": m.amount} for m in created
            ],
        },
        producer="gigs",
    )
    return contract
