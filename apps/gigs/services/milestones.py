"""Milestones as work: the steps of one part of a contract, who may take each, and the
platform's auto-approval (docs/decisions/0027). The table is rules/work.py MILESTONES.

    pending --fund (the client, verified: services/escrow.py; the work becomes active when the
        provider confirms the payment)--> active                            `milestone.funded`
    active|changes_requested --submit (the freelancer, verified; an optional note; hourly: the
        hours worked, required, at most the weekly cap)--> submitted        `milestone.submitted`
    submitted --request_changes (the client, with a note)--> changes_requested
    submitted --approve (the client; or the platform GIGS_AUTO_APPROVE_DAYS after the
        submission, `auto_approve_due`)--> approved                         `milestone.approved`
        and, in the same transaction, the release of the escrow           `milestone.released`
        (hourly: the approved hours x rate; the rest of the week refunded `milestone.refunded`)
    pending|active|submitted|changes_requested --cancel, by agreement--> cancelled
        `propose_cancel` (either party, with a reason); `accept_cancel` (the other party)
        cancels it, refunding what escrow holds                            `milestone.cancelled`,
                                                                            `milestone.refunded`
        `decline_cancel` (the other party) or `withdraw_cancel` (the proposer) clears the
        proposal; the work steps go on meanwhile, an approval clears it

Funding replaced the client's "start" (services/escrow.py: `fund_milestone`, and the payment
listener that activates the work); `approve_milestone` is the one function of its step and
releases inside it, so the API and the auto-approval pay alike. A dispute freezes the work:
every step on a disputed milestone is a 409 `invalid_transition` naming the money status.

Refusals, in this order: 404 a contract the caller cannot see, or a milestone not in it; 403 a
step that is the other party's (operators see every contract and take no step); 403
`email_not_verified` (submit); 409 `invalid_transition` (details: current_status and the
allowed actions; the money status for an approval without money held or a disputed milestone),
`cancellation_pending`, `no_cancellation_proposed`, `own_proposal`; 400 the
hours of a submission.

Every step locks the contract's row, then the milestone's (one order everywhere; the sweep takes
both with SKIP LOCKED and never waits), writes a MilestoneEvent (actor, from, to, action, note:
the evidence a dispute is judged on) and, after an approval or a cancellation, lets
services/contracts.py end the contract when every milestone has ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import Contract, Milestone, MilestoneStatus, Pricing
from apps.gigs.rules.escrow import HOLDS_MONEY
from apps.gigs.rules.transitions import check
from apps.gigs.rules.work import MILESTONES, Party, party_of
from apps.gigs.services import escrow
from apps.gigs.services.contracts import (
    approved_amount,
    end_if_done,
    publish_milestone_event,
    record_step,
)
from gigsy.errors import ApplicationError, ConflictError, ErrorCode, ForbiddenError, NotFoundError

WHAT = "milestone"


# --- helpers --------------------------------------------------------------------------------------


def _locked(
    *, contract_id: int, milestone_id: int, user: accounts.Principal
) -> tuple[Contract, Milestone]:
    return policies.visible_milestone(
        contract_id=contract_id, milestone_id=milestone_id, user=user, lock=True
    )


def _actor(user: accounts.Principal | None) -> int | None:
    return accounts.user_id_of(user) if user is not None else None


_record = record_step


def _move(
    milestone: Milestone,
    *,
    action: str,
    actor_id: int | None,
    note: str = "",
    fields: tuple[str, ...] = (),
) -> None:
    """Take `action` (checked against the table), save the status with `fields` set by the
    caller, and write the history."""
    source = milestone.status
    milestone.status = check(MILESTONES, action=action, status=source, what=WHAT)
    milestone.save(update_fields=["status", *fields, "updated_at"])
    _record(milestone, actor_id=actor_id, source=source, action=action, note=note)


_publish = publish_milestone_event


def _invalid(field: str, message: str, **details: object) -> ApplicationError:
    return ApplicationError(
        message,
        code=ErrorCode.VALIDATION_ERROR,
        fields={field: [message]},
        details=details or None,
    )


def _clear_proposal(milestone: Milestone) -> tuple[str, ...]:
    milestone.cancel_proposed_by_id = None
    milestone.cancel_reason = ""
    return ("cancel_proposed_by", "cancel_reason")


# --- the work -------------------------------------------------------------------------------------


@transaction.atomic
def submit_milestone(
    *,
    contract_id: int,
    milestone_id: int,
    user: accounts.Principal,
    note: str = "",
    hours_worked: Decimal | None = None,
) -> Milestone:
    """active|changes_requested -> submitted: the freelancer (verified) hands in the work with
    an optional note. On an hourly contract `hours_worked` is required and at most the weekly
    cap (400 `hours_over_cap`, details.cap); a fixed-price contract takes no hours. Starts the
    auto-approval clock (`submitted_at`)."""
    contract, milestone = _locked(contract_id=contract_id, milestone_id=milestone_id, user=user)
    policies.require_contract_freelancer(contract=contract, user=user)
    policies.require_verified(user)
    escrow.require_work_allowed(milestone, action="submit")
    check(MILESTONES, action="submit", status=milestone.status, what=WHAT)
    if contract.pricing == Pricing.HOURLY:
        if hours_worked is None:
            raise _invalid("hours_worked", "Report the hours worked this week.")
        if hours_worked <= 0:
            raise _invalid("hours_worked", "Report a positive number of hours.")
        cap = int(contract.weekly_hours_cap or 0)
        if hours_worked > cap:
            raise ApplicationError(
                f"At most {cap} hours a week on this contract.",
                code=GigsError.HOURS_OVER_CAP,
                fields={"hours_worked": [f"At most {cap} hours a week on this contract."]},
                details={"cap": cap},
            )
    elif hours_worked is not None:
        raise _invalid("hours_worked", "Only an hourly contract reports hours.")
    milestone.submission_note = note.strip()
    milestone.hours_worked = hours_worked
    milestone.submitted_at = timezone.now()
    actor_id = _actor(user)
    _move(
        milestone,
        action="submit",
        actor_id=actor_id,
        note=milestone.submission_note,
        fields=("submission_note", "hours_worked", "submitted_at"),
    )
    _publish(
        "milestone.submitted",
        contract,
        milestone,
        actor_id,
        hours_worked=str(hours_worked) if hours_worked is not None else None,
    )
    return milestone


@transaction.atomic
def request_changes(
    *, contract_id: int, milestone_id: int, user: accounts.Principal, note: str
) -> Milestone:
    """submitted -> changes_requested: the client sends the work back, saying what to change
    (a note is required). The auto-approval clock stops until the next submission."""
    contract, milestone = _locked(contract_id=contract_id, milestone_id=milestone_id, user=user)
    policies.require_contract_client(contract=contract, user=user)
    escrow.require_work_allowed(milestone, action="request_changes")
    check(MILESTONES, action="request_changes", status=milestone.status, what=WHAT)
    note = note.strip()
    if not note:
        raise _invalid("note", "Say what to change.")
    milestone.changes_note = note
    _move(
        milestone,
        action="request_changes",
        actor_id=_actor(user),
        note=note,
        fields=("changes_note",),
    )
    return milestone


@transaction.atomic
def approve_milestone(
    *,
    contract_id: int,
    milestone_id: int,
    user: accounts.Principal | None,
    automatic: bool = False,
) -> Milestone:
    """submitted -> approved: the client approves the work (`user`), or the platform does
    (`automatic=True`, no user: the auto-approval sweep, which already holds both row locks).
    Releases the escrow in the same transaction (services/escrow.release_on_approval), so an
    automatic approval pays like a manual one; clears a cancellation proposal, publishes
    `milestone.approved` and ends the contract when this was its last open milestone. Approving
    needs money held (409 `invalid_transition` naming the money status otherwise: unfunded work
    is never active, a disputed milestone is frozen)."""
    if automatic != (user is None):
        raise ValueError("an approval is either the client's (user) or automatic (no user)")
    if user is None:
        contract = selectors.contract_by_id(contract_id=contract_id, lock=True)
        found = (
            selectors.milestone_in(contract_id=contract_id, milestone_id=milestone_id, lock=True)
            if contract is not None
            else None
        )
        if contract is None or found is None:
            raise NotFoundError(policies.NO_SUCH_MILESTONE)
        milestone = found
        note = (
            f"Approved by the platform: no answer {settings.GIGS_AUTO_APPROVE_DAYS} days after "
            "the submission."
        )
    else:
        contract, milestone = _locked(contract_id=contract_id, milestone_id=milestone_id, user=user)
        policies.require_contract_client(contract=contract, user=user)
        note = ""
    escrow.require_work_allowed(milestone, action="approve")
    check(MILESTONES, action="approve", status=milestone.status, what=WHAT)
    actor_id = _actor(user)
    milestone.approved_at = timezone.now()
    _move(
        milestone,
        action="approve",
        actor_id=actor_id,
        note=note,
        fields=("approved_at", *_clear_proposal(milestone)),
    )
    _publish(
        "milestone.approved",
        contract,
        milestone,
        actor_id,
        automatic=automatic,
        approved_at=milestone.approved_at.isoformat(),
        approved_amount=approved_amount(contract=contract, milestone=milestone),
        hours_worked=str(milestone.hours_worked) if milestone.hours_worked is not None else None,
    )
    escrow.release_on_approval(contract, milestone, actor_id=actor_id)
    end_if_done(contract=contract, actor_id=actor_id)
    return milestone


# --- cancellation by agreement --------------------------------------------------------------------


def _party(contract: Contract, user: accounts.Principal) -> Party:
    """The caller's side of the contract; 403 for operators (they see, they do not act)."""
    party = party_of(
        user_id=_actor(user), client_id=contract.client_id, freelancer_id=contract.freelancer_id
    )
    if party is None:
        raise ForbiddenError("Only the contract's parties may do this.")
    return party


