"""Escrow in the milestone's life: funding, releasing and refunding its money (docs/decisions/0029,
"Integration"). The money side is rules/escrow.py MONEY; the work side rules/work.py MILESTONES.

    fund_milestone (the client, verified)   money unfunded -> funding: a payment is asked of
        the provider (reference fund:<milestone>:<attempt>); the answer carries what the payer's
        side needs (Stripe's client_secret, the sandbox's confirm_url). Asked again while the
        payment is being completed, the same payment is answered (200, not 201).
    on_payment (the provider's signed webhook, through payments/intake.py):
        payment.succeeded for the milestone's current payment, funding:
            ledger fund; money funding -> funded; work pending -> active     `milestone.funded`
        payment.failed for the current payment, funding: money funding -> unfunded (the client
            may fund again: a new attempt, a new reference)
        payment.succeeded for any other payment of a milestone (a stale attempt, a milestone
            cancelled or whose funding failed meanwhile): fund and refund it in the ledger, and
            refund it through the provider after commit: never kept, never lost
                                                                             `milestone.refunded`
    release_on_approval (inside services/milestones.approve_milestone, the client's or the
        sweep's): everything held (fixed price) or the approved hours x rate (hourly, the rest
        of the week's funding refunded) -> money released               `milestone.released`
    release_part (the client): part of what is held; all of it -> released  `milestone.released`
    refund_on_cancel (inside services/milestones.accept_cancel): the unreleased rest back to the
        client -> money refunded (a payment still being completed is abandoned: unfunded)
                                                                             `milestone.refunded`

Every function runs under the contract's row lock, then the milestone's (policies
.visible_milestone's order), and judges what it finds: a replayed or duplicated webhook, a
success after a failure or a cancellation, a second release, each changes nothing twice. Ledger
references make every movement idempotent (fund: the payment's reference; release:<m>:<n>;
refund:<m>, refund:<payment reference>); a provider refund carries the ledger entry's reference
as its idempotency key and is asked after commit (a rollback never refunds money we kept).
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.ledger import posting as ledger
from apps.gigs.models import (
    Contract,
    Milestone,
    MilestoneStatus,
    MoneyStatus,
    PaymentRecord,
    PaymentStatus,
)
from apps.gigs.payments.intake import Delivery, on_payment_event
from apps.gigs.payments.provider import PaymentSession, ProviderError, get_provider
from apps.gigs.payments.records import begin_payment
from apps.gigs.rules.escrow import MONEY
from apps.gigs.rules.money import check_amount, fee
from apps.gigs.rules.transitions import allowed_actions, check
from apps.gigs.rules.work import FROZEN_MONEY, MILESTONES
from apps.gigs.services.contracts import (
    approved_amount,
    end_if_done,
    publish_milestone_event,
    record_step,
)
from gigsy.errors import ApplicationError, ConflictError

log = structlog.get_logger(__name__)

WHAT = "milestone's money"


# --- helpers --------------------------------------------------------------------------------------


_history = record_step
_publish = publish_milestone_event


def _money(milestone: Milestone, action: str) -> str:
    """The money status `action` leads to (409 `invalid_transition` naming the money status)."""
    return check(MONEY, action=action, status=milestone.money_status, what=WHAT)


def require_work_allowed(milestone: Milestone, *, action: str) -> None:
    """A dispute freezes the work: every step on a disputed (or resolved) milestone is a 409
    `invalid_transition` naming the money status, until an operator's resolution ends it."""
    if milestone.money_status in FROZEN_MONEY:
        status = milestone.money_status
        raise ConflictError(
            f"The {WHAT} is {status}: `{action}` is not allowed while a dispute holds it.",
            code=GigsError.INVALID_TRANSITION,
            details={"current_status": status, "allowed": allowed_actions(MONEY, status)},
        )


def _held(contract: Contract, milestone: Milestone) -> int:
    """What the milestone's escrow holds now, its account row locked until commit."""
    return ledger.locked_balance(ledger.escrow(milestone.pk, contract.currency))


