"""Disputes: a party freezes a funded milestone's money, an operator splits it
(docs/decisions/0029; the choices of this area: docs/decisions/0033).

    money funded|partially_released --dispute (either party, with a reason)--> disputed
        everything the milestone's escrow still holds moves to its dispute hold (one journal
        entry); a Dispute (one open per milestone); the history; `dispute.opened`. The work is
        frozen while disputed (services/milestones.py refuses every work step).
    money disputed --resolve (an operator: freelancer part + client part == held, a written
        reason)--> resolved
        one journal entry (ledger.resolve_dispute: the freelancer's part less the platform's fee
        to their pending funds, the client's part refunded); the client's part is refunded
        through the provider after commit; the Dispute records who, why and when; an
        append-only MoneyAudit; the history; `dispute.resolved`; then the contract ends if every
        milestone is finished.

Refusals, in this order: opening: 404 a contract the caller cannot see or a milestone not in
it; 403 an operator (they resolve, they do not dispute); 400 no reason; 409
`dispute_already_open`, `invalid_transition` naming the money status. Resolving: 403 not an
operator; 404 no such dispute; 400 no reason; 409 `dispute_already_resolved`; 400
`invalid_split` (details.total: what is held), `invalid_amount` (a negative part).

Both lock the contract's row, then the milestone's (the order of every milestone step), then
the dispute's.
"""

from __future__ import annotations

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.ledger import posting as ledger
from apps.gigs.models import (
    Contract,
    Dispute,
    DisputeStatus,
    Milestone,
    MoneyAudit,
    PaymentRecord,
)
from apps.gigs.payments.provider import ProviderError, get_provider
from apps.gigs.rules.escrow import MONEY
from apps.gigs.rules.money import check_split, fee
from apps.gigs.rules.transitions import check
from apps.gigs.rules.work import party_of
from apps.gigs.services.contracts import contract_data, end_if_done, record_step
from gigsy.errors import ApplicationError, ConflictError, ErrorCode, ForbiddenError, NotFoundError
from gigsy.events import publish

log = structlog.get_logger(__name__)

WHAT = "milestone's money"
REASON_MAX = 5000
# MoneyAudit.action of a resolution.
AUDIT_RESOLVE = "resolve_dispute"


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=ErrorCode.VALIDATION_ERROR, fields={field: [message]})


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise _invalid("reason", "Say why: it is read by the other party and the operators.")
    if len(reason) > REASON_MAX:
        raise _invalid("reason", f"At most {REASON_MAX} characters.")
    return reason


def _data(contract: Contract, milestone: Milestone, dispute: Dispute) -> dict[str, object]:
    return {
        **contract_data(contract),
        "milestone_id": str(milestone.pk),
        "milestone_title": milestone.title,
        "amount": milestone.amount,
        "dispute_id": str(dispute.pk),
        "held_amount": dispute.held_amount,
    }


def _history(milestone: Milestone, *, actor_id: int, action: str, note: str) -> None:
    # The work status does not move (a dispute is about money): from and to are the same.
    record_step(milestone, actor_id=actor_id, source=milestone.status, action=action, note=note)


def _already_open(dispute: Dispute) -> ConflictError:
    return ConflictError(
        "This milestone already has an open dispute.",
        code=GigsError.DISPUTE_ALREADY_OPEN,
        details={"dispute_id": dispute.pk},
    )


# --- opening --------------------------------------------------------------------------------------