def _proposer(contract: Contract, milestone: Milestone) -> Party | None:
    return party_of(
        user_id=milestone.cancel_proposed_by_id,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
    )


def _proposal_of_the_other_party(contract: Contract, milestone: Milestone, party: Party) -> None:
    proposer = _proposer(contract, milestone)
    if proposer is None:
        raise ConflictError(
            "No cancellation of this milestone is proposed.",
            code=GigsError.NO_CANCELLATION_PROPOSED,
        )
    if proposer == party:
        raise ConflictError(
            "You proposed this cancellation: the other party answers it (you may withdraw it).",
            code=GigsError.OWN_PROPOSAL,
        )


@transaction.atomic
def propose_cancel(
    *, contract_id: int, milestone_id: int, user: accounts.Principal, reason: str
) -> Milestone:
    """Either party proposes to cancel an open milestone, with a reason the other party reads;
    nothing changes until they accept. 409 `cancellation_pending` when one is already proposed
    (details.proposed_by: which party)."""
    contract, milestone = _locked(contract_id=contract_id, milestone_id=milestone_id, user=user)
    _party(contract, user)  # 403 for operators
    escrow.require_work_allowed(milestone, action="cancel")
    check(MILESTONES, action="cancel", status=milestone.status, what=WHAT)
    proposer = _proposer(contract, milestone)
    if proposer is not None:
        raise ConflictError(
            f"The {proposer} already proposed to cancel this milestone.",
            code=GigsError.CANCELLATION_PENDING,
            details={"proposed_by": str(proposer)},
        )
    reason = reason.strip()
    if not reason:
        raise _invalid("reason", "Say why: the other party reads it.")
    actor_id = _actor(user)
    milestone.cancel_proposed_by_id = actor_id
    milestone.cancel_reason = reason
    milestone.save(update_fields=["cancel_proposed_by", "cancel_reason", "updated_at"])
    _record(
        milestone, actor_id=actor_id, source=milestone.status, action="propose_cancel", note=reason
    )
    return milestone


