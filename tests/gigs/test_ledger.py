"""The ledger's movements (apps/gigs/ledger/posting.py): each one journal entry with the lines
the money model says, balances derived from them, a milestone's position, references that make
a movement happen once, reversals, and every refusal (insufficient funds, bad amounts, wrong
currency, a split that does not add up)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.gigs.ledger import balances, posting
from apps.gigs.ledger.balances import MilestonePosition, UserBalance
from apps.gigs.ledger.posting import AccountKey
from apps.gigs.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from apps.gigs.rules import money
from gigsy.errors import ApplicationError, ConflictError
from tests.gigs.money import (
    balanced_at_end,  # noqa: F401  # fixture
    contract_with_milestones,
    lines_of,
    negative_accounts,
    totals_per_currency,
)

pytestmark = pytest.mark.usefixtures("balanced_at_end")

CF, ESC, HOLD = AccountKind.CLIENT_FUNDING, AccountKind.ESCROW, AccountKind.DISPUTE_HOLD
PEND, AVAIL = AccountKind.FREELANCER_PENDING, AccountKind.FREELANCER_AVAILABLE
FEES, REF, OUT = AccountKind.PLATFORM_FEES, AccountKind.CLIENT_REFUNDS, AccountKind.PAYOUTS


@pytest.fixture
def deal(client_user, freelancer):
    return contract_with_milestones(client_user, freelancer)


def fund(milestone, client, amount=None, **kwargs):
    return posting.fund(
        milestone=milestone,
        client_id=client.pk,
        amount=amount if amount is not None else milestone.amount,
        currency="USD",
        **kwargs,
    )


def entries() -> int:
    return JournalEntry.objects.count()


# --- the movements, line by line ------------------------------------------------------------------


def test_funding_moves_the_clients_money_into_the_milestones_escrow(deal, client_user):
    contract, first, _ = deal

    entry = fund(first, client_user, created_by=client_user.pk, reference="fund:pi_1")

    assert (entry.kind, entry.contract_id, entry.milestone_id) == ("fund", contract.pk, first.pk)
    assert (entry.created_by_id, entry.reference) == (client_user.pk, "fund:pi_1")
    assert entry.created_at is not None
    assert lines_of(entry) == {(CF, client_user.pk, -30_000), (ESC, first.pk, 30_000)}
    assert set(
        JournalLine.objects.filter(entry_id=entry.pk).values_list("currency", flat=True)
    ) == {"USD"}
    assert balances.milestone_position(first) == MilestonePosition(
        funded=30_000, released=0, refunded=0, held=0, in_escrow=30_000
    )
    assert balances.balance(posting.client_funding(client_user.pk, "USD")) == -30_000


def test_a_release_pays_the_freelancer_less_the_fee_rounded_half_up(deal, client_user, freelancer):
    _, first, _ = deal
    fund(first, client_user)
    fee = money.fee(30_000, Decimal("12.345"))  # 3,703.5 cents -> 3,704
    assert fee == 3_704

    entry = posting.release(milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=fee)

    assert entry.kind == "release"
    assert lines_of(entry) == {
        (ESC, first.pk, -30_000),
        (PEND, freelancer.pk, 26_296),
        (FEES, None, 3_704),
    }
    assert balances.balances_of(freelancer.pk) == [
        UserBalance(currency="USD", pending=26_296, available=0)
    ]
    assert balances.balance(posting.platform_fees("USD")) == 3_704
    assert balances.milestone_position(first.pk) == MilestonePosition(
        funded=30_000, released=30_000, refunded=0, held=0, in_escrow=0
    )


def test_a_release_without_fee_or_all_fee_writes_no_zero_line(deal, client_user, freelancer):
    _, first, second = deal
    fund(first, client_user)
    fund(second, client_user)

    free = posting.release(milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=0)
    all_fee = posting.release(milestone=second, freelancer_id=freelancer.pk, amount=500, fee=500)

    assert lines_of(free) == {(ESC, first.pk, -30_000), (PEND, freelancer.pk, 30_000)}
    assert lines_of(all_fee) == {(ESC, second.pk, -500), (FEES, None, 500)}
    # The platform's fee account is one row per currency, whoever posts to it.
    assert LedgerAccount.objects.filter(kind=FEES).count() == 1


def test_partial_release_then_refund_of_the_rest(deal, client_user, freelancer):
    _, first, _ = deal
    fund(first, client_user)

    posting.release(milestone=first, freelancer_id=freelancer.pk, amount=10_000, fee=1_000)
    refund = posting.refund(milestone=first, client_id=client_user.pk, amount=20_000)

    assert refund.kind == "refund"
    assert lines_of(refund) == {(ESC, first.pk, -20_000), (REF, client_user.pk, 20_000)}
    assert balances.milestone_position(first.pk) == MilestonePosition(
        funded=30_000, released=10_000, refunded=20_000, held=0, in_escrow=0
    )
    assert balances.balance(posting.client_refunds(client_user.pk, "USD")) == 20_000
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=9_000, available=0)]


def test_a_dispute_holds_the_escrow_and_its_resolution_splits_it_in_one_entry(
    deal, client_user, freelancer
):
    _, first, _ = deal
    fund(first, client_user)

    hold = posting.hold_for_dispute(milestone=first, amount=30_000)
    assert lines_of(hold) == {(ESC, first.pk, -30_000), (HOLD, first.pk, 30_000)}
    assert balances.milestone_position(first.pk).held == 30_000

    resolution = posting.resolve_dispute(
        milestone=first, freelancer_amount=18_000, client_amount=12_000, fee=1_800
    )

    assert resolution.kind == "dispute_resolve"
    assert lines_of(resolution) == {
        (HOLD, first.pk, -30_000),
        (PEND, freelancer.pk, 16_200),
        (FEES, None, 1_800),
        (REF, client_user.pk, 12_000),
    }
    assert balances.milestone_position(first.pk) == MilestonePosition(
        funded=30_000, released=18_000, refunded=12_000, held=0, in_escrow=0
    )


def test_a_resolution_all_to_one_side(deal, client_user, freelancer):
    _, first, second = deal
    fund(first, client_user)
    fund(second, client_user)
    posting.hold_for_dispute(milestone=first, amount=30_000)
    posting.hold_for_dispute(milestone=second, amount=20_000)

    to_client = posting.resolve_dispute(
        milestone=first, freelancer_amount=0, client_amount=30_000, fee=0
    )
    to_freelancer = posting.resolve_dispute(
        milestone=second, freelancer_amount=20_000, client_amount=0, fee=2_000
    )

    assert lines_of(to_client) == {(HOLD, first.pk, -30_000), (REF, client_user.pk, 30_000)}
    assert lines_of(to_freelancer) == {
        (HOLD, second.pk, -20_000),
        (PEND, freelancer.pk, 18_000),
        (FEES, None, 2_000),
    }


def test_a_split_must_add_up_to_what_is_held(deal, client_user):
    _, first, second = deal
    fund(first, client_user)
    posting.hold_for_dispute(milestone=first, amount=25_000)
    before = entries()

    with pytest.raises(ApplicationError) as refused:
        posting.resolve_dispute(milestone=first, freelancer_amount=20_000, client_amount=1, fee=0)
    assert refused.value.code == "invalid_split"
    assert refused.value.details == {"total": 25_000}
    assert set(refused.value.fields or {}) == {"freelancer_amount", "client_amount"}

    with pytest.raises(ConflictError) as nothing:
        posting.resolve_dispute(milestone=second, freelancer_amount=0, client_amount=0, fee=0)
    assert nothing.value.code == "insufficient_funds"
    assert entries() == before


def test_clear_and_payout(deal, client_user, freelancer):
    _, first, _ = deal
    fund(first, client_user)
    posting.release(milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=3_000)

    cleared = posting.clear(user_id=freelancer.pk, currency="USD", amount=27_000, reference="c1")
    assert lines_of(cleared) == {(PEND, freelancer.pk, -27_000), (AVAIL, freelancer.pk, 27_000)}
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=0, available=27_000)]

    paid = posting.payout(user_id=freelancer.pk, amount=20_000, currency="USD", reference="po1")
    assert paid.kind == "payout"
    assert lines_of(paid) == {(AVAIL, freelancer.pk, -20_000), (OUT, freelancer.pk, 20_000)}
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=0, available=7_000)]
    assert balances.balance(posting.payouts(freelancer.pk, "USD")) == 20_000
    assert totals_per_currency() == {"USD": 0}


# --- never more than the source holds -------------------------------------------------------------


@pytest.mark.parametrize(
    ("move", "account", "available"),
    [
        ("release", "escrow", 30_000),
        ("refund", "escrow", 30_000),
        ("hold", "escrow", 30_000),
        ("clear", "freelancer_pending", 0),
        ("payout", "freelancer_available", 0),
    ],
)
def test_no_movement_takes_more_than_its_source_holds(
    deal, client_user, freelancer, move, account, available
):
    _, first, _ = deal
    fund(first, client_user)
    before = entries()
    too_much = available + 1
    moves = {
        "release": lambda: posting.release(
            milestone=first, freelancer_id=freelancer.pk, amount=too_much, fee=0
        ),
        "refund": lambda: posting.refund(
            milestone=first, client_id=client_user.pk, amount=too_much
        ),
        "hold": lambda: posting.hold_for_dispute(milestone=first, amount=too_much),
        "clear": lambda: posting.clear(
            user_id=freelancer.pk, currency="USD", amount=too_much, reference="c"
        ),
        "payout": lambda: posting.payout(
            user_id=freelancer.pk, amount=too_much, currency="USD", reference="p"
        ),
    }

    with pytest.raises(ConflictError) as refused:
        moves[move]()

    assert refused.value.code == "insufficient_funds"
    assert refused.value.details == {
        "account": account,
        "currency": "USD",
        "available": available,
        "requested": too_much,
    }
    assert entries() == before
    assert negative_accounts() == []


def test_a_second_release_finds_the_escrow_spent(deal, client_user, freelancer):
    _, first, _ = deal
    fund(first, client_user)
    posting.release(milestone=first, freelancer_id=freelancer.pk, amount=25_000, fee=0)

    with pytest.raises(ConflictError) as refused:
        posting.release(milestone=first, freelancer_id=freelancer.pk, amount=5_001, fee=0)

    assert refused.value.details["available"] == 5_000
    posting.release(milestone=first, freelancer_id=freelancer.pk, amount=5_000, fee=0)
    assert balances.milestone_position(first.pk).in_escrow == 0


# --- references: a movement happens once ---------------------------------------------------------


def test_the_same_reference_again_returns_the_first_entry(deal, client_user, freelancer):
    _, first, _ = deal
    entry = fund(first, client_user, reference="fund:pi_9")

    again = fund(first, client_user, reference="fund:pi_9")

    assert again.pk == entry.pk
    assert entries() == 1
    assert balances.milestone_position(first.pk).funded == 30_000


def test_a_retried_release_returns_the_release_instead_of_insufficient_funds(
    deal, client_user, freelancer
):
    _, first, _ = deal
    fund(first, client_user)
    kwargs = {"milestone": first, "freelancer_id": freelancer.pk, "amount": 30_000, "fee": 300}
    entry = posting.release(reference="release:1", **kwargs)

    assert posting.release(reference="release:1", **kwargs).pk == entry.pk
    assert balances.milestone_position(first.pk).released == 30_000


@pytest.mark.parametrize(
    "change", [{"amount": 29_999}, {"memo": "another"}, {"created_by": "client"}]
)
def test_the_same_reference_with_other_terms_is_refused(deal, client_user, change):
    _, first, _ = deal
    entry = fund(first, client_user, reference="fund:pi_7")
    if change.get("created_by"):
        change = {"created_by": client_user.pk}

    with pytest.raises(ConflictError) as refused:
        fund(first, client_user, reference="fund:pi_7", **change)

    assert refused.value.code == "movement_reference_reused"
    assert refused.value.details == {"entry_id": entry.pk}
    assert entries() == 1


# --- reversals ------------------------------------------------------------------------------------


def test_a_reversal_mirrors_the_entry_once(deal, client_user, freelancer, operator):
    _, first, _ = deal
    funding = fund(first, client_user)

    reversal = posting.reverse(funding, memo="Charged twice", created_by=operator.pk)

    assert (reversal.kind, reversal.reverses_id, reversal.memo) == (
        "reversal",
        funding.pk,
        "Charged twice",
    )
    assert (reversal.contract_id, reversal.milestone_id) == (funding.contract_id, first.pk)
    assert lines_of(reversal) == {(CF, client_user.pk, 30_000), (ESC, first.pk, -30_000)}
    assert balances.milestone_position(first.pk) == MilestonePosition(0, 0, 0, 0, 0)
    # Reversing again is the same reversal; reversing the reversal is refused.
    assert posting.reverse(funding, memo="Charged twice", created_by=operator.pk).pk == reversal.pk
    with pytest.raises(ConflictError) as refused:
        posting.reverse(reversal, memo="undo")
    assert refused.value.code == "not_reversible"
    assert entries() == 2


def test_a_release_already_paid_out_cannot_be_reversed(deal, client_user, freelancer):
    _, first, _ = deal
    fund(first, client_user)
    released = posting.release(milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=0)
    posting.clear(user_id=freelancer.pk, currency="USD", amount=30_000, reference="c")

    with pytest.raises(ConflictError) as refused:
        posting.reverse(released, memo="Mistake")

    assert refused.value.code == "insufficient_funds"
    assert refused.value.details["account"] == "freelancer_pending"


def test_reversing_a_release_puts_the_money_back_in_escrow(deal, client_user, freelancer):
    _, first, _ = deal
    fund(first, client_user)
    released = posting.release(
        milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=3_000
    )

    posting.reverse(released, memo="Released the wrong milestone")

    assert balances.milestone_position(first.pk) == MilestonePosition(30_000, 0, 0, 0, 30_000)
    assert balances.balances_of(freelancer.pk) == [UserBalance("USD", pending=0, available=0)]
    assert balances.balance(posting.platform_fees("USD")) == 0


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1, 10.5, Decimal("10"), True, "100", money.MAX_AMOUNT + 1])
def test_amounts_are_positive_whole_minor_units(deal, client_user, amount):
    _, first, _ = deal

    with pytest.raises(ApplicationError) as refused:
        fund(first, client_user, amount=amount)

    assert refused.value.code == "invalid_amount"
    assert "amount" in (refused.value.fields or {})
    assert entries() == 0


@pytest.mark.parametrize("fee", [-1, 30_001, 1.5])
def test_a_fee_is_between_zero_and_the_amount(deal, client_user, freelancer, fee):
    _, first, _ = deal
    fund(first, client_user)

    with pytest.raises(ApplicationError) as refused:
        posting.release(milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=fee)

    assert refused.value.code == "invalid_amount"
    assert "fee" in (refused.value.fields or {})


@pytest.mark.parametrize("currency", ["EUR", "usd", "XXX", "", None])
def test_funding_takes_only_the_contracts_currency(deal, client_user, currency):
    _, first, _ = deal

    with pytest.raises(ApplicationError) as refused:
        posting.fund(milestone=first, client_id=client_user.pk, amount=100, currency=currency)

    assert refused.value.code == "unsupported_currency"
    assert entries() == 0


def test_the_ledger_refuses_money_for_someone_not_party_to_the_contract(deal, stranger):
    _, first, _ = deal

    with pytest.raises(ValueError, match="not the contract's client"):
        posting.fund(milestone=first, client_id=stranger.pk, amount=100, currency="USD")
    with pytest.raises(ValueError, match="not the contract's freelancer"):
        posting.release(milestone=first, freelancer_id=stranger.pk, amount=100, fee=0)


def test_post_refuses_an_unbalanced_entry_before_writing(client_user):
    funding = posting.client_funding(client_user.pk, "USD")
    fees = posting.platform_fees("USD")
    euros = posting.platform_fees("EUR")
    cases = [
        [(funding, -100), (fees, 99)],
        [(funding, -100), (euros, 100)],  # balanced in sum, not per currency
        [(funding, -100)],
        [(funding, -100), (funding, 100)],
        [(funding, 0), (fees, 0)],
    ]
    for lines in cases:
        with pytest.raises(ValueError):  # noqa: PT011  # UnbalancedEntryError or a bad line
            posting.post(kind="fund", lines=lines)
    with pytest.raises(ValueError, match="need an owner"):
        posting.post(kind="fund", lines=[(AccountKey("escrow", None, "USD"), -1), (fees, 1)])
    assert entries() == 0
    assert LedgerAccount.objects.count() == 0


# --- reading: balances and history ----------------------------------------------------------------


def test_history_explains_each_line_of_a_person(deal, client_user, freelancer):
    contract, first, second = deal
    fund(first, client_user)
    fund(second, client_user)
    posting.release(milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=3_000)
    posting.refund(milestone=second, client_id=client_user.pk, amount=20_000)
    posting.clear(user_id=freelancer.pk, currency="USD", amount=27_000, reference="c")

    mine = list(balances.history(freelancer.pk))
    rows = [
        (line.entry.kind, line.account.kind, line.amount, line.fee, line.milestone_title)
        for line in mine
    ]
    # Newest first; the clear's two lines in the order they were written.
    assert rows == [
        ("clear", PEND, -27_000, None, None),
        ("clear", AVAIL, 27_000, None, None),
        ("release", PEND, 27_000, 3_000, "Design"),
    ]
    assert mine[-1].contract_title == contract.title
    assert mine[-1].entry.contract_id == contract.pk

    theirs = [
        (line.entry.kind, line.account.kind, line.amount, line.milestone_title)
        for line in balances.history(client_user.pk)
    ]
    assert theirs == [
        ("refund", REF, 20_000, "Build"),
        ("fund", CF, -20_000, "Build"),
        ("fund", CF, -30_000, "Design"),
    ]


def test_balances_are_per_currency_and_only_the_persons(deal, client_user, freelancer):
    _, first, _ = deal
    fund(first, client_user)
    posting.release(milestone=first, freelancer_id=freelancer.pk, amount=30_000, fee=0)
    posting.clear(user_id=freelancer.pk, currency="USD", amount=100, reference="partial")
    # Euros from elsewhere, through an escrow account whose owner (a milestone id) is the
    # freelancer's id: the escrow is not theirs, the pending euros are.
    euros = [
        (posting.client_funding(client_user.pk, "EUR"), -500),
        (posting.escrow(freelancer.pk, "EUR"), 5),
        (posting.pending(freelancer.pk, "EUR"), 495),
    ]
    posting.post(kind="fund", lines=euros)

    assert balances.balances_of(freelancer.pk) == [
        UserBalance("EUR", pending=495, available=0),
        UserBalance("USD", pending=29_900, available=100),
    ]
    assert balances.balances_of(client_user.pk) == []
    assert totals_per_currency() == {"EUR": 0, "USD": 0}
