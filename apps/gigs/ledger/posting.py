"""Posting journal entries, and the money movements of escrow (docs/decisions/0029).

Accounts (models.AccountKind; positive lines add to an account's balance):

    client_funding(client)          money that came in from outside; goes negative as it funds
    escrow(milestone)               funded, not yet released or refunded
    dispute_hold(milestone)         escrow frozen by a dispute
    freelancer_pending(freelancer)  released, still clearing (GIGS_CLEARING_DAYS)
    freelancer_available(freelancer) cleared: a payout may take it
    platform_fees                   the platform's fees, one per currency
    client_refunds(client)          money returned outside
    payouts(freelancer)             money paid outside

Movements (each one journal entry):

    fund             client_funding -a        escrow +a
    release          escrow -a                freelancer_pending +(a - fee)   platform_fees +fee
    refund           escrow -a                client_refunds +a
    hold_for_dispute escrow -a                dispute_hold +a
    resolve_dispute  dispute_hold -(f + c)    freelancer_pending +(f - fee)   platform_fees +fee
                                              client_refunds +c
    clear            freelancer_pending -a    freelancer_available +a
    payout           freelancer_available -a  payouts +a
    reversal         the mirror of an entry (reverse())

Every account but client_funding may never go negative: post() locks the accounts an entry
takes from (SELECT ... FOR UPDATE, in id order so two entries never deadlock on each other),
sums their lines and refuses with 409 `insufficient_funds` before anything is written. Accounts
an entry only adds to are not locked: a release does not wait for another release because both
credit the platform's fees. A reference makes a movement idempotent: the same reference again
returns the entry recorded first; with other terms it is a 409 `movement_reference_reused`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from apps.gigs.errors import GigsError
from apps.gigs.models import (
    AccountKind,
    Contract,
    EntryKind,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Milestone,
)
from apps.gigs.rules.money import check_amount, check_currency, check_fee, check_split, unbalanced
from gigsy.errors import ApplicationError, ConflictError

# The one kind of account whose balance may go negative: money coming in from outside.
MAY_GO_NEGATIVE = frozenset({AccountKind.CLIENT_FUNDING})
MEMO_MAX = 500
REFERENCE_MAX = 200


@dataclass(frozen=True, slots=True)
class AccountKey:
    """Names an account: its kind, owner (a user or milestone id; None for platform fees) and
    currency. post() creates the account the first time a line names it."""

    kind: str
    owner_id: int | None
    currency: str


Line = tuple[AccountKey, int]


class UnbalancedEntryError(ValueError):
    """A caller built an entry whose lines do not sum to zero per currency (a bug, not a
    user's mistake: the movements below always balance)."""


# --- accounts -------------------------------------------------------------------------------------


def client_funding(client_id: int, currency: str) -> AccountKey:
    return AccountKey(AccountKind.CLIENT_FUNDING, client_id, currency)


def escrow(milestone_id: int, currency: str) -> AccountKey:
    return AccountKey(AccountKind.ESCROW, milestone_id, currency)


def dispute_hold(milestone_id: int, currency: str) -> AccountKey:
    return AccountKey(AccountKind.DISPUTE_HOLD, milestone_id, currency)


def pending(freelancer_id: int, currency: str) -> AccountKey:
    return AccountKey(AccountKind.FREELANCER_PENDING, freelancer_id, currency)


def available(freelancer_id: int, currency: str) -> AccountKey:
    return AccountKey(AccountKind.FREELANCER_AVAILABLE, freelancer_id, currency)


def platform_fees(currency: str) -> AccountKey:
    return AccountKey(AccountKind.PLATFORM_FEES, None, currency)


def client_refunds(client_id: int, currency: str) -> AccountKey:
    return AccountKey(AccountKind.CLIENT_REFUNDS, client_id, currency)


def payouts(freelancer_id: int, currency: str) -> AccountKey:
    return AccountKey(AccountKind.PAYOUTS, freelancer_id, currency)


def _key_of(account: LedgerAccount) -> AccountKey:
    return AccountKey(account.kind, account.owner_id, account.currency)


def account_ids(keys: Sequence[AccountKey]) -> dict[AccountKey, int]:
    """The ids of the named accounts, creating the missing ones. Safe under concurrency: the
    insert is ON CONFLICT DO NOTHING on (kind, owner, currency), so two first postings to one
    account make one row, and the second reads it once the first committed."""
    wanted = set(keys)
    found = _select_accounts(wanted)
    missing = wanted - found.keys()
    if missing:
        # In one order everywhere: two transactions creating the same new accounts wait for
        # each other on the first one instead of each holding one the other needs.
        ordered = sorted(missing, key=lambda k: (k.kind, k.owner_id or 0, k.currency))
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(kind=k.kind, owner_id=k.owner_id, currency=k.currency) for k in ordered],
            ignore_conflicts=True,
        )
        # A new statement: it sees rows another transaction committed while this one waited.
        found |= _select_accounts(missing)
    return found


