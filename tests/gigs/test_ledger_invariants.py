"""A Hypothesis state machine over the ledger's movements (fund, release, partial release,
refund, dispute hold and resolution, clearing, payout, reversal) on four milestones in two
currencies, with amounts that are often more than the source holds.

A model of every account's balance predicts each movement: allowed, it must post exactly the
model's lines; otherwise it must be refused with `insufficient_funds` and change nothing.
After every step the invariants of the money model hold: the lines of each currency sum to
zero, no account but client funding is negative, and per milestone released + refunded + held
never exceeds funded (the rest is its escrow). Each example runs in a savepoint rolled back at
its end, so examples do not see each other's money."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from apps.gigs.ledger import balances, posting
from apps.gigs.ledger.clearing import clear_due
from apps.gigs.ledger.posting import AccountKey
from apps.gigs.models import AccountKind, Contract, JournalEntry, Milestone
from apps.gigs.rules import money
from gigsy.errors import ConflictError
from tests.gigs.money import check_deferred_constraints, negative_accounts, totals_per_currency
from tests.gigs.work import hire, milestones

CLEARING_DAYS = 5
amounts = st.integers(min_value=1, max_value=40_000)
# What a movement takes, in percent of what its source holds: above 100 is refused.
parts = st.integers(min_value=1, max_value=120)
percents = st.sampled_from([Decimal(0), Decimal("10"), Decimal("12.5"), Decimal("33.333"), 100])


@dataclass
class World:
    client_id: int
    freelancer_id: int
    milestones: list[Milestone]


@pytest.fixture
def world(client_user, freelancer, settings) -> World:
    settings.GIGS_CLEARING_DAYS = CLEARING_DAYS
    usd = hire(client_user, freelancer, parts=[("A", 30_000), ("B", 20_000)])
    eur = hire(client_user, freelancer, parts=[("C", 10_000), ("D", 5_000)])
    Contract.objects.filter(pk=eur.pk).update(currency="EUR")
    eur.currency = "EUR"
    parts = []
    for contract in (usd, eur):
        for milestone in milestones(contract):
            milestone.contract = contract
            parts.append(milestone)
    return World(client_user.pk, freelancer.pk, parts)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.savepoint = transaction.savepoint()
        self.model: defaultdict[AccountKey, int] = defaultdict(int)
        # Entries posted in this example: (entry, its lines as the model posted them).
        self.entries: list[tuple[JournalEntry, list[tuple[AccountKey, int]]]] = []
        self.reversed: set[int] = set()
        # Releases (and resolutions) whose pending credit waits for clearing, in entry order.
        self.clearing: list[tuple[int, AccountKey, AccountKey, int]] = []
        self.steps = 0

    def teardown(self) -> None:
        check_deferred_constraints()  # every entry of this example balances, says the database
        transaction.savepoint_rollback(self.savepoint)

    # --- helpers ---

    def currency(self, milestone: Milestone) -> str:
        return milestone.contract.currency

    def fits(self, lines: list[tuple[AccountKey, int]]) -> bool:
        return all(
            self.model[key] + amount >= 0
            for key, amount in lines
            if key.kind != AccountKind.CLIENT_FUNDING
        )

    def apply(self, lines: list[tuple[AccountKey, int]]) -> None:
        for key, amount in lines:
            self.model[key] += amount

    def expect(self, lines: list[tuple[AccountKey, int]], move: Any) -> JournalEntry | None:
        """Run `move`: posted with exactly `lines` when the model says the money is there,
        refused with insufficient_funds and nothing written otherwise."""
        before = JournalEntry.objects.count()
        if not self.fits(lines):
            with pytest.raises(ConflictError) as refused:
                move()
            assert refused.value.code == "insufficient_funds"
            assert JournalEntry.objects.count() == before
            return None
        entry = move()
        posted = {
            (AccountKey(kind, owner, cur), amount)
            for kind, owner, cur, amount in entry.lines.values_list(
                "account__kind", "account__owner_id", "account__currency", "amount"
            )
        }
        assert posted == set(lines)
        self.apply(lines)
        self.entries.append((entry, lines))
        return entry

    def holding(self, account: Any) -> list[Milestone]:
        """The milestones whose `account` (posting.escrow or posting.dispute_hold) holds money."""
        return [m for m in self.world.milestones if self.model[account(m.pk, self.currency(m))] > 0]

    def part_of(self, key: AccountKey, part: int) -> int:
        return max(1, self.model[key] * part // 100)

    def available(self) -> list[AccountKey]:
        """The freelancer's available funds: [EUR, USD] (indexed by `usd`)."""
        return [posting.available(self.world.freelancer_id, cur) for cur in ("EUR", "USD")]

    def to_freelancer(self, cur: str, amount: int, fee: int) -> list[tuple[AccountKey, int]]:
        lines = []
        if amount - fee:
            lines.append((posting.pending(self.world.freelancer_id, cur), amount - fee))
        if fee:
            lines.append((posting.platform_fees(cur), fee))
        return lines

    # --- rules ---

    @initialize()
    def start(self) -> None:
        assert JournalEntry.objects.count() == 0  # the savepoint of the last example is gone

    # Funding stops while escrow is plentiful, so the other movements get their turns.
    @precondition(lambda self: len(self.holding(posting.escrow)) < 3)
    @rule(index=st.integers(0, 3), amount=amounts)
    def fund(self, index: int, amount: int) -> None:
        m = self.world.milestones[index]
        cur = self.currency(m)
        lines = [
            (posting.client_funding(self.world.client_id, cur), -amount),
            (posting.escrow(m.pk, cur), amount),
        ]
        self.expect(
            lines,
            lambda: posting.fund(
                milestone=m, client_id=self.world.client_id, amount=amount, currency=cur
            ),
        )

    @precondition(lambda self: bool(self.holding(posting.escrow)))
    @rule(pick=st.integers(min_value=0), part=parts, percent=percents)
    def release(self, pick: int, part: int, percent: Decimal) -> None:
        """A release of part of the escrow (partial release), all of it (100) or too much."""
        funded = self.holding(posting.escrow)
        m = funded[pick % len(funded)]
        cur = self.currency(m)
        amount = self.part_of(posting.escrow(m.pk, cur), part)
        fee = money.fee(amount, percent)
        lines = [(posting.escrow(m.pk, cur), -amount), *self.to_freelancer(cur, amount, fee)]
        entry = self.expect(
            lines,
            lambda: posting.release(
                milestone=m, freelancer_id=self.world.freelancer_id, amount=amount, fee=fee
            ),
        )
        if entry is not None and amount - fee:
            self.clearing.append(
                (
                    entry.pk,
                    posting.pending(self.world.freelancer_id, cur),
                    posting.available(self.world.freelancer_id, cur),
                    amount - fee,
                )
            )

    @precondition(lambda self: bool(self.holding(posting.escrow)))
    @rule(pick=st.integers(min_value=0), part=parts)
    def refund(self, pick: int, part: int) -> None:
        funded = self.holding(posting.escrow)
        m = funded[pick % len(funded)]
        cur = self.currency(m)
        amount = self.part_of(posting.escrow(m.pk, cur), part)
        lines = [
            (posting.escrow(m.pk, cur), -amount),
            (posting.client_refunds(self.world.client_id, cur), amount),
        ]
        self.expect(
            lines,
            lambda: posting.refund(milestone=m, client_id=self.world.client_id, amount=amount),
        )

    @precondition(lambda self: bool(self.holding(posting.escrow)))
    @rule(pick=st.integers(min_value=0), part=parts)
    def hold(self, pick: int, part: int) -> None:
        funded = self.holding(posting.escrow)
        m = funded[pick % len(funded)]
        cur = self.currency(m)
        amount = self.part_of(posting.escrow(m.pk, cur), part)
        lines = [(posting.escrow(m.pk, cur), -amount), (posting.dispute_hold(m.pk, cur), amount)]
        self.expect(lines, lambda: posting.hold_for_dispute(milestone=m, amount=amount))

    @precondition(lambda self: bool(self.holding(posting.dispute_hold)))
    @rule(pick=st.integers(min_value=0), share=st.integers(0, 100), percent=percents)
    def resolve(self, pick: int, share: int, percent: Decimal) -> None:
        """An operator's split of a dispute hold."""
        disputed = self.holding(posting.dispute_hold)
        m = disputed[pick % len(disputed)]
        cur = self.currency(m)
        hold = posting.dispute_hold(m.pk, cur)
        held = self.model[hold]
        to_freelancer = held * share // 100
        fee = money.fee(to_freelancer, percent)

        def move() -> JournalEntry:
            return posting.resolve_dispute(
                milestone=m,
                freelancer_amount=to_freelancer,
                client_amount=held - to_freelancer,
                fee=fee,
            )

        lines = [(hold, -held), *self.to_freelancer(cur, to_freelancer, fee)]
        if held - to_freelancer:
            lines.append((posting.client_refunds(self.world.client_id, cur), held - to_freelancer))
        entry = self.expect(lines, move)
        assert entry is not None
        if to_freelancer - fee:
            fid = self.world.freelancer_id
            self.clearing.append(
                (
                    entry.pk,
                    posting.pending(fid, cur),
                    posting.available(fid, cur),
                    to_freelancer - fee,
                )
            )

    @precondition(lambda self: bool(self.clearing))
    @rule(days=st.sampled_from([0, CLEARING_DAYS - 1, CLEARING_DAYS + 1]))
    def clear(self, days: int) -> None:
        expected = 0
        if days > CLEARING_DAYS:
            waiting = []
            for entry_id, pending, available, amount in self.clearing:
                if entry_id in self.reversed:
                    continue
                if self.model[pending] < amount:
                    waiting.append((entry_id, pending, available, amount))
                    continue
                self.apply([(pending, -amount), (available, amount)])
                expected += 1
            self.clearing = waiting
        assert clear_due(timezone.now() + timedelta(days=days)) == expected

    @precondition(lambda self: self.clearing or any(self.model[k] for k in self.available()))
    @rule(usd=st.booleans(), part=parts)
    def payout(self, usd: bool, part: int) -> None:
        cur = "USD" if usd else "EUR"
        fid = self.world.freelancer_id
        if not self.model[posting.available(fid, cur)] and self.model[self.available()[not usd]]:
            cur = "EUR" if usd else "USD"  # the currency that has some
        amount = self.part_of(posting.available(fid, cur), part)
        self.steps += 1
        lines = [(posting.available(fid, cur), -amount), (posting.payouts(fid, cur), amount)]
        self.expect(
            lines,
            lambda: posting.payout(
                user_id=fid, amount=amount, currency=cur, reference=f"payout:{self.steps}"
            ),
        )

    @precondition(lambda self: bool(self.entries))
    @rule(pick=st.integers(min_value=0))
    def reverse(self, pick: int) -> None:
        entry, lines = self.entries[pick % len(self.entries)]
        if entry.kind == "reversal":
            with pytest.raises(ConflictError) as refused:
                posting.reverse(entry, memo="undo")
            assert refused.value.code == "not_reversible"
            return
        if entry.pk in self.reversed:
            before = JournalEntry.objects.count()
            assert posting.reverse(entry, memo="undo").reverses_id == entry.pk
            assert JournalEntry.objects.count() == before  # the same reversal, once
            return
        mirror = [(key, -amount) for key, amount in lines]
        if self.expect(mirror, lambda: posting.reverse(entry, memo="undo")) is not None:
            self.reversed.add(entry.pk)

    # --- invariants ---

    @invariant()
    def every_currency_sums_to_zero(self) -> None:
        assert all(total == 0 for total in totals_per_currency().values())

    @invariant()
    def no_account_but_client_funding_is_negative(self) -> None:
        assert negative_accounts() == []

    @invariant()
    def balances_are_what_the_model_says(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT a.kind, a.owner_id, a.currency, sum(l.amount)
                FROM "gigs"."journal_line" l JOIN "gigs"."ledger_account" a ON a.id = l.account_id
                GROUP BY a.id
                """
            )
            actual = {AccountKey(k, o, c): int(t) for k, o, c, t in cursor.fetchall()}
        assert actual == {key: value for key, value in self.model.items() if key in actual}
        assert all(self.model[key] == 0 for key in self.model.keys() - actual.keys())

    @invariant()
    def no_milestone_pays_out_more_than_was_funded(self) -> None:
        for m in self.world.milestones:
            p = balances.milestone_position(m.pk)
            assert p.released + p.refunded + p.held <= p.funded
            assert p.released + p.refunded + p.held + p.in_escrow == p.funded
            cur = self.currency(m)
            assert p.in_escrow == self.model[posting.escrow(m.pk, cur)]
            assert p.held == self.model[posting.dispute_hold(m.pk, cur)]


def test_ledger_invariants_hold_after_any_sequence_of_movements(world):
    run_state_machine_as_test(
        lambda: LedgerMachine(world),
        settings=settings(
            max_examples=25,
            stateful_step_count=40,
            derandomize=True,  # the same sequences every run: a failure reproduces
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