@transaction.atomic
def accept_cancel(*, contract_id: int, milestone_id: int, user: accounts.Principal) -> Milestone:
    """The party who did not propose the cancellation accepts it: what the milestone's escrow
    still holds goes back to the client (services/escrow.refund_on_cancel: `milestone.refunded`,
    the provider's refund after commit), the milestone is cancelled (`milestone.cancelled`; the
    proposer and reason stay on it), and the contract ends when this was its last open
    milestone."""
    contract, milestone = _locked(contract_id=contract_id, milestone_id=milestone_id, user=user)
    party = _party(contract, user)
    escrow.require_work_allowed(milestone, action="accept_cancel")
    check(MILESTONES, action="cancel", status=milestone.status, what=WHAT)
    _proposal_of_the_other_party(contract, milestone, party)
    actor_id = _actor(user)
    escrow.refund_on_cancel(contract, milestone, actor_id=actor_id)
    _move(milestone, action="cancel", actor_id=actor_id, note=milestone.cancel_reason)
    _publish("milestone.cancelled", contract, milestone, actor_id)
    end_if_done(contract=contract, actor_id=actor_id)
    return milestone


@transaction.atomic
def decline_cancel(*, contract_id: int, milestone_id: int, user: accounts.Principal) -> Milestone:
    """The party who did not propose the cancellation declines it: the proposal is cleared
    and the work goes on."""
    contract, milestone = _locked(contract_id=contract_id, milestone_id=milestone_id, user=user)
    party = _party(contract, user)
    _proposal_of_the_other_party(contract, milestone, party)
    fields = _clear_proposal(milestone)
    milestone.save(update_fields=[*fields, "updated_at"])
    _record(milestone, actor_id=_actor(user), source=milestone.status, action="decline_cancel")
    return milestone


