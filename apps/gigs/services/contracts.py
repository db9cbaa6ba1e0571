"""Contracts: how one ends, and the milestones its client adds (docs/decisions/0027).

    active --every milestone finished (rules/escrow.is_finished: released in full, refunded,
        resolved, or cancelled unfunded), at least one paid (approved, released or resolved)
        (the platform, inside the step that finished the last one)--> completed
                                                         ended_at, `contract.completed`; the
                                                         gig completes (services/gigs.py)
    active --every milestone finished, none paid (all cancelled)--> cancelled
                                                         ended_at, `contract.cancelled`; the
                                                         gig is cancelled
    active --add_milestone (the client, verified; fixed price only)--> active
                                                         a new pending milestone

Contracts start in services/hiring.py. Reviews open when a contract completes
(services/reviews.py). Operators see contracts and change nothing here.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import catalog_cache, policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import (
    Contract,
    ContractStatus,
    GigStatus,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    MoneyStatus,
    Pricing,
)
from apps.gigs.rules.escrow import is_finished
from apps.gigs.rules.transitions import check
from apps.gigs.rules.work import CONTRACTS, MAX_MILESTONES, hourly_amount
from apps.gigs.services.gigs import mark_completed
from gigsy.errors import ApplicationError, ConflictError, ErrorCode
from gigsy.events import publish

# The gig's `status_reason` when its contract ends with every milestone cancelled.
CONTRACT_CANCELLED_REASON = "Every milestone of the contract was cancelled by agreement."


def contract_data(contract: Contract) -> dict[str, object]:
    """The CONTRACT part of the contract and milestone events (apps/gigs/events.py)."""
    return {
        "contract_id": str(contract.pk),
        "gig_id": str(contract.gig_id),
        "gig_title": contract.title,
        "client_id": str(contract.client_id),
        "freelancer_id": str(contract.freelancer_id),
        "currency": contract.currency,
        "skills": list(contract.skills),
    }


def record_step(
    milestone: Milestone, *, actor_id: int | None, source: str, action: str, note: str = ""
) -> None:
    """One row of a milestone's history (its evidence in a dispute): `source` is the work
    status before the step, the milestone's current status the one after (equal for a step on
    the money alone)."""
    MilestoneEvent.objects.create(
        milestone=milestone,
        actor_id=actor_id,
        from_status=source,
        to_status=milestone.status,
        action=action,
        note=note,
    )


def publish_milestone_event(
    event_type: str, contract: Contract, milestone: Milestone, actor_id: int | None, **data: object
) -> None:
    """A milestone.* event: the contract's part, the milestone's, then `data`."""
    publish(
        event_type,
        {
            **contract_data(contract),
            "milestone_id": str(milestone.pk),
            "milestone_title": milestone.title,
            "amount": milestone.amount,
            **data,
        },
        producer="gigs",
        actor_id=str(actor_id) if actor_id is not None else None,
    )


def approved_amount(*, contract: Contract, milestone: Milestone) -> int:
    """What an approved (or submitted) milestone is worth: its amount at a fixed price; the
    hours reported x the rate for an hourly week."""
    if contract.pricing == Pricing.HOURLY and milestone.hours_worked is not None:
        return hourly_amount(rate=int(contract.hourly_rate or 0), hours=milestone.hours_worked)
    return milestone.amount


def _paid(milestone: Milestone) -> bool:
    """Work the freelancer was paid for: approved, or its money released or split by an
    operator."""
    return milestone.status == MilestoneStatus.APPROVED or milestone.money_status in (
        MoneyStatus.RELEASED,
        MoneyStatus.RESOLVED,
    )


def end_if_done(*, contract: Contract, actor_id: int | None) -> bool:
    """End the contract once every milestone is finished (rules/escrow.is_finished: its money
    released in full, refunded or resolved, or cancelled unfunded): completed when at least one
    was paid, cancelled otherwise. Called by the step that finished a milestone (an approval,
    a cancellation, a release, an operator's resolution), in its transaction and under the
    contract's row lock, so two last milestones ending at once end the contract once. Returns
    whether it ended now."""
    milestones = selectors.milestones_of(contract_id=contract.pk)
    if contract.status != ContractStatus.ACTIVE or not all(
        is_finished(status=m.status, money_status=m.money_status) for m in milestones
    ):
        return False
    approved = [m for m in milestones if _paid(m)]
    action = "complete" if approved else "cancel"
    contract.status = check(CONTRACTS, action=action, status=contract.status, what="contract")
    contract.ended_at = timezone.now()
    contract.save(update_fields=["status", "ended_at"])
    data = {**contract_data(contract), "total_amount": sum(m.amount for m in milestones)}
    actor = str(actor_id) if actor_id is not None else None
    gig = selectors.gig_by_id(gig_id=contract.gig_id)
    if approved:
        data["approved_amount"] = sum(
            approved_amount(contract=contract, milestone=m) for m in approved
        )
        publish("contract.completed", data, producer="gigs", actor_id=actor)
        # An operator may have closed the gig meanwhile (moderation): it stays closed.
        if gig is not None and gig.status == GigStatus.IN_PROGRESS:
            mark_completed(gig=gig)
    else:
        publish("contract.cancelled", data, producer="gigs", actor_id=actor)
        if gig is not None and gig.status == GigStatus.IN_PROGRESS:
            _cancel_gig(gig_id=gig.pk)
    return True


def _cancel_gig(*, gig_id: int) -> None:
    """in_progress -> cancelled when the gig's contract ended with nothing approved: a gig has
    one contract (a one-to-one), so it cannot hire again. services/gigs.py's table has no such
    step (a client cancels only a draft or an open gig), so it is taken here, under the gig's
    row lock, with the `gig.closed` its other endings publish."""
    gig = selectors.gig_by_id(gig_id=gig_id, lock=True)
    if gig is None or gig.status != GigStatus.IN_PROGRESS:
        return
    gig.status = GigStatus.CANCELLED
    gig.status_reason = CONTRACT_CANCELLED_REASON
    gig.save(update_fields=["status", "status_reason", "updated_at"])
    publish(
        "gig.closed",
        {
            "gig_id": str(gig.pk),
            "client_id": str(gig.client_id),
            "title": gig.title,
            "status": gig.status,
            "reason": CONTRACT_CANCELLED_REASON,
        },
        producer="gigs",
    )
    catalog_cache.invalidate()


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=ErrorCode.VALIDATION_ERROR, fields={field: [message]})


@transaction.atomic
def add_milestone(
    *,
    contract_id: int,
    user: accounts.Principal,
    title: str,
    amount: int,
    due_date: date | None = None,
) -> Milestone:
    """The client adds a milestone (pending, last in order) to an active fixed-price contract:
    more work, agreed outside the platform's steps; the freelancer may propose to cancel it
    like any other. Refusals: 404 a contract the caller cannot see; 403 not its client (the
    freelancer, an operator) or an unverified client; 409 `invalid_transition` (the contract
    ended), `fixed_price_only`, `too_many_milestones`; 400 an empty title, an amount that is
    not positive, a due date in the past."""
    contract = policies.visible_contract(contract_id=contract_id, user=user, lock=True)
    policies.require_contract_client(contract=contract, user=user)
    policies.require_verified(user)
    check(CONTRACTS, action="add_milestone", status=contract.status, what="contract")
    if contract.pricing != Pricing.FIXED:
        raise ConflictError(
            "An hourly contract's weeks were set when it started.",
            code=GigsError.FIXED_PRICE_ONLY,
        )
    title = title.strip()
    if not title:
        raise _invalid("title", "Give the milestone a title.")
    if amount <= 0:
        raise _invalid("amount", "The amount must be positive (minor units).")
    if due_date is not None and due_date < timezone.localdate():
        raise _invalid("due_date", "A milestone cannot be due in the past.")
    existing = selectors.milestones_of(contract_id=contract.pk)
    if len(existing) >= MAX_MILESTONES:
        raise ConflictError(
            f"A contract has at most {MAX_MILESTONES} milestones.",
            code=GigsError.TOO_MANY_MILESTONES,
            details={"max": MAX_MILESTONES},
        )
    milestone = Milestone.objects.create(
        contract=contract,
        position=max((m.position for m in existing), default=0) + 1,
        title=title,
        amount=amount,
        due_date=due_date,
    )
    MilestoneEvent.objects.create(
        milestone=milestone,
        actor_id=contract.client_id,
        to_status=MilestoneStatus.PENDING,
        action="added",
        note=f"{milestone.title}: {milestone.amount} {contract.currency}",
    )
    milestone.contract = contract
    return milestone
