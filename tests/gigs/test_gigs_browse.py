"""Browsing gigs: filters, order, pagination, the cached pages and the query budget
(GET /api/v1/gigs, docs/decisions/0025)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.gigs.models import Gig, UserRating
from apps.gigs.services import gigs as services
from tests.gigs.conftest import client_for, verified
from tests.gigs.gig_helpers import GIGS, contract, make_gig

pytestmark = pytest.mark.django_db


def _titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [gig["title"] for gig in response.json()["results"]]


@pytest.fixture
def market(client_user: Any, stranger: Any, freelancer: Any) -> dict[str, Gig]:
    """Gigs of two clients, oldest first: every filter keeps some and drops others."""
    gigs = {
        "logo": make_gig(
            client_user,
            title="Logo for a bakery",
            description="A round logo with bread.",
            skills=["design", "illustrator"],
            budget_amount=20_000,
        ),
        "api": make_gig(
            client_user,
            title="Django REST API",
            description="Endpoints for our shop, with tests.",
            skills=["django", "python"],
            budget_amount=150_000,
            currency="EUR",
            pricing="hourly",
            hourly_rate=4_000,
            weekly_hours_cap=20,
        ),
        "site": make_gig(
            stranger,
            title="Shop website",
            description="React front end for a bakery shop.",
            skills=["css", "react"],
            budget_amount=80_000,
            remote=False,
            location="Nairobi",
        ),
        "draft": make_gig(client_user, publish=False, title="Secret draft", skills=["python"]),
        "cancelled": make_gig(stranger, title="Cancelled one", skills=["python"]),
        "done": make_gig(stranger, title="Finished work", skills=["python"]),
    }
    services.cancel_gig(gig_id=gigs["cancelled"].pk, user=stranger)
    contract(gigs["done"], freelancer)
    services.mark_in_progress(gig=gigs["done"])
    return gigs


def test_browse_lists_open_gigs_newest_first_to_anyone(api, market, client_user):
    response = api.get(GIGS)
    assert _titles(response) == ["Shop website", "Django REST API", "Logo for a bakery"]
    card = response.json()["results"][1]
    assert card["excerpt"] == "Endpoints for our shop, with tests."
    assert card["client"] == {
        "id": client_user.pk,
        "display_name": "Cora Client",
        "rating": None,
        "rating_count": 0,
    }
    assert (card["pricing"], card["hourly_rate"], card["weekly_hours_cap"]) == ("hourly", 4_000, 20)
    assert "description" not in card and "status_reason" not in card


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        # any of the skills
        ("skills=react,django", ["Shop website", "Django REST API"]),
        ("skills=design", ["Logo for a bakery"]),
        ("skills=cobol", []),
        ("budget_min=80000", ["Shop website", "Django REST API"]),
        ("budget_max=80000", ["Shop website", "Logo for a bakery"]),
        ("budget_min=20000&budget_max=80000", ["Shop website", "Logo for a bakery"]),
        ("currency=EUR", ["Django REST API"]),
        ("pricing=hourly", ["Django REST API"]),
        ("pricing=fixed", ["Shop website", "Logo for a bakery"]),
        ("remote=false", ["Shop website"]),
        ("remote=true", ["Django REST API", "Logo for a bakery"]),
        ("status=in_progress", ["Finished work"]),
        ("q=bakery", ["Shop website", "Logo for a bakery"]),
        ("q=bak", ["Shop website", "Logo for a bakery"]),  # the last word is a prefix
        ("q=shop tests", ["Django REST API"]),  # every word
        ("q=!!!", []),  # no word at all
        ("skills=python&q=django", ["Django REST API"]),  # filters narrow together
    ],
)
def test_each_filter(api, market, query, titles):
    assert _titles(api.get(f"{GIGS}?{query}")) == titles


def test_the_client_filter(api, market, client_user, stranger):
    assert _titles(api.get(f"{GIGS}?client={client_user.pk}")) == [
        "Django REST API",
        "Logo for a bakery",
    ]
    assert _titles(api.get(f"{GIGS}?client={stranger.pk}")) == ["Shop website"]


def test_private_statuses_are_never_browsed(api, client_for_cora):
    for status in ("draft", "cancelled", "closed"):
        response = api.get(f"{GIGS}?status={status}")
        assert response.status_code == 400
        assert "status" in response.json()["error"]["fields"]
    # Not even the gig's own client finds a draft here (GET /gigs/mine lists it).
    assert client_for_cora.get(f"{GIGS}?status=draft").status_code == 400


@pytest.fixture
def client_for_cora(client_user: Any) -> Any:
    return client_for(client_user)


@pytest.mark.parametrize(
    "query",
    [
        "remote=maybe",
        "pricing=weekly",
        "currency=usd",
        "budget_min=-1",
        "budget_min=abc",
        "budget_min=5&budget_max=4",
        "skills=Not%20A%20Slug",
        "skills=" + ",".join(f"s{n}" for n in range(21)),
        "client=0",
        "q=" + "x" * 201,
        "page=0",
        "page_size=-1",
    ],
)
def test_bad_parameters_are_a_400(api, query):
    response = api.get(f"{GIGS}?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_pages(api, client_user):
    for n in range(7):
        make_gig(client_user, title=f"Gig {n}")
    first = api.get(f"{GIGS}?page_size=3").json()
    assert first["count"] == 7
    assert [g["title"] for g in first["results"]] == ["Gig 6", "Gig 5", "Gig 4"]
    assert first["previous"] is None and "page=2" in first["next"]
    third = api.get(f"{GIGS}?page_size=3&page=3").json()
    assert [g["title"] for g in third["results"]] == ["Gig 0"] and third["next"] is None
    assert api.get(f"{GIGS}?page_size=3&page=4").status_code == 404


def test_ratings_are_shown(api, client_user):
    make_gig(client_user)
    UserRating.objects.create(user=client_user, client_sum=14, client_count=3)
    [card] = api.get(GIGS).json()["results"]
    assert (card["client"]["rating"], card["client"]["rating_count"]) == (4.67, 3)


def test_a_change_shows_at_once_despite_the_cache(api, client_user, settings):
    settings.GIGS_BROWSE_CACHE_SECONDS = 60
    gig = make_gig(client_user, title="First")
    assert _titles(api.get(GIGS)) == ["First"]
    assert _titles(api.get(GIGS)) == ["First"]  # from the cache
    make_gig(client_user, title="Second")
    assert _titles(api.get(GIGS)) == ["Second", "First"]
    services.update_gig(gig_id=gig.pk, user=client_user, title="First, edited")
    assert _titles(api.get(GIGS)) == ["Second", "First, edited"]
    services.cancel_gig(gig_id=gig.pk, user=client_user)
    assert _titles(api.get(GIGS)) == ["Second"]


def test_a_cached_page_is_served_without_the_database(
    api, client_user, settings, django_assert_num_queries
):
    settings.GIGS_BROWSE_CACHE_SECONDS = 60
    make_gig(client_user)
    assert api.get(GIGS).status_code == 200
    with django_assert_num_queries(0):
        assert api.get(GIGS).status_code == 200


# --- query budget: the same count whatever the page size ------------------------------------------


def _many_gigs(count: int) -> None:
    """`count` open gigs, each by its own client (the worst case for names and ratings)."""
    for n in range(count):
        client = verified(email=f"client{n}@example.com", roles=["client"])
        make_gig(client, title=f"Gig {n}", skills=["python"])
        UserRating.objects.create(user=client, client_sum=4 + n % 2, client_count=1)


@pytest.mark.parametrize("query", ["", "skills=python&budget_min=1&q=gig"])
def test_browse_query_budget(api, settings, django_assert_num_queries, query):
    settings.GIGS_BROWSE_CACHE_SECONDS = 0  # what building a page costs
    _many_gigs(30)
    # count, page, client ratings (gigs), client names (accounts.public.get_users)
    for size in (1, 5, 30):
        with django_assert_num_queries(4):
            response = api.get(f"{GIGS}?page_size={size}&{query}")
        assert len(response.json()["results"]) == size


def test_signed_in_browsing_costs_the_same(client_user, settings, django_assert_num_queries):
    settings.GIGS_BROWSE_CACHE_SECONDS = 0
    _many_gigs(10)
    caller = client_for(client_user)
    caller.get("/api/v1/auth/me")  # the authenticated user is cached from here on
    with django_assert_num_queries(4):
        assert caller.get(f"{GIGS}?page_size=10").status_code == 200


def test_gig_page_and_my_gigs_budgets(client_user, settings, django_assert_max_num_queries):
    caller = client_for(client_user)
    caller.get("/api/v1/auth/me")
    gigs = [make_gig(client_user, title=f"Mine {n}") for n in range(12)]
    # gig, names, rating, application count
    with django_assert_max_num_queries(4):
        assert caller.get(f"{GIGS}/{gigs[0].pk}").status_code == 200
    for size in (2, 12):
        with django_assert_max_num_queries(2):  # count, page with the counts
            assert caller.get(f"{GIGS}/mine?page_size={size}").status_code == 200