def _fee(amount: int) -> int:
    return fee(amount, settings.GIGS_PLATFORM_FEE_PERCENT)


def _refund_through_provider(*, payment_reference: str, amount: int, reference: str) -> None:
    """Ask the provider to give `amount` of the payment back, after commit: the ledger already
    says the money went back, and a rollback must never have refunded money we keep. A refusal
    is logged (`gigs.provider_refund_failed`) for operators: the ledger entry's reference is the
    idempotency key, so retrying the same refund never pays twice."""
    payment = selectors.payment_by_reference(reference=payment_reference)
    if payment is None:  # a funding movement always has its payment; a bug otherwise
        log.error("gigs.provider_refund_without_payment", reference=reference)
        return
    provider_name, provider_payment_id = payment.provider, payment.provider_payment_id

    def send() -> None:
        try:
            result = get_provider(provider_name).refund(
                provider_payment_id=provider_payment_id, amount=amount, reference=reference
            )
        except ProviderError as exc:
            log.error(
                "gigs.provider_refund_failed",
                reference=reference,
                payment=payment_reference,
                amount=amount,
                code=exc.code,
                retryable=exc.retryable,
            )
            return
        if result.status == "failed":
            log.error("gigs.provider_refund_failed", reference=reference, amount=amount)

    transaction.on_commit(send)


# --- funding --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funding:
    contract: Contract
    milestone: Milestone
    payment: PaymentRecord
    session: PaymentSession
    created: bool  # a new attempt (201); False: the attempt in progress answered again (200)


@transaction.atomic
def fund_milestone(*, contract_id: int, milestone_id: int, user: accounts.Principal) -> Funding:
    """unfunded -> funding: the client (verified) asks to pay a pending milestone's amount into
    escrow. The provider's payment is created with the reference fund:<milestone>:<attempt>; the
    milestone becomes funded (and its work active) only when the provider's signed confirmation
    arrives (`on_payment`). While funding, the same payment is answered again. Refusals: 404 a
    contract the caller cannot see; 403 not its client, unverified; 409 `invalid_transition`
    (the work is not pending, or the money not unfunded); a provider that cannot be reached
    raises ProviderError (the API's 503, nothing kept)."""
    contract, milestone = policies.visible_milestone(
        contract_id=contract_id, milestone_id=milestone_id, user=user, lock=True
    )
    policies.require_contract_client(contract=contract, user=user)
    policies.require_verified(user)
    metadata = {"contract_id": str(contract.pk), "milestone_id": str(milestone.pk)}
    if milestone.money_status == MoneyStatus.FUNDING:
        # The payer has not completed it yet: the same payment (the provider answers the same
        # session for the same reference). The PaymentRecord is read, not locked: the webhook
        # intake locks it before the contract and the milestone, this step after them.
        payment = selectors.payment_by_reference(reference=milestone.payment_reference)
        if payment is None:  # a funding milestone always has its payment; a bug otherwise
            raise RuntimeError(f"milestone {milestone.pk} is funding without its payment")
        session = get_provider(payment.provider).create_payment(
            amount=payment.amount,
            currency=payment.currency,
            reference=payment.reference,
            metadata={**metadata, "reference": payment.reference},
        )
        if session.provider_payment_id == payment.provider_payment_id:
            return Funding(contract, milestone, payment, session, created=False)
        # The provider forgot the reference (Stripe keeps idempotency keys 24 hours) and made
        # another payment nobody will complete: abandon the attempt and start a new one. The
        # old payment, should its payer still complete it, is refunded as a late payment.
        log.warning("gigs.funding_attempt_expired", reference=payment.reference)
        milestone.money_status = _money(milestone, "funding_failed")
    # The work first: a milestone already at work, approved or cancelled is refused naming its
    # work status (its money can only be unfunded while the work is pending).
    check(MILESTONES, action="fund", status=milestone.status, what="milestone")
    _money(milestone, "fund")
    attempt = selectors.funding_attempts(milestone_id=milestone.pk) + 1
    reference = f"fund:{milestone.pk}:{attempt}"
    payment, session = begin_payment(
        amount=milestone.amount,
        currency=contract.currency,
        reference=reference,
        metadata=metadata,
        milestone_id=milestone.pk,
    )
    milestone.money_status = _money(milestone, "fund")
    milestone.payment_reference = reference
    milestone.save(update_fields=["money_status", "payment_reference", "updated_at"])
    return Funding(contract, milestone, payment, session, created=True)


