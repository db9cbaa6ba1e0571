"""Payouts of a freelancer's available funds, and operators' payout holds (docs/decisions/0032).

A payout's life:

    request_payout      -> requested   the ledger's payout entry takes the amount from available
                                       funds; the provider is asked (reference = idempotency key)
    payout.paid webhook -> paid        `payout.paid` is published
    payout.failed       -> failed      the payout entry is reversed: the funds are available again

The webhooks are judged against the payout's state (providers deliver out of order): `paid`
after `failed` changes nothing; `failed` after `paid` (Stripe's transfer.reversed: the money
came back) reverses the entry and marks it failed; the same event twice is stopped by the
intake's receipt.

Who: a verified learner pays out their own funds; operators hold and lift holds (each with a
written reason, recorded in MoneyAudit), and a held account's request is 409 `payouts_held`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.public import Principal, user_id_of
from apps.gigs import policies
from apps.gigs.errors import GigsError
from apps.gigs.ledger import posting
from apps.gigs.models import JournalEntry, MoneyAudit, Payout, PayoutProfile, PayoutStatus
from apps.gigs.payments.intake import Delivery, on_payment_event
from apps.gigs.payments.provider import ProviderError, get_provider
from apps.gigs.rules.money import check_amount, check_currency
from gigsy.errors import ConflictError
from gigsy.events import publish

log = structlog.get_logger(__name__)

HOLD = "payout_hold"
LIFT_HOLD = "payout_hold_lifted"
SET_DESTINATION = "payout_destination_set"
STRIPE_ACCOUNT = re.compile(r"acct_[A-Za-z0-9]{1,250}")


def _destination(profile: PayoutProfile, provider: str) -> str:
    """Where the provider sends the money. Stripe: the user's Connect account, recorded on
    their profile by an operator until Connect onboarding exists; the sandbox needs none and
    gets a name that says whose it is."""
    if provider == "sandbox":
        return f"sandbox:user:{profile.user_id}"
    if not profile.stripe_account_id:
        raise ConflictError(
            "No payout account is connected to this account yet.",
            code=GigsError.PAYOUT_DESTINATION_MISSING,
        )
    return profile.stripe_account_id


def _profile(user_id: int) -> PayoutProfile:
    """The user's payout profile, created on first use, locked: a hold and a request on the
    same account are serialized on this row (a request after a hold's commit sees it)."""
    profile, _ = PayoutProfile.objects.select_for_update().get_or_create(user_id=user_id)
    return profile


@transaction.atomic
def request_payout(*, user: Principal, amount: object, currency: object) -> Payout:
    """Pay `amount` of the caller's available funds in `currency` out through the provider.

    400 `invalid_amount` / `unsupported_currency`; 409 `payouts_held`,
    `payout_destination_missing`, `insufficient_funds` (more than is available) or
    `payout_refused` (the provider said no): in every refusal nothing moved. The provider is
    called inside the transaction, after the ledger entry: a rollback after its answer leaves
    a provider payout under a reference nobody will reuse (see the ADR)."""
    policies.require_payee(user)
    amount = check_amount(amount)
    currency = check_currency(currency, settings.GIGS_CURRENCIES)
    user_id = user_id_of(user)
    profile = _profile(user_id)
    if profile.held:
        raise ConflictError(
            "Payouts of this account are on hold; contact support.", code=GigsError.PAYOUTS_HELD
        )
    provider = get_provider()
    destination = _destination(profile, provider.name)
    payout = Payout.objects.create(
        user_id=user_id,
        reference=f"payout:{uuid.uuid4().hex}",
        amount=amount,
        currency=currency,
        provider=provider.name,
        destination=destination,
    )
    payout.entry = posting.payout(
        user_id=user_id,
        amount=amount,
        currency=currency,
        reference=payout.reference,
        created_by=user_id,
        memo=f"Payout {payout.pk}",
    )
    try:
        result = provider.payout(
            destination=destination, amount=amount, currency=currency, reference=payout.reference
        )
    except ProviderError as exc:
        log.warning(
            "gigs.payout_refused", payout_id=payout.pk, code=exc.code, retryable=exc.retryable
        )
        raise ConflictError(
            f"The payment provider refused the payout: {exc}",
            code=GigsError.PAYOUT_REFUSED,
            details={"provider_code": exc.code, "retryable": exc.retryable},
        ) from exc
    payout.provider_payout_id = result.provider_payout_id
    payout.save(update_fields=["entry", "provider_payout_id", "updated_at"])
    return payout


# --- the provider's confirmation ------------------------------------------------------------------


@on_payment_event
def on_payout_event(delivery: Delivery) -> None:
    """payout.paid / payout.failed from the webhook intake, in its transaction."""
    event = delivery.event
    if event.type not in ("payout.paid", "payout.failed"):
        return
    payout = Payout.objects.select_for_update().filter(reference=event.reference).first()
    if payout is None:
        # A transfer made outside Gigsy (an operator in the provider's dashboard).
        log.info("gigs.payout_event_unknown", event_id=event.id, reference=event.reference)
        return
    if (event.amount, event.currency) != (payout.amount, payout.currency):
        log.error(
            "gigs.payout_event_mismatch",
            event_id=event.id,
            payout_id=payout.pk,
            expected=f"{payout.amount} {payout.currency}",
            got=f"{event.amount} {event.currency}",
        )
        return
    now = timezone.now()
    if not payout.provider_payout_id:
        payout.provider_payout_id = event.provider_ref
    if event.type == "payout.paid":
        if payout.status != PayoutStatus.REQUESTED:
            return  # paid twice (two event kinds confirm it) or after a failure: nothing
        payout.status, payout.paid_at = PayoutStatus.PAID, now
        payout.save(update_fields=["status", "paid_at", "provider_payout_id", "updated_at"])
        publish(
            "payout.paid",
            {
                "payout_id": str(payout.pk),
                "user_id": str(payout.user_id),
                "amount": payout.amount,
                "currency": payout.currency,
                "provider": payout.provider,
                "paid_at": now.isoformat(),
            },
            producer="gigs",
        )
        return
    if payout.status == PayoutStatus.FAILED:
        return
    _fail(payout, reason=f"The provider reported {event.type} ({event.id}).", now=now)


def _fail(payout: Payout, *, reason: str, now: datetime) -> None:
    """Mark a payout failed and give its amount back to the available funds (a reversal)."""
    if payout.entry_id is not None:
        entry = JournalEntry.objects.get(pk=payout.entry_id)
        posting.reverse(entry, memo=f"Payout {payout.pk} failed")
    payout.status = PayoutStatus.FAILED
    payout.failed_at = now
    payout.failure_reason = reason[:500]
    payout.save(
        update_fields=["status", "failed_at", "failure_reason", "provider_payout_id", "updated_at"]
    )


# --- operators: where payouts go ------------------------------------------------------------------


@transaction.atomic
def set_payout_destination(
    *, operator: Principal, user_id: int, stripe_account_id: str, reason: str
) -> PayoutProfile:
    """Record the Stripe connected account a user's payouts go to (an operator, with a reason,
    until Connect onboarding exists): who may redirect a person's money is audited like a
    hold. An empty account removes it. The same account again changes and records nothing."""
    policies.require_operator(operator)
    reason = reason.strip()
    if not reason:
        raise ValueError("an operator's money action needs a reason")
    if stripe_account_id and not STRIPE_ACCOUNT.fullmatch(stripe_account_id):
        raise ValueError(f"not a Stripe connected account id: {stripe_account_id!r}")
    profile = _profile(user_id)
    if profile.stripe_account_id == stripe_account_id:
        return profile
    previous = profile.stripe_account_id
    profile.stripe_account_id = stripe_account_id
    profile.save(update_fields=["stripe_account_id", "updated_at"])
    MoneyAudit.objects.create(
        operator_id=user_id_of(operator),
        action=SET_DESTINATION,
        reason=reason,
        details={"user_id": user_id, "from": previous, "to": stripe_account_id},
    )
    return profile


# --- operators' holds -----------------------------------------------------------------------------


@transaction.atomic
def hold_payouts(*, operator: Principal, user_id: int, reason: str) -> PayoutProfile:
    """Hold a user's payouts (an operator, with a reason): their later requests are 409
    `payouts_held` until the hold is lifted. Payouts already requested go on. Holding a held
    account changes nothing and records nothing."""
    return _set_hold(operator=operator, user_id=user_id, reason=reason, held=True)


@transaction.atomic
def lift_payout_hold(*, operator: Principal, user_id: int, reason: str) -> PayoutProfile:
    return _set_hold(operator=operator, user_id=user_id, reason=reason, held=False)


def _set_hold(*, operator: Principal, user_id: int, reason: str, held: bool) -> PayoutProfile:
    policies.require_operator(operator)
    reason = reason.strip()
    if not reason:
        raise ValueError("an operator's money action needs a reason")
    profile = _profile(user_id)
    if profile.held == held:
        return profile
    profile.held = held
    profile.hold_reason = reason[:500] if held else ""
    profile.held_at = timezone.now() if held else None
    profile.save(update_fields=["held", "hold_reason", "held_at", "updated_at"])
    MoneyAudit.objects.create(
        operator_id=user_id_of(operator),
        action=HOLD if held else LIFT_HOLD,
        reason=reason,
        details={"user_id": user_id},
    )
    return profile


__all__ = [
    "HOLD",
    "LIFT_HOLD",
    "SET_DESTINATION",
    "hold_payouts",
    "lift_payout_hold",
    "on_payout_event",
    "request_payout",
    "set_payout_destination",
]
