"""Query budgets of applications and hiring: a page of applications costs the same whatever its
length (names from accounts in one call, ratings and contracts in the rows' query), and so does
accepting whatever the number of applications it rejects."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.gigs.models import Gig, UserRating
from apps.gigs.services import applications
from tests.gigs.applying import GIGS, apply, post_gig
from tests.gigs.conftest import client_for, verified

pytestmark = pytest.mark.django_db


def _warm(user: Any) -> APIClient:
    client = client_for(user)
    client.get("/api/v1/auth/me")  # the authenticated user is cached from here on
    return client


def _applicants(gig: Gig, n: int, *, start: int = 0) -> list[Any]:
    people = []
    for i in range(start, start + n):
        person = verified(email=f"applicant{i}@example.com", roles=["learner"])
        UserRating.objects.create(user=person, freelancer_sum=4 * (i + 1), freelancer_count=i + 1)
        application = apply(person, gig, bid=10_000 + i)
        if i % 2:
            applications.shortlist(application_id=application.pk, user=gig.client)
        people.append(person)
    return people


def _count(client: APIClient, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def test_a_gigs_applications_cost_the_same_for_2_or_12(
    client_user: Any, django_assert_max_num_queries: Any
) -> None:
    gig = post_gig(client_user)
    cora = _warm(client_user)
    url = f"{GIGS}/{gig.pk}/applications"
    _applicants(gig, 2)
    few = _count(cora, url)
    _applicants(gig, 10, start=2)
    many = _count(cora, url)
    assert few == many
    # the gig, the count, the page (gig, rating, contract in it), the names (accounts)
    with django_assert_max_num_queries(4):
        body = cora.get(url, {"page_size": 50}).json()
    assert body["count"] == 12
    ratings = {r["applicant"]["display_name"]: r["applicant"]["rating"] for r in body["results"]}
    assert len(ratings) == 12
    assert all(r["average"] == "4.00" for r in ratings.values())
    assert sorted(r["count"] for r in ratings.values()) == list(range(1, 13))
    assert _count(cora, url, status="shortlisted") == few


def test_my_applications_cost_the_same_for_2_or_12(
    client_user: Any, freelancer: Any, django_assert_max_num_queries: Any
) -> None:
    finn = _warm(freelancer)
    url = f"{GIGS}/applications/mine"
    for n in range(2):
        apply(freelancer, post_gig(client_user, title=f"Gig {n}"))
    few = _count(finn, url)
    for n in range(2, 12):
        apply(freelancer, post_gig(client_user, title=f"Gig {n}"))
    assert _count(finn, url) == few
    with django_assert_max_num_queries(3):  # count, page, names
        assert finn.get(url).json()["count"] == 12


def test_one_application_and_applying_budgets(
    client_user: Any, freelancer: Any, django_assert_max_num_queries: Any
) -> None:
    gig = post_gig(client_user)
    finn = _warm(freelancer)
    # the gig locked, the block, the insert, the outbox (+ notify), two savepoints with their
    # releases (the service's transaction, the insert's); the answer: the row and the name
    with django_assert_max_num_queries(10):
        created = finn.post(
            f"{GIGS}/{gig.pk}/applications",
            {"cover_letter": "Me", "bid_amount": 100},
            format="json",
        )
    assert created.status_code == 201
    with django_assert_max_num_queries(2):  # the row (gig, rating, contract), the name
        assert finn.get(f"{GIGS}/applications/{created.json()['id']}").status_code == 200


def test_accepting_costs_the_same_whatever_it_rejects(client_user: Any) -> None:
    cora = _warm(client_user)

    def accept_with(others: int, title: str) -> int:
        gig = post_gig(client_user, title=title)
        chosen = apply(
            verified(email=f"chosen-{title}@example.com", roles=["learner"]), gig, bid=10_000
        )
        _applicants(gig, others, start=100 * len(title))
        with CaptureQueriesContext(connection) as captured:
            response = cora.post(
                f"{GIGS}/applications/{chosen.pk}/accept",
                {
                    "milestones": [
                        {"title": "One", "amount": 5_000},
                        {"title": "Two", "amount": 5_000},
                    ]
                },
                format="json",
            )
        assert response.status_code == 201, response.content
        return len(captured.captured_queries)

    few, many = accept_with(1, "A"), accept_with(8, "BBBBBB")
    assert few == many
    # application (visible), gig and application locked, the application saved, the gig
    # re-locked and saved (gigs.mark_in_progress), the open ones locked and updated in one
    # statement, contract, milestones, their history, four outbox inserts, nested savepoints;
    # the answer: the row and the name
    assert many <= 24  # one of them: is the applicant still active (accounts.public)
