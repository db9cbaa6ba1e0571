"""A Hypothesis state machine over the escrow's services (not the raw ledger: that is
test_ledger_invariants.py): a fixed-price contract of three milestones is funded through the
sandbox (which may fail, by the payer's answer or SANDBOX_FAIL_REFERENCES, or stay unanswered
and complete late), submitted, approved, partly released (amounts valid or not), cancelled by
agreement, disputed and resolved (splits valid or not), cleared and paid out (amounts valid or
not). Each step predicts its answer: done, with the money where it says, or refused with the
domain's error code and nothing changed.

After every step the money model holds: every currency's lines sum to zero, no account but
client funding is negative, per milestone released + refunded + held <= funded (the rest in
escrow), and each milestone's money_status agrees with its ledger position. Each example runs
in a savepoint rolled back at its end (as the ledger's machine does); provider callbacks
(refunds, payouts) run at the end of each step, as they would at commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
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

from apps.gigs.ledger import posting
from apps.gigs.ledger.balances import balance, milestone_position
from apps.gigs.ledger.clearing import clear_due
from apps.gigs.models import (
    Contract,
    Dispute,
    DisputeStatus,
    JournalEntry,
    Milestone,
    MoneyStatus,
    PaymentRecord,
    PaymentStatus,
    Payout,
    PayoutStatus,
)
from apps.gigs.payments import sandbox
from apps.gigs.rules.money import fee
from apps.gigs.rules.work import MILESTONE_OPEN
from apps.gigs.services import disputes, escrow, money
from apps.gigs.services import milestones as work
from gigsy.errors import ApplicationError
from tests.gigs.money import check_deferred_constraints, negative_accounts, totals_per_currency
from tests.gigs.work import hire, milestones

pytestmark = pytest.mark.django_db

FEE_PERCENT = "10"
HOLDS = (MoneyStatus.FUNDED, MoneyStatus.PARTIALLY_RELEASED)
FROZEN = (MoneyStatus.DISPUTED, MoneyStatus.RESOLVED)
# Mostly a milestone the step applies to, sometimes any (so refusals are tried too).
picks = st.integers(0, 9)


@dataclass
class World:
    contract_id: int
    milestone_ids: list[int]
    client: Any
    freelancer: Any
    operator: Any
    capture: Callable[..., Any]


@pytest.fixture
def world(
    client_user: Any,
    freelancer: Any,
    operator: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> World:
    settings.GIGS_PLATFORM_FEE_PERCENT = FEE_PERCENT
    settings.SANDBOX_FAIL_REFERENCES = []
    contract = hire(
        client_user, freelancer, parts=[("Design", 30_000), ("Build", 15_000), ("Ship", 5_001)]
    )
    return World(
        contract.pk,
        [m.pk for m in milestones(contract)],
        client_user,
        freelancer,
        operator,
        django_capture_on_commit_callbacks,
    )


class EscrowMachine(RuleBasedStateMachine):
    # The steps that went through, over all examples: the test checks each path was walked.
    reached: Counter[str] = Counter()

    def __init__(self, world: World) -> None:
        super().__init__()
        self.w = world
        self.savepoint = transaction.savepoint()
        self.unanswered: list[str] = []  # sandbox payments nobody confirmed yet

    def teardown(self) -> None:
        check_deferred_constraints()  # every entry of this example balances, says the database
        transaction.savepoint_rollback(self.savepoint)

    # --- helpers ---

    def milestone(
        self, index: int, applies: Callable[[Milestone], bool] | None = None
    ) -> Milestone:
        """Milestone `index` % 3, or (index < 8) one of those `applies` to, when there is one."""
        every = list(Milestone.objects.filter(pk__in=self.w.milestone_ids).order_by("position"))
        fitting = [m for m in every if applies is not None and applies(m)]
        if fitting and index < 8:
            return fitting[index % len(fitting)]
        return every[index % len(every)]

    @property
    def contract(self) -> Contract:
        return Contract.objects.get(pk=self.w.contract_id)

    def escrowed(self, m: Milestone) -> int:
        return balance(posting.escrow(m.pk, "USD"))

    def pending(self) -> int:
        return balance(posting.pending(self.w.freelancer.pk, "USD"))

    def available(self) -> int:
        return balance(posting.available(self.w.freelancer.pk, "USD"))

    @contextmanager
    def step(self) -> Iterator[None]:
        """One request's worth: the callbacks it leaves for commit (the provider's refunds and
        payouts, and their webhooks) run at its end."""
        with self.w.capture(execute=True):
            yield

    def refused(self, codes: set[str], move: Callable[[], Any], m: Milestone | None = None) -> str:
        """`move` is refused with one of `codes` and changes neither the ledger nor `m`."""
        entries = JournalEntry.objects.count()
        before = (m.status, m.money_status) if m is not None else None
        with pytest.raises(ApplicationError) as error, self.step():
            move()
        assert error.value.code in codes, (error.value.code, str(error.value))
        self.reached[f"refused_{error.value.code}"] += 1
        assert JournalEntry.objects.count() == entries
        if m is not None:
            m.refresh_from_db()
            assert (m.status, m.money_status) == before
        return error.value.code

    def party(self, freelancer: bool) -> Any:
        return self.w.freelancer if freelancer else self.w.client

    # --- rules ---

    @initialize()
    def start(self) -> None:
        assert JournalEntry.objects.count() == 0  # the savepoint of the last example is gone
        self.fund(0, "succeed")  # money in escrow from the start: the other steps get turns

    @rule(
        index=picks,
        answer=st.sampled_from(["succeed"] * 3 + ["fail", "fail_reference", "none", "none"]),
    )
    def fund(self, index: int, answer: str) -> None:
        m = self.milestone(index, lambda m: m.status == "pending")
        if m.status != "pending" or m.money_status not in ("unfunded", "funding"):
            self.refused(
                {"invalid_transition"},
                lambda: escrow.fund_milestone(
                    contract_id=self.w.contract_id, milestone_id=m.pk, user=self.w.client
                ),
                m,
            )
            return
        again = m.money_status == MoneyStatus.FUNDING
        with self.step():
            funding = escrow.fund_milestone(
                contract_id=self.w.contract_id, milestone_id=m.pk, user=self.w.client
            )
        assert funding.created is not again
        assert funding.payment.amount == m.amount
        payment_id = funding.payment.provider_payment_id
        if answer == "none":
            if payment_id not in self.unanswered:
                self.unanswered.append(payment_id)
            m.refresh_from_db()
            assert (m.status, m.money_status) == ("pending", "funding")
            assert self.escrowed(m) == 0
            self.reached["fund_none"] += 1
            return
        if payment_id in self.unanswered:
            self.unanswered.remove(payment_id)
        fails = [funding.payment.reference] if answer == "fail_reference" else []
        with override_settings(SANDBOX_FAIL_REFERENCES=fails), self.step():
            sandbox.confirm(
                payment_id=payment_id, outcome="fail" if answer == "fail" else "succeed"
            )
        m.refresh_from_db()
        if answer == "succeed":
            assert (m.status, m.money_status) == ("active", "funded")
            assert self.escrowed(m) == m.amount
        else:
            assert (m.status, m.money_status) == ("pending", "unfunded")
            assert self.escrowed(m) == 0
        self.reached[f"fund_{answer}"] += 1

    @precondition(lambda self: bool(self.unanswered))
    @rule(pick=st.integers(min_value=0))
    def payer_answers_late(self, pick: int) -> None:
        """A payment left unanswered completes now: it funds its milestone if that still waits
        for it, and is returned to the client otherwise (cancelled meanwhile)."""
        payment_id = self.unanswered.pop(pick % len(self.unanswered))
        payment = PaymentRecord.objects.get(provider_payment_id=payment_id)
        assert payment.status == PaymentStatus.CREATED
        assert payment.milestone_id is not None
        m = Milestone.objects.get(pk=payment.milestone_id)
        waits = m.money_status == MoneyStatus.FUNDING and m.payment_reference == payment.reference
        refunds = balance(posting.client_refunds(self.w.client.pk, "USD"))
        with self.step():
            sandbox.confirm(payment_id=payment_id)
        m.refresh_from_db()
        if waits:
            assert (m.status, m.money_status) == ("active", "funded")
            assert self.escrowed(m) == m.amount
        else:
            assert m.money_status != MoneyStatus.FUNDED or m.status == "active"
            after = balance(posting.client_refunds(self.w.client.pk, "USD"))
            assert after == refunds + payment.amount
        self.reached["late_" + ("funds" if waits else "returned")] += 1

    @rule(index=picks)
    def submit(self, index: int) -> None:
        m = self.milestone(
            index, lambda m: m.status in ("active", "changes_requested") and m.money_status in HOLDS
        )

        def move() -> Any:
            return work.submit_milestone(
                contract_id=self.w.contract_id,
                milestone_id=m.pk,
                user=self.w.freelancer,
                note="Done",
            )

        if m.money_status in FROZEN or m.status not in ("active", "changes_requested"):
            self.refused({"invalid_transition"}, move, m)
            return
        with self.step():
            move()
        m.refresh_from_db()
        assert m.status == "submitted"
        self.reached["submit"] += 1

    @rule(index=picks)
    def approve(self, index: int) -> None:
        m = self.milestone(index, lambda m: m.status == "submitted" and m.money_status in HOLDS)

        def move() -> Any:
            return work.approve_milestone(
                contract_id=self.w.contract_id, milestone_id=m.pk, user=self.w.client
            )

        if m.money_status not in HOLDS or m.status != "submitted":
            self.refused({"invalid_transition"}, move, m)
            return
        held, pending = self.escrowed(m), self.pending()
        with self.step():
            move()
        m.refresh_from_db()
        assert (m.status, m.money_status) == ("approved", "released")
        assert self.escrowed(m) == 0
        assert self.pending() == pending + held - fee(held, FEE_PERCENT)
        self.reached["approve"] += 1

    @rule(
        index=picks,
        kind=st.sampled_from(["part", "all", "zero", "over", "text"]),
        part=st.integers(1, 99),
    )
    def release_part(self, index: int, kind: str, part: int) -> None:
        m = self.milestone(index, lambda m: m.money_status in HOLDS)
        held = self.escrowed(m)
        amount: object = {
            "part": max(1, held * part // 100),
            "all": held,
            "zero": 0,
            "over": held + part,
            "text": str(held),
        }[kind]

        def move() -> Any:
            return escrow.release_part(
                contract_id=self.w.contract_id, milestone_id=m.pk, user=self.w.client, amount=amount
            )

        if m.money_status not in HOLDS:
            self.refused({"invalid_transition"}, move, m)
            return
        if kind in ("zero", "over", "text"):
            self.refused({"invalid_amount"}, move, m)
            return
        assert isinstance(amount, int)
        pending = self.pending()
        with self.step():
            move()
        m.refresh_from_db()
        assert self.escrowed(m) == held - amount
        assert self.pending() == pending + amount - fee(amount, FEE_PERCENT)
        assert m.money_status == ("released" if amount == held else "partially_released")
        self.reached["release_part"] += 1

    @rule(index=picks, by_freelancer=st.booleans())
    def cancel_by_agreement(self, index: int, by_freelancer: bool) -> None:
        """One party proposes to cancel (unless a proposal waits already), the other accepts:
        what the escrow holds goes back to the client."""
        m = self.milestone(index, lambda m: m.status in MILESTONE_OPEN)
        proposed = m.cancel_proposed_by_id is not None
        if proposed:
            by_freelancer = m.cancel_proposed_by_id == self.w.freelancer.pk

        def propose() -> Any:
            return work.propose_cancel(
                contract_id=self.w.contract_id,
                milestone_id=m.pk,
                user=self.party(by_freelancer),
                reason="Plans changed",
            )

        def accept() -> Any:
            return work.accept_cancel(
                contract_id=self.w.contract_id,
                milestone_id=m.pk,
                user=self.party(not by_freelancer),
            )

        if m.money_status in FROZEN or m.status not in MILESTONE_OPEN:
            # The proposer and reason stay on a cancelled milestone.
            self.refused({"invalid_transition"}, accept if proposed else propose, m)
            return
        if not proposed:
            with self.step():
                propose()
            m.refresh_from_db()
        if m.money_status == MoneyStatus.RELEASED:
            # Released in full by partial releases: nothing is left to refund.
            self.refused({"invalid_transition"}, accept, m)
            return
        held, money_before = self.escrowed(m), m.money_status
        refunds = balance(posting.client_refunds(self.w.client.pk, "USD"))
        with self.step():
            accept()
        m.refresh_from_db()
        assert m.status == "cancelled"
        assert self.escrowed(m) == 0
        assert balance(posting.client_refunds(self.w.client.pk, "USD")) == refunds + held
        expected = "refunded" if money_before in HOLDS else "unfunded"
        assert m.money_status == expected
        self.reached["cancel"] += 1

    @rule(index=picks, by_freelancer=st.booleans())
    def open_dispute(self, index: int, by_freelancer: bool) -> None:
        m = self.milestone(index, lambda m: m.money_status in HOLDS)

        def move() -> Any:
            return disputes.open_dispute(
                contract_id=self.w.contract_id,
                milestone_id=m.pk,
                user=self.party(by_freelancer),
                reason="Not what we agreed",
            )

        if m.money_status not in HOLDS:
            self.refused({"invalid_transition", "dispute_already_open"}, move, m)
            return
        held = self.escrowed(m)
        with self.step():
            dispute = move()
        m.refresh_from_db()
        assert m.money_status == "disputed"
        assert dispute.held_amount == held
        assert self.escrowed(m) == 0
        assert balance(posting.dispute_hold(m.pk, "USD")) == held
        self.reached["dispute"] += 1

    @precondition(lambda self: Dispute.objects.filter(status=DisputeStatus.OPEN).exists())
    @rule(
        kind=st.sampled_from(["split", "split", "short", "over", "negative"]),
        share=st.integers(0, 100),
    )
    def resolve(self, kind: str, share: int) -> None:
        dispute = Dispute.objects.filter(status=DisputeStatus.OPEN).order_by("id").first()
        assert dispute is not None
        m = Milestone.objects.get(pk=dispute.milestone_id)
        held = balance(posting.dispute_hold(m.pk, "USD"))
        assert held == dispute.held_amount
        to_freelancer = held * share // 100
        to_client = {
            "split": held - to_freelancer,
            "short": held - to_freelancer - 1,
            "over": held - to_freelancer + 1,
            "negative": -1,
        }[kind]

        def move() -> Dispute:
            return disputes.resolve_dispute(
                dispute_id=dispute.pk,
                operator=self.w.operator,
                freelancer_amount=to_freelancer,
                client_amount=to_client,
                reason="Half the work was delivered",
            )

        if kind != "split":
            code = "invalid_amount" if to_client < 0 else "invalid_split"
            self.refused({code}, move, m)
            return
        pending = self.pending()
        refunds = balance(posting.client_refunds(self.w.client.pk, "USD"))
        with self.step():
            move()
        m.refresh_from_db()
        assert m.money_status == "resolved"
        assert balance(posting.dispute_hold(m.pk, "USD")) == 0
        assert self.pending() == pending + to_freelancer - fee(to_freelancer, FEE_PERCENT)
        assert balance(posting.client_refunds(self.w.client.pk, "USD")) == refunds + to_client
        self.reached["resolve"] += 1

    @rule()
    def clear(self) -> None:
        """The clearing sweep, long after every release: all pending money becomes available."""
        pending, available = self.pending(), self.available()
        with self.step():
            clear_due(timezone.now() + timedelta(days=365))
        assert (self.pending(), self.available()) == (0, available + pending)
        self.reached["clear"] += 1 if pending else 0

    @precondition(lambda self: self.available() > 0)
    @rule(part=st.integers(0, 120))
    def payout(self, part: int) -> None:
        available = self.available()
        amount = available * part // 100

        def move() -> Payout:
            return money.request_payout(user=self.w.freelancer, amount=amount, currency="USD")

        if amount == 0:
            self.refused({"invalid_amount"}, move)
            return
        if amount > available:
            self.refused({"insufficient_funds"}, move)
            return
        paid_before = balance(posting.payouts(self.w.freelancer.pk, "USD"))
        with self.step():
            payout = move()
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.PAID  # the sandbox's payout.paid webhook
        assert self.available() == available - amount
        assert balance(posting.payouts(self.w.freelancer.pk, "USD")) == paid_before + amount
        self.reached["payout"] += 1

    # --- invariants ---

    @invariant()
    def every_currency_sums_to_zero(self) -> None:
        assert all(total == 0 for total in totals_per_currency().values())

    @invariant()
    def no_account_but_client_funding_is_negative(self) -> None:
        assert negative_accounts() == []

    @invariant()
    def each_milestone_pays_out_at_most_what_was_funded(self) -> None:
        for m in Milestone.objects.filter(pk__in=self.w.milestone_ids):
            p = milestone_position(m)
            assert min(p.released, p.refunded, p.held, p.in_escrow) >= 0, p
            assert p.released + p.refunded + p.held <= p.funded, p
            assert p.released + p.refunded + p.held + p.in_escrow == p.funded, p

    @invariant()
    def money_status_agrees_with_the_ledger(self) -> None:
        for m in Milestone.objects.filter(pk__in=self.w.milestone_ids):
            p = milestone_position(m)
            status = m.money_status
            if status in ("unfunded", "funding"):
                # Nothing held; a late payment came in and went straight back.
                assert (p.released, p.held, p.in_escrow) == (0, 0, 0), (status, p)
                assert p.funded == p.refunded, (status, p)
            elif status == "funded":
                assert p.in_escrow == m.amount, (status, p)
                assert (p.released, p.held) == (0, 0), (status, p)
            elif status == "partially_released":
                assert p.released > 0 and p.in_escrow > 0, (status, p)
                assert p.held == 0, (status, p)
            elif status == "disputed":
                assert p.held > 0 and p.in_escrow == 0, (status, p)
            else:  # released, refunded, resolved: nothing left anywhere
                assert (p.held, p.in_escrow) == (0, 0), (status, p)
                assert p.released + p.refunded == p.funded > 0, (status, p)
                if status == "released":
                    assert p.released > 0, (status, p)
                if status == "refunded":
                    assert p.refunded > 0, (status, p)
            if m.status == "cancelled":
                assert p.in_escrow == 0 and p.held == 0, (m.status, p)
            if status in (
                "funded",
                "partially_released",
                "disputed",
                "released",
                "refunded",
                "resolved",
            ):
                assert p.funded == m.amount, (status, p)


def test_escrow_invariants_hold_after_any_sequence_of_steps(world: World) -> None:
    EscrowMachine.reached.clear()
    run_state_machine_as_test(
        lambda: EscrowMachine(world),
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            derandomize=True,  # the same sequences every run: a failure reproduces
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # The sequences are derandomized: each path below is walked on every run.
    walked = {name for name, count in EscrowMachine.reached.items() if count}
    assert {
        "fund_succeed",
        "fund_fail",
        "fund_fail_reference",
        "fund_none",
        "submit",
        "approve",
        "release_part",
        "cancel",
        "dispute",
        "resolve",
        "clear",
        "payout",
        "refused_invalid_transition",
        "refused_invalid_amount",
        "refused_insufficient_funds",
    } <= walked, EscrowMachine.reached