@transaction.atomic
def open_dispute(
    *, contract_id: int, milestone_id: int, user: accounts.Principal, reason: str
) -> Dispute:
    """Either party disputes a milestone whose money is funded or partially released
    (submitted work included): everything still in its escrow moves to the dispute hold and
    the milestone's money is `disputed` until an operator resolves it."""
    contract, milestone = policies.visible_milestone(
        contract_id=contract_id, milestone_id=milestone_id, user=user, lock=True
    )
    policies.require_party(contract=contract, user=user)  # 403 for operators
    reason = _reason(reason)
    existing = selectors.open_dispute_of(milestone_id=milestone.pk)
    if existing is not None:
        raise _already_open(existing)
    target = check(MONEY, action="dispute", status=milestone.money_status, what=WHAT)
    escrow = ledger.escrow(milestone.pk, contract.currency)
    held = ledger.locked_balance(escrow)
    if held <= 0:  # funded with nothing in escrow: a bug elsewhere, never a half-made dispute
        raise ConflictError(
            "Nothing is held in this milestone's escrow.",
            code=GigsError.INSUFFICIENT_FUNDS,
            details={"account": escrow.kind, "currency": escrow.currency, "available": 0},
        )
    actor_id = accounts.user_id_of(user)
    try:
        # A savepoint: the partial unique index (one open dispute per milestone) is the last
        # word if two openings get past the look-up above.
        with transaction.atomic():
            dispute = Dispute.objects.create(
                milestone=milestone, opened_by_id=actor_id, reason=reason, held_amount=held
            )
    except IntegrityError:
        found = selectors.open_dispute_of(milestone_id=milestone.pk)
        if found is None:
            raise
        raise _already_open(found) from None
    ledger.hold_for_dispute(
        milestone=milestone,
        amount=held,
        reference=f"dispute:{dispute.pk}:hold",
        created_by=actor_id,
        memo=f"Dispute {dispute.pk} opened on milestone {milestone.pk}",
    )
    milestone.money_status = target
    milestone.save(update_fields=["money_status", "updated_at"])
    _history(milestone, actor_id=actor_id, action="dispute", note=reason)
    party = party_of(
        user_id=actor_id, client_id=contract.client_id, freelancer_id=contract.freelancer_id
    )
    publish(
        "dispute.opened",
        {
            **_data(contract, milestone, dispute),
            "opened_by": str(actor_id),
            "opened_by_role": str(party),
        },
        producer="gigs",
        actor_id=str(actor_id),
    )
    dispute.milestone = milestone
    return dispute


# --- resolving ------------------------------------------------------------------------------------


def _locked(dispute_id: int) -> tuple[Contract, Milestone, Dispute]:
    """The dispute's contract, milestone and the dispute itself, locked in that order."""
    found = selectors.dispute_by_id(dispute_id=dispute_id)
    if found is None:
        raise NotFoundError(policies.NO_SUCH_DISPUTE)
    contract = selectors.contract_by_id(contract_id=found.milestone.contract_id, lock=True)
    milestone = (
        selectors.milestone_in(contract_id=contract.pk, milestone_id=found.milestone_id, lock=True)
        if contract is not None
        else None
    )
    dispute = selectors.dispute_by_id(dispute_id=dispute_id, lock=True)
    if contract is None or milestone is None or dispute is None:
        raise NotFoundError(policies.NO_SUCH_DISPUTE)
    milestone.contract = contract
    dispute.milestone = milestone
    return contract, milestone, dispute


