"""The platform approves a submitted milestone the client leaves unanswered for
GIGS_AUTO_APPROVE_DAYS (the beat task "gigs.auto_approve_milestones"): once, with the state
re-checked under the row locks, and never twice when a client acts at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from apps.gigs.models import Contract, Milestone, MilestoneEvent
from apps.gigs.services import milestones as steps
from apps.gigs.services.milestones import auto_approve_due
from apps.gigs.tasks.milestones import auto_approve_milestones
from gigsy.errors import ConflictError
from tests.gigs.work import (
    age_submission,
    data_of,
    events,
    fund_now,
    hire,
    history,
    milestones,
    parties,
)

pytestmark = pytest.mark.django_db


def submitted(contract: Contract, client: Any, freelancer: Any, index: int = 0) -> Milestone:
    milestone = milestones(contract)[index]
    ids = {"contract_id": contract.pk, "milestone_id": milestone.pk}
    fund_now(contract, milestone, client)
    steps.submit_milestone(user=freelancer, note="Done", **ids)
    return milestone


@pytest.fixture
def contract(client_user, freelancer) -> Contract:
    return hire(client_user, freelancer)


def test_a_submission_left_unanswered_is_approved_by_the_platform(
    contract, client_user, freelancer, settings
):
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=settings.GIGS_AUTO_APPROVE_DAYS + 0.01)

    assert auto_approve_due() == 1

    milestone.refresh_from_db()
    assert milestone.status == "approved"
    last = MilestoneEvent.objects.filter(milestone=milestone).order_by("at", "id").last()
    assert (last.action, last.actor_id, last.from_status) == ("approve", None, "submitted")
    assert "platform" in last.note
    [event] = events("milestone.approved")
    assert event.actor_id is None
    assert event.data["automatic"] is True
    assert event.data["milestone_id"] == str(milestone.pk)
    assert event.data["approved_amount"] == 30_000


def test_fresh_submissions_and_other_states_are_left_alone(
    contract, client_user, freelancer, settings
):
    fresh = submitted(contract, client_user, freelancer, 0)
    age_submission(fresh, days=settings.GIGS_AUTO_APPROVE_DAYS - 0.01)
    sent_back = submitted(contract, client_user, freelancer, 1)
    steps.request_changes(
        contract_id=contract.pk, milestone_id=sent_back.pk, user=client_user, note="Again"
    )
    age_submission(sent_back, days=30)  # old, but the client answered

    assert auto_approve_due() == 0

    assert [m.status for m in milestones(contract)] == ["submitted", "changes_requested"]
    assert events("milestone.approved") == []


def test_a_milestone_with_a_cancellation_proposed_is_left_to_the_parties(
    contract, client_user, freelancer
):
    milestone = submitted(contract, client_user, freelancer)
    steps.propose_cancel(
        contract_id=contract.pk, milestone_id=milestone.pk, user=client_user, reason="Not this"
    )
    age_submission(milestone, days=30)

    assert auto_approve_due() == 0
    steps.decline_cancel(contract_id=contract.pk, milestone_id=milestone.pk, user=freelancer)
    assert auto_approve_due() == 1


def test_sweeping_twice_approves_once_and_the_last_one_completes_the_contract(
    client_user, freelancer
):
    contract = hire(client_user, freelancer, parts=[("All of it", 50_000)])
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=30)

    assert auto_approve_due() == 1
    assert auto_approve_due() == 0

    contract.refresh_from_db()
    assert contract.status == "completed"
    assert len(events("milestone.approved")) == 1
    [completed] = events("contract.completed")
    assert completed.actor_id is None  # the platform ended it
    assert [a for a, _, _ in history(milestone)].count("approve") == 1


def test_limit_bounds_one_sweep(contract, client_user, freelancer):
    for index in (0, 1):
        age_submission(submitted(contract, client_user, freelancer, index), days=30)

    assert auto_approve_due(limit=1) == 1
    assert auto_approve_due(limit=1) == 1
    assert auto_approve_due(limit=1) == 0


def test_the_celery_task_runs_the_sweep_and_beat_schedules_it(
    contract, client_user, freelancer, settings
):
    age_submission(submitted(contract, client_user, freelancer), days=30)

    assert auto_approve_milestones.apply().get() == 1
    assert auto_approve_milestones() == 0
    assert auto_approve_milestones.name == "gigs.auto_approve_milestones"
    entry = settings.CELERY_BEAT_SCHEDULE["gigs.auto_approve_milestones"]
    assert entry["task"] == auto_approve_milestones.name
    assert entry["schedule"] == settings.GIGS_AUTO_APPROVE_SWEEP_SECONDS > 0


def test_the_days_are_a_setting(contract, client_user, freelancer, settings):
    settings.GIGS_AUTO_APPROVE_DAYS = 3
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=3.01)

    assert auto_approve_due() == 1


def test_the_api_says_when_a_submission_approves_itself(contract, client_user, freelancer):
    milestone = submitted(contract, client_user, freelancer)
    milestone.refresh_from_db()
    p = parties(contract, client_user, freelancer)

    shown = p.client.get(f"/api/v1/gigs/contracts/{contract.pk}/milestones/{milestone.pk}").json()

    due = milestone.submitted_at.timestamp() + 14 * 86400
    assert shown["auto_approves_at"] is not None
    assert parse_datetime(shown["auto_approves_at"]).timestamp() == pytest.approx(due)


# --- under concurrency (real transactions, one connection per thread) -----------------------------


@pytest.mark.django_db(transaction=True)
def test_a_milestone_held_by_a_request_is_skipped_not_waited_for(client_user, freelancer):
    contract = hire(client_user, freelancer)
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=30)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Contract.objects.select_for_update().get(pk=contract.pk)
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        assert auto_approve_due() == 0  # returns at once instead of blocking
    finally:
        release.set()
        holder.join(timeout=10)

    assert auto_approve_due() == 1
    assert len(events("milestone.approved")) == 1


def _race(*actions: Callable[[], Any]) -> list[Any]:
    """Run `actions` in threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as exc:  # the loser's refusal is part of the result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_the_sweep_racing_the_clients_approval_approves_exactly_once(
    client_user, freelancer, round_
):
    contract = hire(client_user, freelancer, parts=[("All of it", 50_000)])
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=30)

    def approve() -> Any:
        return steps.approve_milestone(
            contract_id=contract.pk, milestone_id=milestone.pk, user=client_user
        )

    swept, manual = _race(auto_approve_due, approve)

    # Either the sweep approved (the client's late approval is a 409) or the client did (the
    # sweep skipped the locked row, then found it approved).
    if swept == 1:
        assert isinstance(manual, ConflictError), manual
        assert manual.code == "invalid_transition"
    else:
        assert swept == 0
        assert isinstance(manual, Milestone), manual
    milestone.refresh_from_db()
    assert milestone.status == "approved"
    assert [a for a, _, _ in history(milestone)].count("approve") == 1
    assert len(events("milestone.approved")) == 1
    assert len(events("contract.completed")) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_the_sweep_racing_a_change_request_ends_with_one_outcome(client_user, freelancer, round_):
    contract = hire(client_user, freelancer)
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=30)

    def send_back() -> Any:
        return steps.request_changes(
            contract_id=contract.pk, milestone_id=milestone.pk, user=client_user, note="Redo"
        )

    swept, manual = _race(auto_approve_due, send_back)

    milestone.refresh_from_db()
    approvals = data_of("milestone.approved")
    if swept == 1:  # the platform was first: the change request came too late
        assert isinstance(manual, ConflictError), manual
        assert milestone.status == "approved"
        assert len(approvals) == 1
    else:  # the client was first: nothing was approved
        assert isinstance(manual, Milestone), manual
        assert milestone.status == "changes_requested"
        assert approvals == []
    moves = [a for a, _, _ in history(milestone)]
    assert moves.count("approve") + moves.count("request_changes") == 1


