"""Hiring (issue 12): the gig's client accepts an application and a contract starts, with terms
copied from the gig and the bid and its milestones (fixed: the client's plan adding up to the bid,
or one for the whole bid; hourly: one a week of rate x cap). The gig is filled, every other open
application rejected; two accepts racing on one gig make exactly one contract."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, transaction

from apps.gigs.models import (
    Application,
    Contract,
    Gig,
    GigStatus,
    Milestone,
    MilestoneEvent,
)
from apps.gigs.services import hiring
from gigsy.errors import ApplicationError, ConflictError
from tests.gigs.applying import (
    GIGS,
    apply,
    error_of,
    events,
    post_gig,
    post_hourly_gig,
    today,
)
from tests.gigs.conftest import client_for, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def gig(client_user: Any) -> Gig:
    return post_gig(client_user)


def _accept(client_user: Any, application: Application, **body: Any) -> Any:
    return client_for(client_user).post(
        f"{GIGS}/applications/{application.pk}/accept", body, format="json"
    )


def test_accepting_starts_a_contract_and_fills_the_gig(
    gig: Gig, client_user: Any, freelancer: Any, other_freelancer: Any, stranger: Any
) -> None:
    chosen = apply(freelancer, gig, bid=42_000)
    waiting = apply(other_freelancer, gig)
    withdrawn = apply(stranger, gig)
    Application.objects.filter(pk=withdrawn.pk).update(status="withdrawn")

    response = _accept(client_user, chosen)

    assert response.status_code == 201, response.content
    contract = Contract.objects.get()
    assert response["Location"].endswith(f"{GIGS}/contracts/{contract.pk}")
    assert response.json()["contract_id"] == contract.pk
    assert response.json()["application"]["status"] == "accepted"
    assert response.json()["application"]["contract_id"] == contract.pk
    assert (contract.client_id, contract.freelancer_id, contract.application_id) == (
        client_user.pk,
        freelancer.pk,
        chosen.pk,
    )
    assert (contract.title, contract.skills, contract.pricing, contract.currency) == (
        "Build a landing page",
        ["css", "html"],
        "fixed",
        "USD",
    )
    assert (contract.hourly_rate, contract.weekly_hours_cap, contract.status) == (
        None,
        None,
        "active",
    )
    [milestone] = contract.milestones.all()
    assert (milestone.position, milestone.title, milestone.amount, milestone.due_date) == (
        1,
        "Complete the work",
        42_000,
        gig.deadline,
    )
    assert milestone.status == "pending"
    [history] = MilestoneEvent.objects.filter(milestone=milestone)
    assert (history.actor_id, history.from_status, history.to_status, history.action) == (
        client_user.pk,
        "",
        "pending",
        "agreed",
    )

    gig.refresh_from_db()
    assert gig.status == GigStatus.IN_PROGRESS
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {chosen.pk: "accepted", waiting.pk: "rejected", withdrawn.pk: "withdrawn"}
    assert Application.objects.get(pk=waiting.pk).status_reason == "position filled"

    def payload(application: Application) -> dict[str, str]:
        return {
            "application_id": str(application.pk),
            "gig_id": str(gig.pk),
            "gig_title": gig.title,
            "applicant_id": str(application.applicant_id),
            "client_id": str(client_user.pk),
        }

    assert events("application.accepted") == [payload(chosen)]
    assert events("application.rejected") == [payload(waiting)]
    assert [e["status"] for e in events("gig.updated")] == ["in_progress"]
    assert events("contract.started") == [
        {
            "contract_id": str(contract.pk),
            "gig_id": str(gig.pk),
            "gig_title": "Build a landing page",
            "client_id": str(client_user.pk),
            "freelancer_id": str(freelancer.pk),
            "currency": "USD",
            "skills": ["css", "html"],
            "pricing": "fixed",
            "total_amount": 42_000,
            "milestones": [
                {"milestone_id": str(milestone.pk), "title": "Complete the work", "amount": 42_000}
            ],
        }
    ]
    # The rejected applicant sees why; nobody can apply any more.
    seen = client_for(other_freelancer).get(f"{GIGS}/applications/{waiting.pk}").json()
    assert (seen["status"], seen["status_reason"]) == ("rejected", "position filled")
    refused = client_for(stranger).post(
        f"{GIGS}/{gig.pk}/applications", {"cover_letter": "Me", "bid_amount": 1}, format="json"
    )
    assert error_of(refused)["code"] == "gig_not_open"


def test_a_fixed_price_plan_must_add_up_to_the_bid(
    gig: Gig, client_user: Any, freelancer: Any
) -> None:
    chosen = apply(freelancer, gig, bid=45_000)
    plan = [
        {"title": "Design", "amount": 15_000, "due_date": str(today() + timedelta(days=7))},
        {"title": "Build", "amount": 25_000, "due_date": str(today() + timedelta(days=21))},
        {"title": "Launch", "amount": 4_000},
    ]

    short = _accept(client_user, chosen, milestones=plan)
    assert short.status_code == 400
    assert error_of(short)["code"] == "validation_error"
    assert "44000" in error_of(short)["fields"]["milestones"][0]
    assert "45000" in error_of(short)["fields"]["milestones"][0]
    # Nothing happened.
    assert not Contract.objects.exists()
    assert Application.objects.get(pk=chosen.pk).status == "submitted"
    assert Gig.objects.get(pk=gig.pk).status == "open"
    assert events("application.accepted") == []

    plan[2]["amount"] = 5_000
    accepted = _accept(client_user, chosen, milestones=plan)
    assert accepted.status_code == 201, accepted.content
    milestones = list(Milestone.objects.order_by("position"))
    assert [(m.position, m.title, m.amount) for m in milestones] == [
        (1, "Design", 15_000),
        (2, "Build", 25_000),
        (3, "Launch", 5_000),
    ]
    assert [m.due_date for m in milestones] == [
        today() + timedelta(days=7),
        today() + timedelta(days=21),
        None,
    ]
    assert [m["title"] for m in events("contract.started")[0]["milestones"]] == [
        "Design",
        "Build",
        "Launch",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"milestones": []}, "milestones"),
        ({"milestones": [{"title": f"Part {n}", "amount": 1} for n in range(21)]}, "milestones"),
        ({"milestones": [{"title": "All", "amount": 0}]}, "milestones"),
        ({"milestones": [{"title": "", "amount": 45_000}]}, "milestones"),
        ({"milestones": [{"title": "All", "amount": 45_000, "extra": 1}]}, "milestones"),
        (
            {"milestones": [{"title": "All", "amount": 45_000, "due_date": "2001-01-01"}]},
            "milestones",
        ),
        ({"weeks": 2}, "weeks"),  # fixed price: weeks are for hourly gigs
        ({"contract": 1}, "contract"),
    ],
)
def test_bad_plans_are_400_and_change_nothing(
    gig: Gig, client_user: Any, freelancer: Any, body: dict[str, Any], field: str
) -> None:
    chosen = apply(freelancer, gig)
    response = _accept(client_user, chosen, **body)
    assert response.status_code == 400, response.content
    # Nested errors are keyed by their path (`milestones.0.amount`).
    assert [k for k in error_of(response)["fields"] if k.split(".")[0] == field]
    assert not Contract.objects.exists()
    assert Application.objects.get(pk=chosen.pk).status == "submitted"


def test_an_hourly_contract_is_paid_by_the_week(
    client_user: Any, freelancer: Any, settings: Any
) -> None:
    hourly = post_hourly_gig(client_user)  # 10 h a week, deadline in 20 days
    chosen = apply(freelancer, hourly, bid=2_800)

    assert _accept(client_user, chosen).status_code == 201
    contract = Contract.objects.get()
    assert (contract.pricing, contract.hourly_rate, contract.weekly_hours_cap) == (
        "hourly",
        2_800,
        10,
    )
    # Default: the weeks left to the deadline, rounded up (20 days: 3 weeks).
    assert [(m.title, m.amount, m.due_date) for m in contract.milestones.order_by("position")] == [
        ("Week 1", 28_000, today() + timedelta(days=7)),
        ("Week 2", 28_000, today() + timedelta(days=14)),
        ("Week 3", 28_000, today() + timedelta(days=21)),
    ]
    started = events("contract.started")[0]
    assert (started["pricing"], started["total_amount"]) == ("hourly", 84_000)


def test_an_hourly_contract_takes_the_weeks_the_client_gives(
    client_user: Any, freelancer: Any, other_freelancer: Any, settings: Any
) -> None:
    settings.GIGS_MAX_WEEKS = 8
    first = post_hourly_gig(client_user)
    too_long = _accept(client_user, apply(freelancer, first), weeks=9)
    assert too_long.status_code == 400
    assert "weeks" in error_of(too_long)["fields"]
    plan = _accept(
        client_user, apply(other_freelancer, first), milestones=[{"title": "x", "amount": 1}]
    )
    assert plan.status_code == 400
    assert "milestones" in error_of(plan)["fields"]

    assert (
        _accept(client_user, Application.objects.get(applicant=freelancer), weeks=8).status_code
        == 201
    )
    assert Milestone.objects.count() == 8
    # Without a deadline: one week.
    second = post_hourly_gig(client_user, deadline=None)
    assert _accept(client_user, apply(freelancer, second)).status_code == 201
    assert Contract.objects.get(gig=second).milestones.count() == 1
    # A deadline far away is capped at the longest contract.
    third = post_hourly_gig(client_user, deadline=today() + timedelta(days=365))
    hiring.accept(application_id=apply(freelancer, third).pk, user=client_user)
    assert Contract.objects.get(gig=third).milestones.count() == 8


def test_only_the_verified_client_accepts(
    gig: Gig, client_user: Any, freelancer: Any, stranger: Any, operator: Any
) -> None:
    chosen = apply(freelancer, gig)
    assert _accept(freelancer, chosen).status_code == 403
    assert _accept(operator, chosen).status_code == 403
    assert _accept(stranger, chosen).status_code == 404

    get_user_model().objects.filter(pk=client_user.pk).update(email_verified_at=None)
    from django.core.cache import cache

    cache.clear()  # the cached principal: the next request sees the change
    refused = _accept(client_user, chosen)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "email_not_verified")
    assert not Contract.objects.exists()


def test_an_applicant_whose_account_is_gone_cannot_be_hired(
    gig: Gig, client_user: Any, freelancer: Any, other_freelancer: Any
) -> None:
    """Between DELETE /auth/me and gigs.erase_user withdrawing the application (or after an
    operator deactivates the account), accepting it would hire nobody."""
    chosen, other = apply(freelancer, gig), apply(other_freelancer, gig)
    get_user_model().objects.filter(pk=freelancer.pk).update(is_active=False)

    refused = _accept(client_user, chosen)

    assert (refused.status_code, error_of(refused)["code"]) == (409, "applicant_unavailable")
    assert not Contract.objects.exists()
    chosen.refresh_from_db()
    assert chosen.status == "submitted"  # nothing changed: the client can still hire another
    assert _accept(client_user, other).status_code == 201


def test_a_second_accept_on_a_filled_gig_is_refused(
    gig: Gig, client_user: Any, freelancer: Any, other_freelancer: Any
) -> None:
    first, second = apply(freelancer, gig), apply(other_freelancer, gig)
    hiring.accept(application_id=first.pk, user=client_user)

    refused = _accept(client_user, second)
    assert refused.status_code == 409
    assert error_of(refused)["details"] == {"current_status": "rejected", "allowed": []}
    again = _accept(client_user, first)
    assert error_of(again)["details"] == {"current_status": "accepted", "allowed": []}
    assert Contract.objects.count() == 1


def test_a_gig_closed_without_rejecting_cannot_hire(
    gig: Gig, client_user: Any, freelancer: Any
) -> None:
    chosen = apply(freelancer, gig)
    Gig.objects.filter(pk=gig.pk).update(status=GigStatus.CLOSED)
    with pytest.raises(ConflictError) as refused:
        hiring.accept(application_id=chosen.pk, user=client_user)
    assert refused.value.code == "gig_not_open"
    assert not Contract.objects.exists()


def test_the_service_checks_the_plan_too(gig: Gig, client_user: Any, freelancer: Any) -> None:
    chosen = apply(freelancer, gig, bid=10_000)
    with pytest.raises(ApplicationError) as refused:
        hiring.accept(
            application_id=chosen.pk,
            user=client_user,
            milestones=[{"title": "A", "amount": 5_000}, {"title": "B", "amount": 6_000}],
        )
    assert refused.value.fields is not None and "milestones" in refused.value.fields


# --- concurrency ----------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_accepts_racing_on_one_gig_make_one_contract() -> None:
    client = verified(email="cora@example.com", roles=["client"])
    gig = post_gig(client)
    candidates = [
        apply(verified(email=f"f{n}@example.com", roles=["learner"]), gig) for n in range(2)
    ]
    outcomes: list[str] = []
    started = threading.Barrier(3)

    def accept(application: Application) -> None:
        started.wait()
        try:
            hiring.accept(application_id=application.pk, user=client)
            outcomes.append("accepted")
        except ConflictError as exc:
            outcomes.append(str(exc.code))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=accept, args=(a,)) for a in candidates]
    # Hold the gig's row lock while both threads start, so both are inside `accept` at once.
    with transaction.atomic():
        Gig.objects.select_for_update().get(pk=gig.pk)
        for thread in threads:
            thread.start()
        started.wait()
        threading.Event().wait(0.3)
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["accepted", "invalid_transition"]
    assert Contract.objects.count() == 1
    assert sorted(Application.objects.values_list("status", flat=True)) == [
        "accepted",
        "rejected",
    ]
    assert len(events("contract.started")) == 1
    assert Gig.objects.get(pk=gig.pk).status == GigStatus.IN_PROGRESS
