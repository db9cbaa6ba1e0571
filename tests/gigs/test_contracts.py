"""Contracts through the API: my contracts (filters, pages, query budget), one contract with
its milestones and what I may do on each, a milestone's history, milestones a client adds,
and how a contract ends (completed, cancelled, its gig)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.gigs.models import Contract, Gig, Milestone
from apps.gigs.rules.work import MAX_MILESTONES
from apps.gigs.services import applications, hiring
from apps.gigs.services import gigs as gig_services
from apps.gigs.services import milestones as steps
from tests.gigs.conftest import client_for
from tests.gigs.work import (
    GIGS,
    data_of,
    fund,
    hire,
    history,
    milestones,
    parties,
    submit_all,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(client_user, freelancer) -> Contract:
    return hire(client_user, freelancer)


@pytest.fixture
def p(contract, client_user, freelancer):
    return parties(contract, client_user, freelancer)


# --- my contracts ---------------------------------------------------------------------------------


def test_my_contracts_as_client_and_as_freelancer(contract, client_user, freelancer, stranger):
    # The stranger hires the freelancer too: two contracts for Finn, one each for the others.
    other = hire(stranger, freelancer, parts=[("Logo", 9_000)])
    finn = client_for(freelancer)

    mine = finn.get(f"{GIGS}/contracts").json()
    assert mine["count"] == 2
    assert [c["id"] for c in mine["results"]] == [other.pk, contract.pk]  # newest first
    first = mine["results"][1]
    assert first["my_role"] == "freelancer"
    assert first["other_party"] == {"id": client_user.pk, "display_name": "Cora Client"}
    assert (first["total_amount"], first["milestone_count"], first["milestones_ended"]) == (
        50_000,
        2,
        0,
    )
    assert first["status"] == "active"

    cora = client_for(client_user).get(f"{GIGS}/contracts").json()
    assert [c["id"] for c in cora["results"]] == [contract.pk]
    assert cora["results"][0]["my_role"] == "client"
    assert cora["results"][0]["other_party"]["display_name"] == "Finn Freelancer"


def test_filters_by_role_and_status(contract, client_user, freelancer, stranger):
    # Sam is a client of Finn's and a freelancer for Cora.
    as_client = hire(stranger, freelancer, parts=[("Logo", 9_000)])
    gig = gig_services.create_gig(
        client=client_user,
        publish=True,
        title="Second gig",
        description="More",
        budget_amount=5_000,
        currency="USD",
    )
    application = applications.apply(
        gig_id=gig.pk, user=stranger, cover_letter="Me", bid_amount=5_000
    )
    as_freelancer = hiring.accept(application_id=application.pk, user=client_user)
    sam = client_for(stranger)

    def ids(query: str) -> list[int]:
        response = sam.get(f"{GIGS}/contracts{query}")
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids("") == [as_freelancer.pk, as_client.pk]
    assert ids("?role=client") == [as_client.pk]
    assert ids("?role=freelancer") == [as_freelancer.pk]
    [only] = milestones(as_freelancer)
    steps.propose_cancel(
        contract_id=as_freelancer.pk, milestone_id=only.pk, user=client_user, reason="Changed"
    )
    steps.accept_cancel(contract_id=as_freelancer.pk, milestone_id=only.pk, user=stranger)
    assert ids("?status=cancelled") == [as_freelancer.pk]
    assert ids("?status=active&role=client") == [as_client.pk]
    for bad in ("?status=nope", "?role=operator", "?page=0"):
        refused = sam.get(f"{GIGS}/contracts{bad}")
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["code"] == "validation_error"


def test_strangers_and_operators_have_no_contracts_of_their_own(contract, stranger, operator):
    for user in (stranger, operator):
        assert client_for(user).get(f"{GIGS}/contracts").json()["count"] == 0
    anonymous = client_for(stranger)
    anonymous.credentials()
    assert anonymous.get(f"{GIGS}/contracts").status_code == 401


def test_the_contract_list_costs_the_same_for_one_contract_or_many(
    client_user, freelancer, django_assert_max_num_queries
):
    finn = client_for(freelancer)
    finn.get("/api/v1/auth/me")  # the authenticated user is cached from here on
    hire(client_user, freelancer)

    # count, rows with their sums, the other parties' names
    with django_assert_max_num_queries(3):
        assert finn.get(f"{GIGS}/contracts").json()["count"] == 1
    for n in range(4):
        hire(client_user, freelancer, parts=[(f"Part {n}", 1_000 + n)])
    with django_assert_max_num_queries(3):
        assert finn.get(f"{GIGS}/contracts").json()["count"] == 5


# --- one contract ---------------------------------------------------------------------------------


def test_a_contract_page_shows_the_parties_milestones_and_my_actions(p, client_user, freelancer):
    first = milestones(p.contract)[0]
    fund(p, first)

    mine = p.client.get(url(p.contract)).json()
    theirs = p.freelancer.get(url(p.contract)).json()

    assert mine["client"] == {"id": client_user.pk, "display_name": "Cora Client"}
    assert mine["freelancer"] == {"id": freelancer.pk, "display_name": "Finn Freelancer"}
    assert (mine["my_role"], theirs["my_role"]) == ("client", "freelancer")
    assert (mine["pricing"], mine["currency"]) == ("fixed", "USD")
    assert mine["skills"] == ["django", "python"]
    assert (mine["total_amount"], mine["approved_amount"]) == (50_000, 0)
    assert [m["title"] for m in mine["milestones"]] == ["Design", "Build"]
    assert [m["actions"] for m in mine["milestones"]] == [
        ["release", "cancel"],
        ["fund", "cancel"],
    ]
    assert [m["money_status"] for m in mine["milestones"]] == ["funded", "unfunded"]
    assert [m["actions"] for m in theirs["milestones"]] == [["submit", "cancel"], ["cancel"]]
    assert mine["can_review"] is theirs["can_review"] is False
    assert mine["review_window_ends_at"] is None


def test_someone_elses_contract_is_404(p, stranger, other_freelancer):
    assert client_for(stranger).get(url(p.contract)).status_code == 404
    assert client_for(other_freelancer).get(url(p.contract)).status_code == 404
    assert p.client.get(f"{GIGS}/contracts/{p.contract.pk + 1000}").status_code == 404


def test_the_contract_page_costs_the_same_whatever_its_milestones(
    client_user, freelancer, django_assert_max_num_queries
):
    small = hire(client_user, freelancer, parts=[("One", 1_000)])
    big = hire(client_user, freelancer, parts=[(f"Part {n}", 1_000) for n in range(12)])
    cora = client_for(client_user)
    cora.get("/api/v1/auth/me")

    # contract, milestones, the parties' names (accounts); the review check only once ended
    for contract in (small, big):
        with django_assert_max_num_queries(3):
            assert cora.get(url(contract)).status_code == 200


def test_a_milestone_history_names_who_took_each_step(p, client_user, freelancer):
    milestone = milestones(p.contract)[0]
    fund(p, milestone)
    p.ok("freelancer", milestone, "submit", {"note": "Here"})
    Milestone.objects.filter(pk=milestone.pk).update(
        submitted_at=timezone.now() - timedelta(days=30)
    )
    steps.auto_approve_due()

    page = p.freelancer.get(url(p.contract, milestone, "history")).json()

    assert page["count"] == 4
    assert [(e["action"], e["actor_role"], e["actor_id"]) for e in page["results"]] == [
        ("agreed", "client", client_user.pk),
        ("fund", "client", client_user.pk),  # confirmed by the provider, paid by the client
        ("submit", "freelancer", freelancer.pk),
        ("approve", "platform", None),
    ]
    assert page["results"][2]["note"] == "Here"
    assert (page["results"][3]["from_status"], page["results"][3]["to_status"]) == (
        "submitted",
        "approved",
    )


def test_the_history_is_paginated_with_a_fixed_budget(p, django_assert_max_num_queries):
    milestone = milestones(p.contract)[0]
    fund(p, milestone)
    for n in range(3):
        p.ok("freelancer", milestone, "submit", {"note": f"Try {n}"})
        p.ok("client", milestone, "request-changes", {"note": "Again"})
    p.client.get("/api/v1/auth/me")

    # contract, milestone, count, rows
    with django_assert_max_num_queries(4):
        page = p.client.get(url(p.contract, milestone, "history") + "?page_size=3").json()
    assert page["count"] == 8
    assert len(page["results"]) == 3
    assert page["next"] is not None


# --- how a contract ends --------------------------------------------------------------------------


def test_approved_and_cancelled_milestones_complete_a_contract(p):
    first, second = milestones(p.contract)
    fund(p, first)
    p.ok("freelancer", first, "submit")
    p.ok("client", first, "approve")
    p.ok("freelancer", second, "cancel", {"reason": "Out of time"})
    ended = p.ok("client", second, "cancel/accept")

    assert ended["contract_status"] == "completed"
    page = p.client.get(url(p.contract)).json()
    assert page["status"] == "completed"
    assert page["ended_at"] is not None
    assert (page["total_amount"], page["approved_amount"]) == (30_000, 30_000)
    [completed] = data_of("contract.completed")
    assert completed == {
        "contract_id": str(p.contract.pk),
        "gig_id": str(p.contract.gig_id),
        "gig_title": "Build a shop",
        "client_id": str(p.contract.client_id),
        "freelancer_id": str(p.contract.freelancer_id),
        "currency": "USD",
        "skills": ["django", "python"],
        "total_amount": 50_000,
        "approved_amount": 30_000,
    }
    assert Gig.objects.get(pk=p.contract.gig_id).status == "completed"


def test_a_gig_an_operator_closed_stays_closed_when_its_contract_completes(p, operator):
    gig_services.close_gig(gig_id=p.contract.gig_id, operator=operator, reason="Spam")
    submit_all(p, approve=True)

    p.contract.refresh_from_db()
    assert p.contract.status == "completed"
    assert Gig.objects.get(pk=p.contract.gig_id).status == "closed"


def test_an_ended_contract_takes_no_step(p):
    submit_all(p, approve=True)
    milestone = milestones(p.contract)[0]

    refused = p.step("client", milestone, "cancel", {"reason": "Too late"})

    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == {"current_status": "approved", "allowed": []}


# --- milestones a client adds ---------------------------------------------------------------------


def test_a_client_adds_a_milestone_to_an_active_fixed_price_contract(p, client_user):
    due = (timezone.localdate() + timedelta(days=10)).isoformat()

    response = p.client.post(
        url(p.contract) + "/milestones",
        {"title": "Extra page", "amount": 7_500, "due_date": due},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["amount"], body["status"], body["position"]) == (
        "Extra page",
        7_500,
        "pending",
        3,
    )
    assert body["actions"] == ["fund", "cancel"]
    assert response["Location"].endswith(f"/contracts/{p.contract.pk}/milestones/{body['id']}")
    assert p.client.get(response["Location"]).json()["id"] == body["id"]
    added = Milestone.objects.get(pk=body["id"])
    assert history(added) == [("added", "", "pending")]
    assert p.client.get(url(p.contract)).json()["total_amount"] == 57_500


def test_adding_a_milestone_is_refused_when_it_does_not_fit(p, client_user, freelancer):
    target = url(p.contract) + "/milestones"
    good = {"title": "More", "amount": 1_000}

    assert p.freelancer.post(target, good, format="json").status_code == 403
    past = good | {"due_date": (timezone.localdate() - timedelta(days=1)).isoformat()}
    refused = p.client.post(target, past, format="json")
    assert refused.status_code == 400
    assert "due_date" in refused.json()["error"]["fields"]
    assert p.client.post(target, good | {"amount": 0}, format="json").status_code == 400

    hourly = hire(client_user, freelancer, hourly=True)
    refused = p.client.post(url(hourly) + "/milestones", good, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "fixed_price_only")

    submit_all(p, approve=True)
    refused = p.client.post(target, good, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == {"current_status": "completed", "allowed": []}
    assert Milestone.objects.filter(contract=p.contract).count() == 2


def test_a_contract_has_a_bounded_number_of_milestones(p):
    Milestone.objects.bulk_create(
        Milestone(contract=p.contract, position=10 + n, title=f"M{n}", amount=100)
        for n in range(MAX_MILESTONES - 2)
    )

    refused = p.client.post(
        url(p.contract) + "/milestones", {"title": "One more", "amount": 100}, format="json"
    )

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_milestones"
    assert refused.json()["error"]["details"] == {"max": MAX_MILESTONES}
    assert len(p.client.get(url(p.contract)).json()["milestones"]) == MAX_MILESTONES


def test_a_step_costs_a_fixed_number_of_queries(p, django_assert_max_num_queries):
    first = milestones(p.contract)[0]
    p.client.get("/api/v1/auth/me")
    p.freelancer.get("/api/v1/auth/me")
    fund(p, first)

    # the contract's and the milestone's row locks, the update, the history row, the event's
    # outbox row and the relay's wake-up (the body needs no further read)
    with django_assert_max_num_queries(7):
        p.ok("freelancer", first, "submit", {"note": "Done"})
    # The approval releases the escrow, under its Idempotency-Key: the key's record (insert,
    # lock, answer; 3 savepoints), the step above (5), the escrow's lock and balance (2), the
    # money status, the release's number and posting (lock, read, insert; the first release
    # creates the freelancer's pending and the platform's fee accounts: 3 more and a savepoint),
    # its event, and the contract's milestones (does it end?).
    with django_assert_max_num_queries(26):
        p.ok("client", first, "approve")