def _holding(action: Callable[[], Any]) -> tuple[threading.Thread, threading.Event, list[Any]]:
    """Run `action` in a thread inside a transaction kept open until the returned event is set
    (the thread signals through `holding` once `action` ran)."""
    holding, release = threading.Event(), threading.Event()
    outcome: list[Any] = []

    def run() -> None:
        try:
            with transaction.atomic():
                outcome.append(action())
                holding.set()
                release.wait(timeout=10)
        except Exception as exc:  # reported to the test
            outcome.append(exc)
            holding.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert holding.wait(timeout=10)
    return thread, release, outcome


@pytest.mark.django_db(transaction=True)
def test_an_approval_in_flight_wins_and_the_sweep_finds_it_done(client_user, freelancer):
    contract = hire(client_user, freelancer, parts=[("All of it", 50_000)])
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=30)

    thread, release, outcome = _holding(
        lambda: steps.approve_milestone(
            contract_id=contract.pk, milestone_id=milestone.pk, user=client_user
        )
    )
    try:
        assert auto_approve_due() == 0  # the rows are held: skipped, not waited for
    finally:
        release.set()
        thread.join(timeout=10)

    assert isinstance(outcome[0], Milestone)
    assert auto_approve_due() == 0  # re-checked: approved already
    assert len(events("milestone.approved")) == 1
    assert events("milestone.approved")[0].data["automatic"] is False


@pytest.mark.django_db(transaction=True)
def test_a_sweep_in_flight_wins_and_the_clients_late_step_is_409(client_user, freelancer):
    contract = hire(client_user, freelancer, parts=[("All of it", 50_000)])
    milestone = submitted(contract, client_user, freelancer)
    age_submission(milestone, days=30)

    thread, release, outcome = _holding(auto_approve_due)
    late: list[Any] = []

    def send_back() -> None:
        try:
            late.append(
                steps.request_changes(
                    contract_id=contract.pk, milestone_id=milestone.pk, user=client_user, note="x"
                )
            )
        except ConflictError as exc:
            late.append(exc)
        finally:
            connection.close()

    client = threading.Thread(target=send_back)
    client.start()
    client.join(timeout=0.5)
    assert client.is_alive()  # waiting for the sweep's row lock
    release.set()
    thread.join(timeout=10)
    client.join(timeout=10)

    assert outcome == [1]
    [refusal] = late
    assert isinstance(refusal, ConflictError)
    assert refusal.details == {"current_status": "approved", "allowed": []}
    milestone.refresh_from_db()
    assert milestone.status == "approved"
    assert len(events("milestone.approved")) == 1