def _select_accounts(keys: set[AccountKey]) -> dict[AccountKey, int]:
    if not keys:
        return {}
    with connection.cursor() as cursor:
        # IS NOT DISTINCT FROM: the platform's accounts have no owner (NULL).
        cursor.execute(
            f"""
            SELECT a.id, a.kind, a.owner_id, a.currency
            FROM {LedgerAccount._meta.db_table} a
            JOIN unnest(%s::text[], %s::bigint[], %s::text[]) AS k(kind, owner_id, currency)
              ON a.kind = k.kind AND a.owner_id IS NOT DISTINCT FROM k.owner_id
             AND a.currency = k.currency
            """,  # noqa: S608  # the table name is the model's; values are parameters
            [
                [k.kind for k in keys],
                [k.owner_id for k in keys],
                [k.currency for k in keys],
            ],
        )
        return {AccountKey(kind, owner, cur): pk for pk, kind, owner, cur in cursor.fetchall()}


def _lock_and_sum(ids: list[int]) -> dict[int, int]:
    """Lock the accounts (id order: every poster takes them in the same order) and return
    their balances. Two statements on purpose: under READ COMMITTED the sum must be taken after
    the lock is granted, so that it sees the lines of the transaction that held the lock."""
    list(
        LedgerAccount.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    totals = dict(
        JournalLine.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    return {pk: int(totals.get(pk) or 0) for pk in ids}


def locked_balance(key: AccountKey) -> int:
    """One account's balance with its row locked until the transaction ends (for a movement
    that must know what an account holds before it decides the amounts, a dispute's split)."""
    pk = account_ids([key])[key]
    return _lock_and_sum([pk])[pk]


# --- posting --------------------------------------------------------------------------------------


def _check_lines(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise UnbalancedEntryError("a journal entry has at least two lines")
    keys = [key for key, _ in lines]
    if len(set(keys)) != len(keys):
        raise UnbalancedEntryError("a journal entry names each account once")
    for key, amount in lines:
        if key.kind not in AccountKind.values:
            raise ValueError(f"unknown account kind {key.kind!r}")
        if (key.owner_id is None) != (key.kind == AccountKind.PLATFORM_FEES):
            raise ValueError(
                f"{key.kind} accounts {'need an' if key.owner_id is None else 'have no'} owner"
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise ValueError(f"a line's amount is a non-zero int, not {amount!r}")
        check_amount(abs(amount))
    off = unbalanced((key.currency, amount) for key, amount in lines)
    if off:
        raise UnbalancedEntryError(f"the lines do not sum to zero: {off}")


@dataclass(frozen=True, slots=True)
class _Body:
    """What makes two postings the same movement (compared when a reference repeats)."""

    kind: str
    memo: str
    contract_id: int | None
    milestone_id: int | None
    reverses_id: int | None
    created_by_id: int | None
    lines: frozenset[tuple[str, int | None, str, int]]


def _body_of(entry: JournalEntry) -> _Body:
    lines = JournalLine.objects.filter(entry_id=entry.pk).values_list(
        "account__kind", "account__owner_id", "account__currency", "amount"
    )
    return _Body(
        kind=entry.kind,
        memo=entry.memo,
        contract_id=entry.contract_id,
        milestone_id=entry.milestone_id,
        reverses_id=entry.reverses_id,
        created_by_id=entry.created_by_id,
        lines=frozenset(lines),
    )


def _same_or_refuse(existing: JournalEntry, body: _Body) -> JournalEntry:
    if _body_of(existing) != body:
        raise ConflictError(
            f"Another movement was already recorded with the reference {existing.reference!r}.",
            code=GigsError.MOVEMENT_REFERENCE_REUSED,
            details={"entry_id": existing.pk},
        )
    return existing


_INSERT_ENTRY = f"""
    INSERT INTO {JournalEntry._meta.db_table}
        (kind, memo, contract_id, milestone_id, reverses_id, created_by_id, reference)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (reference) DO NOTHING
    RETURNING id, created_at
"""  # noqa: S608  # the table name is the model's; values are parameters


@transaction.atomic
def post(
    *,
    kind: str,
    lines: Sequence[Line],
    memo: str = "",
    contract_id: int | None = None,
    milestone_id: int | None = None,
    reference: str | None = None,
    created_by: int | None = None,
    reverses_id: int | None = None,
) -> JournalEntry:
    """Record one movement: an entry and its lines (one INSERT for the lines). The lines must
    sum to zero per currency (checked here, and again by the database at commit); an account
    other than client funding never goes below zero (409 `insufficient_funds`, under the row
    locks of the accounts it takes from). With a `reference`, posting the same movement again
    returns the first entry; other terms under that reference are a 409
    `movement_reference_reused`."""
    if kind not in EntryKind.values:
        raise ValueError(f"unknown entry kind {kind!r}")
    if len(memo) > MEMO_MAX or (reference is not None and not 0 < len(reference) <= REFERENCE_MAX):
        raise ValueError("memo or reference too long (or an empty reference)")
    _check_lines(lines)
    body = _Body(
        kind=kind,
        memo=memo,
        contract_id=contract_id,
        milestone_id=milestone_id,
        reverses_id=reverses_id,
        created_by_id=created_by,
        lines=frozenset((k.kind, k.owner_id, k.currency, amount) for k, amount in lines),
    )
    ids = account_ids([key for key, _ in lines])
    takes = {key: amount for key, amount in lines if amount < 0 and key.kind not in MAY_GO_NEGATIVE}
    balances = _lock_and_sum(sorted(ids[key] for key in takes)) if takes else {}
    # After the locks: a retry that waited behind its first attempt finds it here, instead of
    # being refused for the funds that first attempt moved.
    if reference is not None:
        existing = JournalEntry.objects.filter(reference=reference).first()
        if existing is not None:
            return _same_or_refuse(existing, body)
    for key, amount in takes.items():
        held = balances[ids[key]]
        if held + amount < 0:
            raise ConflictError(
                f"The {key.kind.replace('_', ' ')} account holds {held} {key.currency}, "
                f"less than the {-amount} this would take.",
                code=GigsError.INSUFFICIENT_FUNDS,
                details={
                    "account": key.kind,
                    "currency": key.currency,
                    "available": held,
                    "requested": -amount,
                },
            )
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_ENTRY,
            [kind, memo, contract_id, milestone_id, reverses_id, created_by, reference],
        )
        row = cursor.fetchone()
    if row is None:
        # The same reference was committed by another transaction while this one inserted.
        return _same_or_refuse(JournalEntry.objects.get(reference=reference), body)
    entry_id, created_at = row
    JournalLine.objects.bulk_create(
        [
            JournalLine(
                entry_id=entry_id, account_id=ids[key], amount=amount, currency=key.currency
            )
            for key, amount in lines
        ]
    )
    # The entry as the database holds it, without reading it back.
    values = {
        "id": entry_id,
        "kind": kind,
        "memo": memo,
        "contract_id": contract_id,
        "milestone_id": milestone_id,
        "reverses_id": reverses_id,
        "created_at": created_at,
        "created_by_id": created_by,
        "reference": reference,
    }
    fields = JournalEntry._meta.concrete_fields
    return JournalEntry.from_db(
        connection.alias, [f.attname for f in fields], [values[f.attname] for f in fields]
    )


@transaction.atomic
def reverse(entry: JournalEntry, *, memo: str, created_by: int | None = None) -> JournalEntry:
    """Post the mirror of `entry` (every line negated), the one way a mistake is corrected:
    entries are never changed. Once per entry (reference `reversal:<id>`); a reversal itself
    is not reversible (409 `not_reversible`); a reversal taking more than an account holds now
    (released funds already paid out) is a 409 `insufficient_funds`."""
    if entry.kind == EntryKind.REVERSAL:
        raise ConflictError(
            "A reversal cannot be reversed; post a new movement.", code=GigsError.NOT_REVERSIBLE
        )
    lines = [
        (_key_of(line.account), -line.amount)
        for line in JournalLine.objects.filter(entry_id=entry.pk).select_related("account")
    ]
    return post(
        kind=EntryKind.REVERSAL,
        lines=lines,
        memo=memo,
        contract_id=entry.contract_id,
        milestone_id=entry.milestone_id,
        reverses_id=entry.pk,
        reference=f"reversal:{entry.pk}",
        created_by=created_by,
    )


# --- movements ------------------------------------------------------------------------------------


def _contract(milestone: Milestone) -> Contract:
    # The services load (and lock) the contract with the milestone (policies.visible_milestone).
    return milestone.contract


def _currency(contract: Contract, currency: str) -> str:
    check_currency(currency, settings.GIGS_CURRENCIES)
    if currency != contract.currency:
        message = f"The contract is in {contract.currency}, not {currency}."
        raise ApplicationError(
            message, code=GigsError.UNSUPPORTED_CURRENCY, fields={"currency": [message]}
        )
    return currency


def _party(expected: int, given: int, role: str) -> None:
    if expected != given:
        raise ValueError(f"user {given} is not the contract's {role} ({expected})")


def fund(
    *,
    milestone: Milestone,
    client_id: int,
    amount: int,
    currency: str,
    reference: str | None = None,
    created_by: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """The client's payment arrived: `amount` goes into the milestone's escrow."""
    contract = _contract(milestone)
    _party(contract.client_id, client_id, "client")
    amount = check_amount(amount)
    currency = _currency(contract, currency)
    return post(
        kind=EntryKind.FUND,
        lines=[
            (client_funding(client_id, currency), -amount),
            (escrow(milestone.pk, currency), amount),
        ],
        memo=memo or f"Funded milestone {milestone.pk}",
        contract_id=contract.pk,
        milestone_id=milestone.pk,
        reference=reference,
        created_by=created_by,
    )


def _to_freelancer(freelancer_id: int, amount: int, fee: int, currency: str) -> list[Line]:
    """The freelancer's pending share and the platform's fee of `amount` (no zero lines)."""
    lines: list[Line] = []
    if amount - fee:
        lines.append((pending(freelancer_id, currency), amount - fee))
    if fee:
        lines.append((platform_fees(currency), fee))
    return lines


def release(
    *,
    milestone: Milestone,
    freelancer_id: int,
    amount: int,
    fee: int,
    reference: str | None = None,
    created_by: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """Release `amount` of the milestone's escrow: the freelancer's pending funds get it less
    the platform's `fee` (rules/money.fee), which goes to the platform's fees."""
    contract = _contract(milestone)
    _party(contract.freelancer_id, freelancer_id, "freelancer")
    amount = check_amount(amount)
    fee = check_fee(amount, fee)
    currency = contract.currency
    return post(
        kind=EntryKind.RELEASE,
        lines=[
            (escrow(milestone.pk, currency), -amount),
            *_to_freelancer(freelancer_id, amount, fee, currency),
        ],
        memo=memo or f"Released milestone {milestone.pk}",
        contract_id=contract.pk,
        milestone_id=milestone.pk,
        reference=reference,
        created_by=created_by,
    )


def refund(
    *,
    milestone: Milestone,
    client_id: int,
    amount: int,
    reference: str | None = None,
    created_by: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """Return `amount` of the milestone's escrow to the client."""
    contract = _contract(milestone)
    _party(contract.client_id, client_id, "client")
    amount = check_amount(amount)
    currency = contract.currency
    return post(
        kind=EntryKind.REFUND,
        lines=[
            (escrow(milestone.pk, currency), -amount),
            (client_refunds(client_id, currency), amount),
        ],
        memo=memo or f"Refunded milestone {milestone.pk}",
        contract_id=contract.pk,
        milestone_id=milestone.pk,
        reference=reference,
        created_by=created_by,
    )


def hold_for_dispute(
    *,
    milestone: Milestone,
    amount: int,
    reference: str | None = None,
    created_by: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """A dispute freezes `amount` of the milestone's escrow until an operator splits it."""
    contract = _contract(milestone)
    amount = check_amount(amount)
    currency = contract.currency
    return post(
        kind=EntryKind.DISPUTE_HOLD,
        lines=[
            (escrow(milestone.pk, currency), -amount),
            (dispute_hold(milestone.pk, currency), amount),
        ],
        memo=memo or f"Dispute opened on milestone {milestone.pk}",
        contract_id=contract.pk,
        milestone_id=milestone.pk,
        reference=reference,
        created_by=created_by,
    )


@transaction.atomic
def resolve_dispute(
    *,
    milestone: Milestone,
    freelancer_amount: int,
    client_amount: int,
    fee: int,
    reference: str | None = None,
    created_by: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """An operator's split of the dispute hold, one entry: the freelancer's part (less the
    platform's `fee` on it) to their pending funds, the client's part refunded. The parts must
    add up to everything held (400 `invalid_split` with `details.total`)."""
    contract = _contract(milestone)
    currency = contract.currency
    hold = dispute_hold(milestone.pk, currency)
    held = locked_balance(hold)
    if held == 0:
        raise ConflictError(
            "Nothing is held for a dispute on this milestone.",
            code=GigsError.INSUFFICIENT_FUNDS,
            details={"account": hold.kind, "currency": currency, "available": 0, "requested": 0},
        )
    freelancer_amount, client_amount = check_split(
        held, [freelancer_amount, client_amount], fields=["freelancer_amount", "client_amount"]
    )
    fee = check_fee(freelancer_amount, fee)
    lines: list[Line] = [
        (hold, -held),
        *_to_freelancer(contract.freelancer_id, freelancer_amount, fee, currency),
    ]
    if client_amount:
        lines.append((client_refunds(contract.client_id, currency), client_amount))
    return post(
        kind=EntryKind.DISPUTE_RESOLVE,
        lines=lines,
        memo=memo or f"Dispute on milestone {milestone.pk} resolved",
        contract_id=contract.pk,
        milestone_id=milestone.pk,
        reference=reference,
        created_by=created_by,
    )


def clear(
    *,
    user_id: int,
    currency: str,
    amount: int,
    reference: str,
    contract_id: int | None = None,
    milestone_id: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """Released money has cleared: `amount` moves from the freelancer's pending funds to their
    available funds (the clearing sweep, clearing.clear_due, one per release)."""
    amount = check_amount(amount)
    check_currency(currency, settings.GIGS_CURRENCIES)
    return post(
        kind=EntryKind.CLEAR,
        lines=[(pending(user_id, currency), -amount), (available(user_id, currency), amount)],
        memo=memo or "Cleared",
        contract_id=contract_id,
        milestone_id=milestone_id,
        reference=reference,
    )


def payout(
    *,
    user_id: int,
    amount: int,
    currency: str,
    reference: str,
    created_by: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """`amount` of the freelancer's available funds is paid out (the provider's transfer)."""
    amount = check_amount(amount)
    check_currency(currency, settings.GIGS_CURRENCIES)
    return post(
        kind=EntryKind.PAYOUT,
        lines=[(available(user_id, currency), -amount), (payouts(user_id, currency), amount)],
        memo=memo or "Payout",
        reference=reference,
        created_by=created_by,
    )