@transaction.atomic
def withdraw_cancel(*, contract_id: int, milestone_id: int, user: accounts.Principal) -> Milestone:
    """The party who proposed the cancellation withdraws it (403 for the other party, who
    declines instead)."""
    contract, milestone = _locked(contract_id=contract_id, milestone_id=milestone_id, user=user)
    party = _party(contract, user)
    proposer = _proposer(contract, milestone)
    if proposer is None:
        raise ConflictError(
            "No cancellation of this milestone is proposed.",
            code=GigsError.NO_CANCELLATION_PROPOSED,
        )
    if proposer != party:
        raise ForbiddenError("Only the party who proposed the cancellation may withdraw it.")
    fields = _clear_proposal(milestone)
    milestone.save(update_fields=[*fields, "updated_at"])
    _record(milestone, actor_id=_actor(user), source=milestone.status, action="withdraw_cancel")
    return milestone


# --- the platform: auto-approval ------------------------------------------------------------------


def auto_approve_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Approve submitted milestones the client left unanswered for GIGS_AUTO_APPROVE_DAYS;
    return how many. Run by the beat task "gigs.auto_approve_milestones".

    Each milestone is approved in its own transaction through `approve_milestone`
    (automatic, no actor). Its milestone and contract rows are taken with SKIP LOCKED and the
    state re-checked under the lock: a row a client's approval or change request holds is
    skipped, not waited for, and the next sweep sees what that request did, so a race ends with
    one approval or none. A milestone with a cancellation proposed is left to the parties (the
    proposer said they do not accept the work as it is). Running it again approves nothing new.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.GIGS_AUTO_APPROVE_DAYS)
    due = selectors.due_auto_approvals(submitted_before=cutoff, limit=limit)
    return sum(_auto_approve(milestone_id=milestone_id, cutoff=cutoff) for milestone_id in due)


@transaction.atomic
def _auto_approve(*, milestone_id: int, cutoff: datetime) -> bool:
    milestone = (
        Milestone.objects.select_for_update(skip_locked=True, of=("self", "contract"))
        .select_related("contract")
        .filter(pk=milestone_id)
        .first()
    )
    if (
        milestone is None  # held by a request: the next sweep looks again
        or milestone.status != MilestoneStatus.SUBMITTED
        or milestone.submitted_at is None
        or milestone.submitted_at >= cutoff  # submitted again meanwhile
        or milestone.cancel_proposed_by_id is not None
        or milestone.money_status not in HOLDS_MONEY  # disputed: an operator decides
    ):
        return False
    approve_milestone(
        contract_id=milestone.contract_id, milestone_id=milestone.pk, user=None, automatic=True
    )
    return True
