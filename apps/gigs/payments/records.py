"""Starting a payment: the provider's session for the payer, and our PaymentRecord of it.

The provider is called inside the caller's transaction, after the record's row is taken: a second
attempt with the same reference waits for the first and then gets the same payment (the
reference is the provider's idempotency key), and a rollback after the call leaves at most a
payment nobody can complete (its client secret or confirmation URL was never handed out).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from apps.gigs.models import PaymentRecord
from apps.gigs.payments.provider import (
    PaymentProvider,
    PaymentSession,
    ProviderError,
    ProviderFailure,
    check_money,
    get_provider,
)


@transaction.atomic
def begin_payment(
    *,
    amount: int,
    currency: str,
    reference: str,
    metadata: Mapping[str, str] | None = None,
    milestone_id: int | None = None,
    provider: PaymentProvider | None = None,
) -> tuple[PaymentRecord, PaymentSession]:
    """Ask the provider for a payment and record it as `created`; the same reference again
    answers the same record and session. A reference already used for other terms is a
    ProviderError (`reference_reused`): references name one money movement."""
    check_money(amount, currency)
    adapter = provider or get_provider()
    existing = PaymentRecord.objects.select_for_update().filter(reference=reference).first()
    if existing is not None and (
        existing.amount,
        existing.currency,
        existing.provider,
        existing.milestone_id,
    ) != (amount, currency, adapter.name, milestone_id):
        raise ProviderError(
            f"The payment reference {reference!r} was used for other terms.",
            code=ProviderFailure.REFERENCE_REUSED,
        )
    session = adapter.create_payment(
        amount=amount,
        currency=currency,
        reference=reference,
        metadata={**(metadata or {}), "reference": reference},
    )
    if existing is not None:
        if existing.provider_payment_id != session.provider_payment_id:
            # Stripe keeps idempotency keys for 24 hours: after that the same reference would
            # be a second payment, which the unique reference refuses to record.
            raise ProviderError(
                f"The provider answered another payment for {reference!r}.",
                code=ProviderFailure.REFERENCE_REUSED,
            )
        return existing, session
    try:
        with transaction.atomic():
            record = PaymentRecord.objects.create(
                reference=reference,
                provider=adapter.name,
                provider_payment_id=session.provider_payment_id,
                amount=amount,
                currency=currency,
                milestone_id=milestone_id,
            )
    except IntegrityError:
        # Another transaction recorded the same reference since our look-up (no row to lock
        # then): the provider answered it the same payment.
        found = PaymentRecord.objects.select_for_update().filter(reference=reference).first()
        if found is None:  # the provider's payment id is recorded under another reference
            raise ProviderError(
                f"The provider's payment {session.provider_payment_id} is another reference's.",
                code=ProviderFailure.REFERENCE_REUSED,
            ) from None
        record = found
    return record, session