@on_payment_event
def on_payment(delivery: Delivery) -> None:
    """The payments intake's listener (imported by apps.py): a milestone's payment succeeded
    or failed. Runs in the intake's transaction; judges the event against the milestone's
    state (see the module docstring)."""
    payment = delivery.payment
    if payment is None or payment.milestone_id is None:
        return
    kind = delivery.event.type
    if kind == "payment.succeeded" and payment.status == PaymentStatus.SUCCEEDED:
        _payment_succeeded(payment)
    elif kind == "payment.failed" and payment.status == PaymentStatus.FAILED:
        _payment_failed(payment)


def _locked_for(payment: PaymentRecord) -> tuple[Contract, Milestone] | None:
    assert payment.milestone_id is not None
    ids = selectors.milestone_for_payment(milestone_id=payment.milestone_id)
    if ids is None:
        return None
    contract = selectors.contract_by_id(contract_id=ids[0], lock=True)
    milestone = selectors.milestone_in(contract_id=ids[0], milestone_id=ids[1], lock=True)
    if contract is None or milestone is None:
        return None
    milestone.contract = contract
    return contract, milestone


def _payment_succeeded(payment: PaymentRecord) -> None:
    found = _locked_for(payment)
    if found is None:
        return
    contract, milestone = found
    current = milestone.payment_reference == payment.reference
    if current and milestone.money_status == MoneyStatus.FUNDING:
        ledger.fund(
            milestone=milestone,
            client_id=contract.client_id,
            amount=payment.amount,
            currency=payment.currency,
            reference=payment.reference,
        )
        source = milestone.status
        milestone.money_status = _money(milestone, "confirm")
        milestone.status = check(MILESTONES, action="fund", status=source, what="milestone")
        milestone.funded_at = timezone.now()
        milestone.save(update_fields=["money_status", "status", "funded_at", "updated_at"])
        _history(
            milestone,
            actor_id=contract.client_id,  # the client paid; the provider only confirmed it
            source=source,
            action="fund",
            note=f"Funded: {payment.amount} {payment.currency} held in escrow.",
        )
        _publish(
            "milestone.funded",
            contract,
            milestone,
            contract.client_id,
            payment_reference=payment.reference,
            funded_at=milestone.funded_at.isoformat(),
        )
        return
    if current and milestone.money_status != MoneyStatus.UNFUNDED:
        return  # this payment funded the milestone already: another event about it
    _return_stray_payment(contract, milestone, payment)


def _return_stray_payment(contract: Contract, milestone: Milestone, payment: PaymentRecord) -> None:
    """A payment that succeeded for a milestone that no longer waits for it (a stale attempt,
    a cancellation, a failure reported first): the money came in and goes straight back, in
    the ledger (fund then refund, so the client's funding and refunds show both) and through
    the provider after commit. Once per payment (the refund's reference)."""
    reference = f"refund:{payment.reference}"
    if selectors.movement_exists(reference=reference):
        return
    ledger.fund(
        milestone=milestone,
        client_id=contract.client_id,
        amount=payment.amount,
        currency=payment.currency,
        reference=payment.reference,
        memo=f"Late payment for milestone {milestone.pk}, returned",
    )
    ledger.refund(
        milestone=milestone,
        client_id=contract.client_id,
        amount=payment.amount,
        reference=reference,
        memo=f"Late payment for milestone {milestone.pk} returned to the client",
    )
    _history(
        milestone,
        actor_id=None,
        source=milestone.status,
        action="refund",
        note=f"A payment of {payment.amount} {payment.currency} arrived after the milestone "
        "stopped waiting for it; it was refunded.",
    )
    _refund_through_provider(
        payment_reference=payment.reference, amount=payment.amount, reference=reference
    )
    _publish(
        "milestone.refunded",
        contract,
        milestone,
        None,
        amount=payment.amount,
        reason="late_payment",
    )