@transaction.atomic
def resolve_dispute(
    *,
    dispute_id: int,
    operator: accounts.Principal,
    freelancer_amount: int,
    client_amount: int,
    reason: str,
) -> Dispute:
    """An operator splits what the dispute holds: `freelancer_amount` to the freelancer (less
    the platform's fee, GIGS_PLATFORM_FEE_PERCENT), `client_amount` back to the client. The
    parts are zero or more and add up to exactly what is held (one of them may be zero: all to
    one party is a resolution too)."""
    if not accounts.is_operator(operator):
        raise ForbiddenError("Only operators resolve disputes.")
    contract, milestone, dispute = _locked(dispute_id)
    reason = _reason(reason)
    if dispute.status != DisputeStatus.OPEN:
        raise ConflictError(
            "This dispute was already resolved.",
            code=GigsError.DISPUTE_ALREADY_RESOLVED,
            details={
                "resolved_at": dispute.resolved_at.isoformat() if dispute.resolved_at else None
            },
        )
    target = check(MONEY, action="resolve", status=milestone.money_status, what=WHAT)
    held = ledger.locked_balance(ledger.dispute_hold(milestone.pk, contract.currency))
    freelancer_amount, client_amount = check_split(
        held, [freelancer_amount, client_amount], fields=["freelancer_amount", "client_amount"]
    )
    platform_fee = fee(freelancer_amount, settings.GIGS_PLATFORM_FEE_PERCENT)
    operator_id = accounts.user_id_of(operator)
    entry = ledger.resolve_dispute(
        milestone=milestone,
        freelancer_amount=freelancer_amount,
        client_amount=client_amount,
        fee=platform_fee,
        reference=resolution_reference(dispute.pk),
        created_by=operator_id,
        memo=f"Dispute {dispute.pk} on milestone {milestone.pk} resolved",
    )
    now = timezone.now()
    dispute.status = DisputeStatus.RESOLVED
    dispute.freelancer_amount = freelancer_amount
    dispute.client_amount = client_amount
    dispute.resolution = reason
    dispute.resolved_by_id = operator_id
    dispute.resolved_at = now
    dispute.save(
        update_fields=[
            "status",
            "freelancer_amount",
            "client_amount",
            "resolution",
            "resolved_by",
            "resolved_at",
        ]
    )
    milestone.money_status = target
    milestone.save(update_fields=["money_status", "updated_at"])
    split = (
        f"{freelancer_amount} {contract.currency} to the freelancer (fee {platform_fee}), "
        f"{client_amount} {contract.currency} to the client"
    )
    _history(milestone, actor_id=operator_id, action="resolve_dispute", note=f"{split}: {reason}")
    MoneyAudit.objects.create(
        operator_id=operator_id,
        action=AUDIT_RESOLVE,
        reason=reason,
        contract_id=contract.pk,
        milestone_id=milestone.pk,
        entry=entry,
        details={
            "dispute_id": dispute.pk,
            "held_amount": held,
            "freelancer_amount": freelancer_amount,
            "client_amount": client_amount,
            "fee": platform_fee,
            "currency": contract.currency,
        },
    )
    if client_amount:
        payment_reference = milestone.payment_reference
        transaction.on_commit(
            lambda: refund_client(
                dispute_id=dispute.pk,
                payment_reference=payment_reference,
                amount=client_amount,
            )
        )
    publish(
        "dispute.resolved",
        {
            **_data(contract, milestone, dispute),
            "freelancer_amount": freelancer_amount,
            "client_amount": client_amount,
            "fee": platform_fee,
            "resolved_by": str(operator_id),
        },
        producer="gigs",
        actor_id=str(operator_id),
    )
    end_if_done(contract=contract, actor_id=operator_id)
    return dispute


def resolution_reference(dispute_id: int) -> str:
    """The reference of a dispute's resolving journal entry (one per dispute)."""
    return f"dispute:{dispute_id}:resolve"


def refund_reference(dispute_id: int) -> str:
    """The provider's idempotency key of a dispute's refund: one refund per dispute, however
    often it is retried."""
    return f"dispute:{dispute_id}:refund"


def refund_client(*, dispute_id: int, payment_reference: str, amount: int) -> bool:
    """Give the client's part of a resolved dispute back through the provider that took the
    payment (after the resolution's commit: the ledger already says it is refunded). Returns
    whether the provider accepted it. A milestone funded outside a provider (no payment
    record) or a provider's refusal is logged for operators; a retry with the same dispute
    refunds once (the reference is the provider's idempotency key)."""
    record = (
        PaymentRecord.objects.filter(reference=payment_reference).first()
        if payment_reference
        else None
    )
    if record is None:
        log.warning("gigs.dispute_refund_no_payment", dispute_id=dispute_id, amount=amount)
        return False
    try:
        result = get_provider(record.provider).refund(
            provider_payment_id=record.provider_payment_id,
            amount=amount,
            reference=refund_reference(dispute_id),
        )
    except ProviderError as exc:
        log.error(
            "gigs.dispute_refund_failed",
            dispute_id=dispute_id,
            amount=amount,
            provider_code=exc.code,
            retryable=exc.retryable,
        )
        return False
    if result.status == "failed":
        log.error(
            "gigs.dispute_refund_failed",
            dispute_id=dispute_id,
            amount=amount,
            refund_status="failed",
        )
        return False
    return True
