"""Reviews: each party of a contract that ended with approved work reviews the other once,
within the review window; reviews are hidden until both are in (published together) or the
window passes (the task "gigs.publish_due_reviews"); publishing updates the ratings and emits
`review.published`. A person's published reviews and ratings are one page."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.models import User
from apps.gigs.models import Contract, Review, UserRating
from apps.gigs.selectors import NO_RATINGS, ratings_of
from apps.gigs.services import milestones as steps
from apps.gigs.services.reviews import publish_due_reviews, write_review
from apps.gigs.tasks.reviews import publish_due_reviews as publish_task
from gigsy.errors import ConflictError
from tests.gigs.conftest import client_for, verified
from tests.gigs.work import GIGS, data_of, events, hire, milestones, parties, submit_all, url

pytestmark = pytest.mark.django_db


def completed(client: Any, freelancer: Any, **kwargs: Any) -> Contract:
    """A contract whose every milestone was approved."""
    contract = hire(client, freelancer, **kwargs)
    submit_all(parties(contract, client, freelancer), approve=True)
    contract.refresh_from_db()
    assert contract.status == "completed"
    return contract


@pytest.fixture
def contract(client_user, freelancer) -> Contract:
    return completed(client_user, freelancer)


def review(api: Any, contract: Contract, rating: int = 5, text: str = "Great") -> Any:
    return api.post(f"{url(contract)}/reviews", {"rating": rating, "text": text}, format="json")


def ended_ago(contract: Contract, days: float) -> None:
    Contract.objects.filter(pk=contract.pk).update(ended_at=timezone.now() - timedelta(days=days))


def test_reviews_stay_hidden_until_both_parties_reviewed(contract, client_user, freelancer):
    cora, finn = client_for(client_user), client_for(freelancer)
    assert cora.get(url(contract)).json()["can_review"] is True

    first = review(cora, contract, 4, "Solid work")

    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["rating"], body["direction"], body["published_at"]) == (4, "of_freelancer", None)
    assert body["reviewee_id"] == freelancer.pk
    assert first["Location"].endswith(f"/contracts/{contract.pk}/reviews")
    assert [r["id"] for r in cora.get(f"{url(contract)}/reviews").json()] == [body["id"]]
    assert finn.get(f"{url(contract)}/reviews").json() == []  # double-blind
    assert cora.get(url(contract)).json()["can_review"] is False
    assert finn.get(url(contract)).json()["can_review"] is True
    assert events("review.published") == []
    assert not UserRating.objects.exists()

    second = review(finn, contract, 5, "Clear brief, paid on time")

    assert second.status_code == 201
    assert second.json()["published_at"] is not None
    both = finn.get(f"{url(contract)}/reviews").json()
    assert [(r["direction"], r["rating"]) for r in both] == [("of_freelancer", 4), ("of_client", 5)]
    assert all(r["published_at"] == both[0]["published_at"] for r in both)  # at once
    assert [r["reviewer"]["display_name"] for r in both] == ["Cora Client", "Finn Freelancer"]
    published = {e.data["direction"]: e.data for e in events("review.published")}
    assert published["of_freelancer"] == {
        "review_id": str(body["id"]),
        "contract_id": str(contract.pk),
        "gig_id": str(contract.gig_id),
        "reviewer_id": str(client_user.pk),
        "reviewee_id": str(freelancer.pk),
        "direction": "of_freelancer",
        "rating": 4,
    }
    assert published["of_client"]["rating"] == 5
    ratings = ratings_of([client_user.pk, freelancer.pk])
    assert ratings[freelancer.pk].as_freelancer.count == 1
    assert ratings[freelancer.pk].as_freelancer.average == 4
    assert ratings[client_user.pk].as_client.average == 5
    assert ratings[client_user.pk].as_freelancer == NO_RATINGS.as_freelancer


def test_each_party_reviews_once(contract, client_user):
    cora = client_for(client_user)
    assert review(cora, contract).status_code == 201

    again = review(cora, contract, 1, "Changed my mind")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_reviewable"
    assert Review.objects.count() == 1


def test_a_contract_still_running_or_without_approved_work_is_not_reviewable(
    client_user, freelancer, other_freelancer
):
    running = hire(client_user, freelancer)
    refused = review(client_for(client_user), running)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_reviewable")

    dropped = hire(client_user, other_freelancer, parts=[("Only", 5_000)])
    [only] = milestones(dropped)
    steps.propose_cancel(
        contract_id=dropped.pk, milestone_id=only.pk, user=client_user, reason="Dropped"
    )
    steps.accept_cancel(contract_id=dropped.pk, milestone_id=only.pk, user=other_freelancer)
    dropped.refresh_from_db()
    assert dropped.status == "cancelled"
    refused = review(client_for(other_freelancer), dropped)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_reviewable")
    assert client_for(other_freelancer).get(url(dropped)).json()["can_review"] is False
    assert not Review.objects.exists()


def test_who_may_review(contract, stranger, operator):
    assert review(client_for(stranger), contract).status_code == 404
    assert review(client_for(operator), contract).status_code == 403
    assert client_for(stranger).get(f"{url(contract)}/reviews").status_code == 404
    assert client_for(operator).get(f"{url(contract)}/reviews").json() == []
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "five"}, {"text": "no rating"}):
        refused = client_for(stranger).post(f"{url(contract)}/reviews", bad, format="json")
        assert refused.status_code == 400, bad
    assert not Review.objects.exists()


def test_reviews_are_written_within_the_window(contract, client_user, freelancer, settings):
    ended_ago(contract, settings.GIGS_REVIEW_WINDOW_DAYS - 0.01)
    assert review(client_for(client_user), contract).status_code == 201

    ended_ago(contract, settings.GIGS_REVIEW_WINDOW_DAYS + 0.01)
    late = review(client_for(freelancer), contract)

    assert late.status_code == 409
    assert late.json()["error"]["code"] == "not_reviewable"
    assert "14 days" in late.json()["error"]["message"]
    assert client_for(freelancer).get(url(contract)).json()["can_review"] is False


def test_a_lone_review_is_published_when_the_window_passes(
    contract, client_user, freelancer, settings
):
    assert review(client_for(client_user), contract, 3, "Late but fine").status_code == 201
    assert publish_due_reviews() == 0  # the window is still open
    ended_ago(contract, settings.GIGS_REVIEW_WINDOW_DAYS + 0.01)

    assert publish_task.apply().get() == 1
    assert publish_task() == 0  # idempotent

    [shown] = client_for(freelancer).get(f"{url(contract)}/reviews").json()
    assert (shown["rating"], shown["published_at"] is not None) == (3, True)
    [event] = data_of("review.published")
    assert event["reviewee_id"] == str(freelancer.pk)
    rating = UserRating.objects.get(user=freelancer)
    assert (rating.freelancer_sum, rating.freelancer_count) == (3, 1)
    assert publish_task.name == "gigs.publish_due_reviews"
    assert settings.CELERY_BEAT_SCHEDULE["gigs.publish_due_reviews"]["task"] == publish_task.name


def test_ratings_are_the_averages_of_published_reviews(client_user, freelancer, stranger):
    # Finn works for Cora twice and for Sam once; both sides review each time.
    ratings = [(client_user, 5, 4), (client_user, 4, 5), (stranger, 2, 3)]
    for client, of_finn, of_client in ratings:
        contract = completed(client, freelancer)
        write_review(contract_id=contract.pk, user=client, rating=of_finn, text="")
        write_review(contract_id=contract.pk, user=freelancer, rating=of_client, text="")
    hidden = completed(client_user, freelancer)  # one side only: hidden, not counted
    write_review(contract_id=hidden.pk, user=client_user, rating=1, text="")

    found = ratings_of([freelancer.pk, client_user.pk, stranger.pk, 999_999])

    assert (
        found[freelancer.pk].as_freelancer.average,
        found[freelancer.pk].as_freelancer.count,
    ) == (
        3.67,
        3,
    )
    assert found[freelancer.pk].as_client.count == 0
    assert (found[client_user.pk].as_client.average, found[client_user.pk].as_client.count) == (
        4.5,
        2,
    )
    assert found[stranger.pk].as_client.average == 3
    assert found[999_999] == NO_RATINGS
    row = UserRating.objects.get(user=freelancer)
    assert (row.freelancer_sum, row.freelancer_count) == (11, 3)


def test_a_persons_reviews_page(client_user, freelancer, stranger, django_assert_max_num_queries):
    for client, rating in ((client_user, 5), (stranger, 4)):
        contract = completed(client, freelancer)
        write_review(contract_id=contract.pk, user=client, rating=rating, text=f"{rating} stars")
        write_review(contract_id=contract.pk, user=freelancer, rating=5, text="Good client")
    viewer = client_for(verified(email="vic@example.com", roles=["client"]))
    viewer.get("/api/v1/auth/me")

    # the person (accounts), count, rows with their contracts, reviewers' names, ratings
    with django_assert_max_num_queries(5):
        page = viewer.get(f"{GIGS}/users/{freelancer.pk}/reviews").json()

    assert page["count"] == 2
    assert [(r["rating"], r["reviewer"]["id"]) for r in page["results"]] == [
        (4, stranger.pk),
        (5, client_user.pk),
    ]  # newest first
    assert page["results"][0]["gig_title"] == "Build a shop"
    assert page["ratings"] == {
        "as_freelancer": {"average": "4.50", "count": 2},
        "as_client": {"average": None, "count": 0},
    }
    assert viewer.get(f"{GIGS}/users/{client_user.pk}/reviews").json()["ratings"]["as_client"] == {
        "average": "5.00",
        "count": 1,
    }


def test_a_persons_page_shows_no_hidden_review_and_404s_unknown_people(
    contract, client_user, freelancer
):
    write_review(contract_id=contract.pk, user=client_user, rating=2, text="Hidden")
    viewer = client_for(client_user)

    page = viewer.get(f"{GIGS}/users/{freelancer.pk}/reviews").json()

    assert (page["count"], page["results"]) == (0, [])
    assert page["ratings"]["as_freelancer"] == {"average": None, "count": 0}
    assert viewer.get(f"{GIGS}/users/999999/reviews").status_code == 404
    User.objects.filter(pk=freelancer.pk).update(is_active=False)
    assert viewer.get(f"{GIGS}/users/{freelancer.pk}/reviews").status_code == 404
    anonymous = client_for(client_user)
    anonymous.credentials()
    assert anonymous.get(f"{GIGS}/users/{client_user.pk}/reviews").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_both_parties_reviewing_at_once_publish_both_exactly_once(client_user, freelancer):
    contract = completed(client_user, freelancer)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def write(user: Any, rating: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(
                write_review(contract_id=contract.pk, user=user, rating=rating, text="")
            )
        except ConflictError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(client_user, 4)),
        threading.Thread(target=write, args=(freelancer, 2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert all(isinstance(o, Review) for o in outcomes), outcomes
    assert Review.objects.filter(published_at__isnull=False).count() == 2
    assert len(events("review.published")) == 2
    ratings = ratings_of([client_user.pk, freelancer.pk])
    assert ratings[freelancer.pk].as_freelancer.count == 1
    assert ratings[client_user.pk].as_client.count == 1
