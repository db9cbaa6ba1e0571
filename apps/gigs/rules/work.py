"""Rules of contracts, milestones and reviews, pure (no I/O): the transition tables, which steps
each party may take on a milestone now, what an hourly week is worth, and the review window.
The services enforce them under row locks (services/milestones.py, contracts.py, reviews.py);
the API shows the same answers to the caller (`allowed_actions` on each milestone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db import models

from apps.gigs.models import ContractStatus, MilestoneStatus, MoneyStatus
from apps.gigs.rules.escrow import HOLDS_MONEY
from apps.gigs.rules.transitions import machine

# The most milestones a contract may have (hiring makes at most 20 fixed-price parts or
# GIGS_MAX_WEEKS weekly ones; clients may add to a fixed-price contract up to this).
MAX_MILESTONES = 52

MILESTONE_OPEN = (
    MilestoneStatus.PENDING,
    MilestoneStatus.ACTIVE,
    MilestoneStatus.SUBMITTED,
    MilestoneStatus.CHANGES_REQUESTED,
)
MILESTONES = machine(
    {
        # Funding replaced the client's "start": the work becomes active when the provider
        # confirms the client's payment (services/escrow.py; the money side is rules/escrow.py).
        "fund": ((MilestoneStatus.PENDING,), MilestoneStatus.ACTIVE),
        "submit": (
            (MilestoneStatus.ACTIVE, MilestoneStatus.CHANGES_REQUESTED),
            MilestoneStatus.SUBMITTED,
        ),
        "request_changes": ((MilestoneStatus.SUBMITTED,), MilestoneStatus.CHANGES_REQUESTED),
        "approve": ((MilestoneStatus.SUBMITTED,), MilestoneStatus.APPROVED),
        # By agreement: proposed from any open status, taken when the other party accepts.
        "cancel": (MILESTONE_OPEN, MilestoneStatus.CANCELLED),
    }
)
CONTRACTS = machine(
    {
        "add_milestone": ((ContractStatus.ACTIVE,), ContractStatus.ACTIVE),
        # Every milestone ended: completed with at least one approved, cancelled otherwise.
        "complete": ((ContractStatus.ACTIVE,), ContractStatus.COMPLETED),
        "cancel": ((ContractStatus.ACTIVE,), ContractStatus.CANCELLED),
    }
)


class Party(models.TextChoices):
    """A side of a contract."""

    CLIENT = "client", "Client"
    FREELANCER = "freelancer", "Freelancer"


class Action(StrEnum):
    """What a party may do to a milestone, as the API names it (one endpoint each)."""

    FUND = "fund"
    RELEASE = "release"
    SUBMIT = "submit"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    PROPOSE_CANCEL = "cancel"
    ACCEPT_CANCEL = "accept_cancel"
    DECLINE_CANCEL = "decline_cancel"
    WITHDRAW_CANCEL = "withdraw_cancel"


# Who takes each work step (the docstring of services/milestones.py says the same).
_WORK_STEPS: dict[Party, tuple[Action, ...]] = {
    Party.CLIENT: (Action.FUND, Action.REQUEST_CHANGES, Action.APPROVE),
    Party.FREELANCER: (Action.SUBMIT,),
}
# Money that stops the work: a dispute freezes every step until an operator resolves it.
FROZEN_MONEY = (MoneyStatus.DISPUTED, MoneyStatus.RESOLVED)


def allowed_actions(
    *,
    status: str,
    party: Party | None,
    proposed_by: Party | None,
    money_status: str = MoneyStatus.UNFUNDED,
) -> list[Action]:
    """The steps `party` may take on a milestone in `status` (its money in `money_status`) with
    a cancellation proposed by `proposed_by` (None: none proposed). Nothing for someone who is
    not a party (operators), nothing but the operator's resolution while a dispute holds it.
    Funding is offered while a payment is unfunded or still being completed (the same payment
    is answered again); approving and releasing need money in escrow."""
    if party is None or money_status in FROZEN_MONEY:
        return []
    actions = [
        action
        for action in _WORK_STEPS[party]
        if status in MILESTONES[str(action)].sources
        and (action != Action.FUND or money_status in (MoneyStatus.UNFUNDED, MoneyStatus.FUNDING))
        and (action != Action.APPROVE or money_status in HOLDS_MONEY)
    ]
    if party == Party.CLIENT and money_status in HOLDS_MONEY and status in MILESTONE_OPEN:
        actions.append(Action.RELEASE)
    if status in MILESTONES["cancel"].sources:
        if proposed_by is None:
            actions.append(Action.PROPOSE_CANCEL)
        elif proposed_by == party:
            actions.append(Action.WITHDRAW_CANCEL)
        else:
            actions += [Action.ACCEPT_CANCEL, Action.DECLINE_CANCEL]
    return actions


def party_of(*, user_id: int | None, client_id: int, freelancer_id: int) -> Party | None:
    if user_id is not None and user_id == client_id:
        return Party.CLIENT
    if user_id is not None and user_id == freelancer_id:
        return Party.FREELANCER
    return None


def hourly_amount(*, rate: int, hours: Decimal) -> int:
    """What `hours` at `rate` (minor units per hour) are worth, rounded half-up to the minor
    unit: 1.5 h at 3,333 = 4,999.5 -> 5,000."""
    return int((Decimal(rate) * hours).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def auto_approves_at(*, submitted_at: datetime, days: int) -> datetime:
    """When a submitted milestone the client does not answer is approved by the platform."""
    return submitted_at + timedelta(days=days)


def review_window_ends(*, ended_at: datetime, days: int) -> datetime:
    """Reviews are written until then; hidden ones are published then at the latest."""
    return ended_at + timedelta(days=days)
