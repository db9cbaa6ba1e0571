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

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self, cast

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

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
# Computed once: `Choices.values` builds a new list on every access.
ACCOUNT_KINDS = frozenset(AccountKind.values)
ENTRY_KINDS = frozenset(EntryKind.values)
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


# Tables, for the hand-written SQL of the hot path: a posting is three statements (lock, read,
# write) besides BEGIN and COMMIT, each compiled once here instead of by the ORM per call.
_ACCOUNT = LedgerAccount._meta.db_table
_ENTRY = JournalEntry._meta.db_table
_LINE = JournalLine._meta.db_table


class _PreparedCursor(psycopg.Cursor[Any]):
    """Binds parameters on the server and prepares every statement: PostgreSQL parses and
    plans each of the few hot statements of post() once per connection instead of on every
    posting (planning these joins cost more than running them; bench/gigs.py's ledger phase
    measures the difference, docs/decisions/0029)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Self:
        return super().execute(query, params, prepare=True)


def _cursor() -> CursorWrapper:
    """A prepared-statement cursor on Django's connection, wrapped like any Django cursor:
    query logging and CaptureQueriesContext see its statements. (Through PgBouncer, this needs
    its transaction mode with max_prepared_statements, 1.21+; docs/decisions/0029.)"""
    connection.ensure_connection()
    connection.validate_thread_sharing()
    psycopg_connection = connection.connection
    if psycopg_connection.prepare_threshold is None:
        # Django turns psycopg's preparation off; only server-binding cursors (these) prepare,
        # Django's own client-binding cursors never do.
        psycopg_connection.prepare_threshold = 0
    raw = cast(Any, _PreparedCursor(psycopg_connection))
    return (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )


def _keys_json(keys: Sequence[AccountKey]) -> str:
    # The keys as one parameter, NULL owners included: [[kind, owner_id, currency], ...].
    return json.dumps([[k.kind, k.owner_id, k.currency] for k in keys])


def _ids_of(keys: Sequence[AccountKey]) -> tuple[str, list[Any]]:
    """A subquery of the ids of the existing accounts among `keys`, with its parameter. A join
    per key on the unique index (kind, owner_id, currency): owned accounts by equality, the
    platform's (no owner) by IS NULL; an IS NOT DISTINCT FROM or an OR would not use it."""
    sql = f"""
        WITH k AS (
            SELECT k->>0 AS kind, (k->>1)::bigint AS owner_id, k->>2 AS currency
            FROM jsonb_array_elements(%s::jsonb) AS k
        )
        SELECT a.id FROM k JOIN {_ACCOUNT} a
          ON a.kind = k.kind AND a.owner_id = k.owner_id AND a.currency = k.currency
        UNION ALL
        SELECT a.id FROM k JOIN {_ACCOUNT} a
          ON a.kind = k.kind AND a.owner_id IS NULL AND k.owner_id IS NULL
         AND a.currency = k.currency
    """  # noqa: S608  # the table name is the model's; values are parameters
    return sql, [_keys_json(keys)]


def _lock(keys: Sequence[AccountKey]) -> list[int]:
    """Lock the named accounts' rows, in id order: every poster takes them in the same order,
    so two entries taking from the same accounts wait for each other instead of deadlocking.
    Returns their ids; an account that does not exist holds nothing and is not there to lock."""
    ids, params = _ids_of(keys)
    with _cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_ACCOUNT} WHERE id IN ({ids}) ORDER BY id FOR UPDATE",  # noqa: S608
            params,
        )
        return [pk for (pk,) in cursor.fetchall()]


def _read(
    keys: Sequence[AccountKey], *, balances_of: Sequence[int] = (), reference: str | None
) -> tuple[dict[AccountKey, tuple[int, int | None]], int | None]:
    """One statement: the id of each existing account of `keys` with the balance of those whose
    id is in `balances_of` (None for the others), and the id of the entry holding `reference`,
    if any. Taken after the locks, in a statement of its own: under READ COMMITTED a statement
    sees what was committed before it began, so the sums include the lines of the transaction
    that held a lock this one waited for."""
    ids, params = _ids_of(keys)
    sql = f"""
        SELECT a.id, a.kind, a.owner_id, a.currency,
               CASE WHEN a.id = ANY(%s::bigint[])
                    THEN (SELECT coalesce(sum(l.amount), 0) FROM {_LINE} l
                          WHERE l.account_id = a.id)
               END
        FROM {_ACCOUNT} a WHERE a.id IN ({ids})
        UNION ALL
        SELECT e.id, NULL, NULL, NULL, NULL FROM {_ENTRY} e WHERE e.reference = %s
    """  # noqa: S608  # table names are the models'; values are parameters
    found: dict[AccountKey, tuple[int, int | None]] = {}
    existing = None
    with _cursor() as cursor:
        cursor.execute(sql, [list(balances_of), *params, reference])
        for pk, kind, owner_id, currency, total in cursor.fetchall():
            if kind is None:
                existing = pk
            else:
                found[AccountKey(kind, owner_id, currency)] = (
                    pk,
                    None if total is None else int(total),
                )
    return found, existing