def _payment_failed(payment: PaymentRecord) -> None:
    found = _locked_for(payment)
    if found is None:
        return
    _, milestone = found
    if (
        milestone.payment_reference != payment.reference
        or milestone.money_status != MoneyStatus.FUNDING
    ):
        return  # a stale attempt, or a failure reported after the success: nothing to undo
    milestone.money_status = _money(milestone, "funding_failed")
    milestone.save(update_fields=["money_status", "updated_at"])
    _history(
        milestone,
        actor_id=None,
        source=milestone.status,
        action="funding_failed",
        note="The payment failed; the client may fund the milestone again.",
    )


# --- releasing ------------------------------------------------------------------------------------


def _release(
    contract: Contract, milestone: Milestone, *, amount: int, actor_id: int | None, final: bool
) -> int:
    """Post one release of `amount` (fee: GIGS_PLATFORM_FEE_PERCENT) and publish it; returns
    the fee. The reference counts the milestone's releases, under its row lock."""
    taken = _fee(amount)
    number = selectors.releases_of(milestone_id=milestone.pk) + 1
    ledger.release(
        milestone=milestone,
        freelancer_id=contract.freelancer_id,
        amount=amount,
        fee=taken,
        reference=f"release:{milestone.pk}:{number}",
        created_by=actor_id,
    )
    _publish(
        "milestone.released",
        contract,
        milestone,
        actor_id,
        amount=amount,
        fee=taken,
        net=amount - taken,
        final=final,
        money_status=milestone.money_status,
    )
    return taken


def _refund_rest(
    contract: Contract, milestone: Milestone, *, amount: int, actor_id: int | None, reason: str
) -> None:
    reference = f"refund:{milestone.pk}"
    ledger.refund(
        milestone=milestone,
        client_id=contract.client_id,
        amount=amount,
        reference=reference,
        created_by=actor_id,
    )
    _refund_through_provider(
        payment_reference=milestone.payment_reference, amount=amount, reference=reference
    )
    _publish("milestone.refunded", contract, milestone, actor_id, amount=amount, reason=reason)


def release_on_approval(
    contract: Contract, milestone: Milestone, *, actor_id: int | None
) -> tuple[int, int, int]:
    """Inside the approval's transaction (the caller holds both row locks and has checked the
    work step): release what the work is worth and end the money. Fixed price: everything
    held. Hourly: the hours approved x the rate, less what partial releases already paid; the
    rest of the week's funding goes back to the client. Returns (released, fee, refunded)."""
    money = _money(milestone, "release")
    held = _held(contract, milestone)
    worth = approved_amount(contract=contract, milestone=milestone)
    paid_before = milestone.amount - held  # partial releases (nothing else leaves an open escrow)
    amount = min(held, max(0, worth - paid_before))
    milestone.money_status = money
    milestone.save(update_fields=["money_status", "updated_at"])
    taken = (
        _release(contract, milestone, amount=amount, actor_id=actor_id, final=True) if amount else 0
    )
    rest = held - amount
    if rest:
        _refund_rest(contract, milestone, amount=rest, actor_id=actor_id, reason="hourly_remainder")
    return amount, taken, rest


