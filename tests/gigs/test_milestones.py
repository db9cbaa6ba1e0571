"""Milestones as work through the API: the whole path, every illegal step (409 naming the
current status and the allowed actions), who may take each step, hourly hours, cancellation by
agreement, the history and the events with their payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.models import User
from apps.gigs.models import Contract, Gig, Milestone
from apps.gigs.rules.transitions import allowed_actions
from apps.gigs.rules.work import MILESTONES, Action, Party
from apps.gigs.rules.work import allowed_actions as actions_for
from apps.gigs.services import milestones as steps
from gigsy.api.authentication import forget_cached_user
from tests.gigs.conftest import client_for
from tests.gigs.work import (
    GIGS,
    data_of,
    events,
    fund,
    fund_now,
    hire,
    history,
    milestones,
    parties,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(client_user, freelancer) -> Contract:
    return hire(client_user, freelancer)


@pytest.fixture
def p(contract, client_user, freelancer):
    return parties(contract, client_user, freelancer)


def test_the_whole_work_path(p, client_user, freelancer):
    first, second = milestones(p.contract)
    assert [m.status for m in (first, second)] == ["pending", "pending"]

    started = fund(p, first)
    assert (started["status"], started["money_status"]) == ("active", "funded")
    assert started["actions"] == ["release", "cancel"]  # the client waits for the work
    assert p.ok("freelancer", first, "submit", {"note": "Mock-ups attached"})["status"] == (
        "submitted"
    )
    sent_back = p.ok("client", first, "request-changes", {"note": "Bigger logo, please"})
    assert (sent_back["status"], sent_back["changes_note"]) == (
        "changes_requested",
        "Bigger logo, please",
    )
    resubmitted = p.ok("freelancer", first, "submit", {"note": "Logo enlarged"})
    assert resubmitted["submission_note"] == "Logo enlarged"
    assert resubmitted["auto_approves_at"] is not None
    approved = p.ok("client", first, "approve")
    assert (approved["status"], approved["contract_status"]) == ("approved", "active")
    assert approved["approved_at"] is not None
    assert approved["approved_amount"] == 30_000
    assert approved["actions"] == []

    fund(p, second)
    p.ok("freelancer", second, "submit")
    last = p.ok("client", second, "approve")

    assert last["contract_status"] == "completed"
    p.contract.refresh_from_db()
    assert p.contract.status == "completed"
    assert p.contract.ended_at is not None
    assert Gig.objects.get(pk=p.contract.gig_id).status == "completed"
    assert history(first) == [
        ("agreed", "", "pending"),
        ("fund", "pending", "active"),
        ("submit", "active", "submitted"),
        ("request_changes", "submitted", "changes_requested"),
        ("submit", "changes_requested", "submitted"),
        ("approve", "submitted", "approved"),
    ]
    assert len(events("milestone.submitted")) == 3
    assert [e.data["milestone_id"] for e in events("milestone.approved")] == [
        str(first.pk),
        str(second.pk),
    ]
    [completed] = data_of("contract.completed")
    assert completed["total_amount"] == completed["approved_amount"] == 50_000
    assert [d["reason"] for d in data_of("gig.closed")] == ["completed"]


def test_events_carry_the_contract_the_parties_the_amount_and_the_skills(
    p, client_user, freelancer
):
    milestone = milestones(p.contract)[0]
    fund(p, milestone)
    p.ok("freelancer", milestone, "submit", {"note": "Done"})
    p.ok("client", milestone, "approve")

    common = {
        "contract_id": str(p.contract.pk),
        "gig_id": str(p.contract.gig_id),
        "gig_title": "Build a shop",
        "client_id": str(client_user.pk),
        "freelancer_id": str(freelancer.pk),
        "currency": "USD",
        "skills": ["django", "python"],
        "milestone_id": str(milestone.pk),
        "milestone_title": "Design",
        "amount": 30_000,
    }
    [submitted] = events("milestone.submitted")
    assert submitted.data == common | {"hours_worked": None}
    assert submitted.actor_id == str(freelancer.pk)
    [approved] = events("milestone.approved")
    assert approved.actor_id == str(client_user.pk)
    assert approved.data.pop("approved_at")
    assert approved.data == common | {
        "automatic": False,
        "approved_amount": 30_000,
        "hours_worked": None,
    }


# --- illegal steps --------------------------------------------------------------------------------

# Who takes each work step, and the URL segment that takes it.
WORK = {
    "fund": ("client", "fund", None),
    "submit": ("freelancer", "submit", {"note": "x"}),
    "request_changes": ("client", "request-changes", {"note": "x"}),
    "approve": ("client", "approve", None),
    "cancel": ("freelancer", "cancel", {"reason": "x"}),
}


def bring_to(milestone: Milestone, status: str, client: Any, freelancer: Any) -> None:
    """Move a pending milestone to `status` through the services."""
    ids = {"contract_id": milestone.contract_id, "milestone_id": milestone.pk}
    path = {
        "pending": [],
        "active": ["fund"],
        "submitted": ["fund", "submit"],
        "changes_requested": ["fund", "submit", "changes"],
        "approved": ["fund", "submit", "approve"],
        "cancelled": ["propose", "accept"],
    }[status]
    for step in path:
        if step == "fund":
            fund_now(milestone.contract, milestone, client)
        elif step == "submit":
            steps.submit_milestone(user=freelancer, **ids)
        elif step == "changes":
            steps.request_changes(user=client, note="Again", **ids)
        elif step == "approve":
            steps.approve_milestone(user=client, **ids)
        elif step == "propose":
            steps.propose_cancel(user=client, reason="No longer needed", **ids)
        else:
            steps.accept_cancel(user=freelancer, **ids)


ILLEGAL = [
    (status, action)
    for status in ("pending", "active", "submitted", "changes_requested", "approved", "cancelled")
    for action in WORK
    if status not in MILESTONES[action].sources
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_every_illegal_step_is_409_naming_the_status_and_the_allowed_actions(
    p, client_user, freelancer, status, action
):
    milestone = milestones(p.contract)[0]
    bring_to(milestone, status, client_user, freelancer)
    before = history(milestone)
    who, step, body = WORK[action]

    response = p.step(who, milestone, step, body)

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["details"] == {
        "current_status": status,
        "allowed": allowed_actions(MILESTONES, status),
    }
    assert f"`{action}`" in error["message"]
    milestone.refresh_from_db()
    assert milestone.status == status
    assert history(milestone) == before


def test_illegal_steps_cover_the_whole_table():
    assert len(ILLEGAL) == 6 * 5 - sum(len(t.sources) for t in MILESTONES.values())
    assert ("approved", "cancel") in ILLEGAL
    assert ("changes_requested", "approve") in ILLEGAL


def test_answering_a_cancellation_nobody_proposed_is_409(p):
    milestone = milestones(p.contract)[0]
    for step in ("cancel/accept", "cancel/decline", "cancel/withdraw"):
        response = p.step("client", milestone, step)
        assert response.status_code == 409, step
        assert response.json()["error"]["code"] == "no_cancellation_proposed"


# --- who may take each step -----------------------------------------------------------------------

STEPS = [
    ("fund", None, "client"),
    ("release", {"amount": 100}, "client"),
    ("submit", {"note": "x"}, "freelancer"),
    ("request-changes", {"note": "x"}, "client"),
    ("approve", None, "client"),
    ("cancel", {"reason": "x"}, None),
    ("cancel/accept", None, None),
    ("cancel/decline", None, None),
    ("cancel/withdraw", None, None),
]


OWNED = [s for s in STEPS if s[2] is not None]  # the cancellation steps are either party's


@pytest.mark.parametrize(("step", "body", "owner"), OWNED, ids=[s[0] for s in OWNED])
def test_a_step_of_the_other_party_is_403_and_nothing_changes(p, step, body, owner):
    milestone = milestones(p.contract)[0]
    other = "freelancer" if owner == "client" else "client"

    response = p.step(other, milestone, step, body)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert history(milestone) == [("agreed", "", "pending")]


@pytest.mark.parametrize(("step", "body", "owner"), STEPS, ids=[s[0] for s in STEPS])
def test_strangers_get_404_operators_403_and_anonymous_401(
    p, stranger, operator, step, body, owner
):
    milestone = milestones(p.contract)[0]
    target = url(p.contract, milestone, step)

    key = {"HTTP_IDEMPOTENCY_KEY": "walk"}  # the money-moving steps require one
    lost = client_for(stranger).post(target, body or {}, format="json", **key)
    moderator = client_for(operator).post(target, body or {}, format="json", **key)
    anonymous = client_for(stranger)
    anonymous.credentials()
    nobody = anonymous.post(target, body or {}, format="json", **key)

    assert lost.status_code == 404
    assert lost.json()["error"]["code"] == "not_found"
    assert moderator.status_code == 403
    assert nobody.status_code == 401
    assert history(milestone) == [("agreed", "", "pending")]


def test_operators_read_contracts_milestones_and_history(p, operator, stranger):
    milestone = milestones(p.contract)[0]
    staff, outsider = client_for(operator), client_for(stranger)
    paths = (url(p.contract), url(p.contract, milestone), url(p.contract, milestone, "history"))
    for path in paths:
        assert staff.get(path).status_code == 200, path
        assert outsider.get(path).status_code == 404, path
    body = staff.get(url(p.contract)).json()
    assert body["my_role"] is None
    assert all(m["actions"] == [] for m in body["milestones"])


def test_a_milestone_of_another_contract_is_404(p, client_user, other_freelancer):
    elsewhere = milestones(hire(client_user, other_freelancer))[0]
    wrong = f"{GIGS}/contracts/{p.contract.pk}/milestones/{elsewhere.pk}"
    assert p.client.post(f"{wrong}/fund", HTTP_IDEMPOTENCY_KEY="k").status_code == 404
    assert p.client.get(wrong).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == "pending"


def test_an_unverified_client_cannot_fund_and_an_unverified_freelancer_cannot_submit(
    p, client_user, freelancer
):
    milestone = milestones(p.contract)[0]
    User.objects.filter(pk=client_user.pk).update(email_verified_at=None)
    forget_cached_user(client_user.pk)  # as accounts does when it changes a user

    refused = p.step("client", milestone, "fund")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_not_verified"
    User.objects.filter(pk=client_user.pk).update(email_verified_at=freelancer.email_verified_at)
    User.objects.filter(pk=freelancer.pk).update(email_verified_at=None)
    forget_cached_user(client_user.pk)
    forget_cached_user(freelancer.pk)
    fund(p, milestone)
    refused = p.step("freelancer", milestone, "submit")
    assert refused.json()["error"]["code"] == "email_not_verified"


def test_changes_need_a_note_and_cancellations_a_reason(p):
    milestone = milestones(p.contract)[0]
    fund(p, milestone)
    p.ok("freelancer", milestone, "submit")

    for step, body, field in (
        ("request-changes", {}, "note"),
        ("request-changes", {"note": "   "}, "note"),
        ("cancel", {"reason": ""}, "reason"),
    ):
        response = p.step("client", milestone, step, body)
        assert response.status_code == 400, (step, body)
        assert field in response.json()["error"]["fields"]
    milestone.refresh_from_db()
    assert milestone.status == "submitted"


# --- hourly contracts -----------------------------------------------------------------------------


@pytest.fixture
def hourly(client_user, freelancer):
    return parties(hire(client_user, freelancer, hourly=True, weeks=2), client_user, freelancer)


def test_an_hourly_week_is_submitted_with_the_hours_worked(hourly, client_user, freelancer):
    week = milestones(hourly.contract)[0]
    assert (week.title, week.amount) == ("Week 1", 30_000)  # 3,000 x 10 hours
    fund(hourly, week)

    missing = hourly.step("freelancer", week, "submit", {"note": "Fixed bugs"})
    over = hourly.step("freelancer", week, "submit", {"hours_worked": "10.25"})
    none = hourly.step("freelancer", week, "submit", {"hours_worked": "0"})
    assert missing.status_code == over.status_code == none.status_code == 400
    assert "hours_worked" in missing.json()["error"]["fields"]
    assert over.json()["error"]["code"] == "hours_over_cap"
    assert over.json()["error"]["details"] == {"cap": 10}
    assert "hours_worked" in none.json()["error"]["fields"]

    body = hourly.ok("freelancer", week, "submit", {"hours_worked": "7.25", "note": "Bugs"})
    assert body["hours_worked"] == "7.25"
    assert body["approved_amount"] == 21_750
    approved = hourly.ok("client", week, "approve")
    assert approved["approved_amount"] == 21_750

    [submitted] = data_of("milestone.submitted")
    assert (submitted["hours_worked"], submitted["amount"]) == ("7.25", 30_000)
    [event] = data_of("milestone.approved")
    assert (event["approved_amount"], event["amount"], event["hours_worked"]) == (
        21_750,
        30_000,
        "7.25",
    )


def test_exactly_the_cap_is_accepted_and_a_fixed_contract_takes_no_hours(
    hourly, p, client_user, freelancer
):
    week = milestones(hourly.contract)[0]
    fund(hourly, week)
    assert hourly.ok("freelancer", week, "submit", {"hours_worked": "10"})["hours_worked"] == (
        "10.00"
    )

    part = milestones(p.contract)[0]
    fund(p, part)
    refused = p.step("freelancer", part, "submit", {"hours_worked": "3"})
    assert refused.status_code == 400
    assert "hours_worked" in refused.json()["error"]["fields"]


def test_an_hourly_contract_completes_with_the_hours_approved(hourly):
    submitted = []
    for hours, week in zip(("8", "4.5"), milestones(hourly.contract), strict=True):
        fund(hourly, week)
        hourly.ok("freelancer", week, "submit", {"hours_worked": hours})
        submitted.append(hourly.ok("client", week, "approve"))

    assert submitted[-1]["contract_status"] == "completed"
    [completed] = data_of("contract.completed")
    assert completed["total_amount"] == 60_000  # two weeks at the cap
    assert completed["approved_amount"] == 24_000 + 13_500


# --- cancellation by agreement --------------------------------------------------------------------


def test_cancellation_by_agreement(p, client_user, freelancer):
    milestone = milestones(p.contract)[0]
    fund(p, milestone)

    proposed = p.ok("freelancer", milestone, "cancel", {"reason": "Scope changed"})
    assert proposed["status"] == "active"
    assert proposed["cancellation"] == {"proposed_by": "freelancer", "reason": "Scope changed"}
    assert proposed["actions"] == ["submit", "withdraw_cancel"]
    assert proposed["money_status"] == "funded"
    shown = p.client.get(url(p.contract, milestone)).json()
    assert shown["actions"] == ["release", "accept_cancel", "decline_cancel"]

    again = p.step("client", milestone, "cancel", {"reason": "Me too"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "cancellation_pending"
    assert again.json()["error"]["details"] == {"proposed_by": "freelancer"}
    own = p.step("freelancer", milestone, "cancel/accept")
    assert (own.status_code, own.json()["error"]["code"]) == (409, "own_proposal")
    own = p.step("freelancer", milestone, "cancel/decline")
    assert (own.status_code, own.json()["error"]["code"]) == (409, "own_proposal")
    theirs = p.step("client", milestone, "cancel/withdraw")
    assert theirs.status_code == 403

    declined = p.ok("client", milestone, "cancel/decline")
    assert (declined["status"], declined["cancellation"]) == ("active", None)

    p.ok("client", milestone, "cancel", {"reason": "Budget cut"})
    withdrawn = p.ok("client", milestone, "cancel/withdraw")
    assert withdrawn["cancellation"] is None
    assert withdrawn["actions"] == ["release", "cancel"]

    p.ok("client", milestone, "cancel", {"reason": "Budget cut, really"})
    cancelled = p.ok("freelancer", milestone, "cancel/accept")
    assert (cancelled["status"], cancelled["contract_status"]) == ("cancelled", "active")
    assert cancelled["money_status"] == "refunded"  # the escrow went back (test_escrow.py)
    assert cancelled["actions"] == []

    assert history(milestone)[2:] == [
        ("propose_cancel", "active", "active"),
        ("decline_cancel", "active", "active"),
        ("propose_cancel", "active", "active"),
        ("withdraw_cancel", "active", "active"),
        ("propose_cancel", "active", "active"),
        ("cancel", "active", "cancelled"),
    ]
    [event] = events("milestone.cancelled")
    assert event.actor_id == str(freelancer.pk)
    assert event.data["milestone_id"] == str(milestone.pk)
    assert event.data["amount"] == 30_000


def test_work_goes_on_while_a_cancellation_is_proposed_and_an_approval_clears_it(p):
    milestone = milestones(p.contract)[0]
    p.ok("client", milestone, "cancel", {"reason": "Maybe not"})
    fund(p, milestone)
    p.ok("freelancer", milestone, "submit")

    approved = p.ok("client", milestone, "approve")

    assert approved["cancellation"] is None
    milestone.refresh_from_db()
    assert (milestone.cancel_proposed_by_id, milestone.cancel_reason) == (None, "")


def test_cancelling_every_milestone_cancels_the_contract_and_its_gig(p, client_user):
    for milestone in milestones(p.contract):
        p.ok("client", milestone, "cancel", {"reason": "Project dropped"})
        last = p.ok("freelancer", milestone, "cancel/accept")

    assert last["contract_status"] == "cancelled"
    p.contract.refresh_from_db()
    gig = Gig.objects.get(pk=p.contract.gig_id)
    assert (p.contract.status, gig.status) == ("cancelled", "cancelled")
    assert gig.status_reason
    [cancelled] = data_of("contract.cancelled")
    assert cancelled["total_amount"] == 50_000
    assert data_of("contract.completed") == []
    assert [d["status"] for d in data_of("gig.closed")] == ["cancelled"]


# --- the rules the API shows ----------------------------------------------------------------------


def test_allowed_actions_per_party():
    client, freelancer = Party.CLIENT, Party.FREELANCER
    assert actions_for(status="pending", party=client, proposed_by=None) == [
        Action.FUND,
        Action.PROPOSE_CANCEL,
    ]
    assert actions_for(status="pending", party=freelancer, proposed_by=None) == [
        Action.PROPOSE_CANCEL
    ]
    assert actions_for(
        status="submitted", party=client, proposed_by=freelancer, money_status="funded"
    ) == [
        Action.REQUEST_CHANGES,
        Action.APPROVE,
        Action.RELEASE,
        Action.ACCEPT_CANCEL,
        Action.DECLINE_CANCEL,
    ]
    assert actions_for(
        status="changes_requested",
        party=freelancer,
        proposed_by=freelancer,
        money_status="partially_released",
    ) == [Action.SUBMIT, Action.WITHDRAW_CANCEL]
    # A dispute freezes the work: nothing for either party until an operator resolves it.
    for money in ("disputed", "resolved"):
        for party in (client, freelancer):
            assert (
                actions_for(status="submitted", party=party, proposed_by=None, money_status=money)
                == []
            )
    assert actions_for(status="approved", party=client, proposed_by=None) == []
    assert actions_for(status="active", party=None, proposed_by=None) == []


def test_hourly_amounts_round_half_up_to_the_minor_unit():
    from apps.gigs.rules.work import hourly_amount

    assert hourly_amount(rate=3_333, hours=Decimal("1.5")) == 5_000  # 4,999.5
    assert hourly_amount(rate=3_333, hours=Decimal("1.49")) == 4_966  # 4,966.17
    assert hourly_amount(rate=1, hours=Decimal("0.5")) == 1
    assert hourly_amount(rate=2_500, hours=Decimal("10")) == 25_000