def _create(keys: Sequence[AccountKey]) -> None:
    """Create the accounts, whatever others create meanwhile: ON CONFLICT DO NOTHING on
    (kind, owner, currency) makes two first postings to one account create one row (the second
    waits for the first's commit, then reads its row). In one order everywhere: two
    transactions creating the same new accounts wait on the first instead of each holding one
    the other needs."""
    ordered = sorted(keys, key=lambda k: (k.kind, k.owner_id or 0, k.currency))
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(kind=k.kind, owner_id=k.owner_id, currency=k.currency) for k in ordered],
        ignore_conflicts=True,
    )


def account_ids(keys: Sequence[AccountKey]) -> dict[AccountKey, int]:
    """The ids of the named accounts, creating the missing ones (safe under concurrency)."""
    found, _ = _read(keys, reference=None)
    missing = set(keys) - found.keys()
    if missing:
        _create(list(missing))
        # A new statement: it sees rows another transaction committed while this one waited.
        found |= _read(list(missing), reference=None)[0]
    return {key: pk for key, (pk, _) in found.items()}


def locked_balance(key: AccountKey) -> int:
    """One account's balance with its row locked until the transaction ends (for a movement
    that must know what an account holds before it decides the amounts, a dispute's split)."""
    found, _ = _read([key], balances_of=_lock([key]), reference=None)
    return _balance(found, key)


def _balance(found: dict[AccountKey, tuple[int, int | None]], key: AccountKey) -> int:
    """The balance `_read` summed for `key`; 0 for an account that does not exist yet."""
    return (found[key][1] or 0) if key in found else 0


# --- posting --------------------------------------------------------------------------------------


def _check_lines(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise UnbalancedEntryError("a journal entry has at least two lines")
    keys = [key for key, _ in lines]
    if len(set(keys)) != len(keys):
        raise UnbalancedEntryError("a journal entry names each account once")
    for key, amount in lines:
        if key.kind not in ACCOUNT_KINDS:
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


# The entry and its lines in one statement. With a reference another transaction committed
# first, the entry is not inserted, nor therefore any line, and no row comes back.
_INSERT = f"""
    WITH entry AS (
        INSERT INTO {_ENTRY}
            (kind, memo, contract_id, milestone_id, reverses_id, created_by_id, reference)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (reference) DO NOTHING
        RETURNING id, created_at
    ), lines AS (
        INSERT INTO {_LINE} (entry_id, account_id, amount, currency)
        SELECT entry.id, (l->>0)::bigint, (l->>1)::bigint, l->>2
        FROM entry, jsonb_array_elements(%s::jsonb) AS l
    )
    SELECT id, created_at FROM entry
"""  # noqa: S608  # table names are the models'; values are parameters


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
    """Record one movement: an entry and its lines (one INSERT statement). The lines must sum
    to zero per currency (checked here, and again by the database at commit); an account
    other than client funding never goes below zero (409 `insufficient_funds`, under the row
    locks of the accounts it takes from). With a `reference`, posting the same movement again
    returns the first entry; other terms under that reference are a 409
    `movement_reference_reused`."""
    if kind not in ENTRY_KINDS:
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
    keys = [key for key, _ in lines]
    takes = {key: amount for key, amount in lines if amount < 0 and key.kind not in MAY_GO_NEGATIVE}
    locked = _lock(list(takes)) if takes else []
    found, existing = _read(keys, balances_of=locked, reference=reference)
    # After the locks: a retry that waited behind its first attempt finds it here, instead of
    # being refused for the funds that first attempt moved.
    if existing is not None:
        return _same_or_refuse(JournalEntry.objects.get(pk=existing), body)
    for key, amount in takes.items():
        held = _balance(found, key)
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
    ids = {key: pk for key, (pk, _) in found.items()}
    missing = [key for key in keys if key not in ids]
    if missing:  # the first posting to these accounts (only ever credited: takes exist)
        ids |= account_ids(missing)
    with _cursor() as cursor:
        cursor.execute(
            _INSERT,
            [
                kind,
                memo,
                contract_id,
                milestone_id,
                reverses_id,
                created_by,
                reference,
                json.dumps([[ids[key], amount, key.currency] for key, amount in lines]),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        # The same reference was committed by another transaction while this one inserted.
        return _same_or_refuse(JournalEntry.objects.get(reference=reference), body)
    entry_id, created_at = row
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