@transaction.atomic
def release_part(
    *, contract_id: int, milestone_id: int, user: accounts.Principal, amount: object
) -> Milestone:
    """The client releases part of what a milestone's escrow holds before approving it:
    0 < amount < held -> partially_released; amount == held -> released, and the work is
    approved with it (the client accepted it as it stands: `milestone.approved`; the milestone
    is finished and its contract may end). Refusals: 404, 403 not the
    client; 409 `invalid_transition` (nothing held: unfunded, funding, released, refunded,
    disputed); 400 `invalid_amount` (not a positive integer, or more than held: `details.held`)."""
    contract, milestone = policies.visible_milestone(
        contract_id=contract_id, milestone_id=milestone_id, user=user, lock=True
    )
    policies.require_contract_client(contract=contract, user=user)
    _money(milestone, "release_part")
    amount = check_amount(amount)
    held = _held(contract, milestone)
    if amount > held:
        message = f"The escrow holds {held} {contract.currency}: release at most that."
        raise ApplicationError(
            message,
            code=GigsError.INVALID_AMOUNT,
            fields={"amount": [message]},
            details={"held": held},
        )
    actor_id = accounts.user_id_of(user)
    everything = amount == held
    milestone.money_status = _money(milestone, "release" if everything else "release_part")
    milestone.save(update_fields=["money_status", "updated_at"])
    _release(contract, milestone, amount=amount, actor_id=actor_id, final=everything)
    _history(
        milestone,
        actor_id=actor_id,
        source=milestone.status,
        action="release",
        note=f"Released {amount} of {held} {contract.currency} held.",
    )
    if everything:
        _approve_by_release(contract, milestone, actor_id=actor_id)
        end_if_done(contract=contract, actor_id=actor_id)
    return milestone


def _approve_by_release(contract: Contract, milestone: Milestone, *, actor_id: int) -> None:
    """Releasing everything held is the client accepting the work as it stands: the work is
    approved too (whatever open step it was at), so it can neither be submitted again nor stay
    open on a contract that ends. Nothing is left to release: `release_on_approval` is not
    called; `milestone.approved` is published as for any approval."""
    source = milestone.status
    if source in (MilestoneStatus.APPROVED, MilestoneStatus.CANCELLED):
        return
    milestone.status = MilestoneStatus.APPROVED
    milestone.approved_at = timezone.now()
    milestone.cancel_proposed_by = None
    milestone.cancel_reason = ""
    milestone.save(
        update_fields=["status", "approved_at", "cancel_proposed_by", "cancel_reason", "updated_at"]
    )
    _history(
        milestone,
        actor_id=actor_id,
        source=source,
        action="approve",
        note="Approved by releasing everything the escrow held.",
    )
    _publish(
        "milestone.approved",
        contract,
        milestone,
        actor_id,
        automatic=False,
        approved_at=milestone.approved_at.isoformat(),
        approved_amount=approved_amount(contract=contract, milestone=milestone),
        hours_worked=str(milestone.hours_worked) if milestone.hours_worked is not None else None,
    )


# --- cancellation ---------------------------------------------------------------------------------


def refund_on_cancel(contract: Contract, milestone: Milestone, *, actor_id: int | None) -> int:
    """Inside the cancellation's transaction (both row locks held), before the work moves to
    cancelled: the unreleased rest goes back to the client (money -> refunded); a payment still
    being completed is abandoned (money -> unfunded: its success, should it come, is refunded
    by `on_payment`). Returns the amount refunded."""
    if milestone.money_status == MoneyStatus.FUNDING:
        milestone.money_status = _money(milestone, "funding_failed")
        milestone.save(update_fields=["money_status", "updated_at"])
        return 0
    if milestone.money_status == MoneyStatus.UNFUNDED:
        return 0
    money = _money(milestone, "refund")
    held = _held(contract, milestone)
    milestone.money_status = money
    milestone.save(update_fields=["money_status", "updated_at"])
    if held:
        _refund_rest(contract, milestone, amount=held, actor_id=actor_id, reason="cancelled")
    return held
