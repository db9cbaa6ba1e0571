"""Input and output shapes of reviews and ratings."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.gigs.models import ReviewDirection
from apps.gigs.selectors import Rating, Ratings
from gigsy.api.inputs import StrictInput

MAX_TEXT = 5000


# --- inputs ---------------------------------------------------------------------------------------
class ReviewInput(StrictInput):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(
        max_length=MAX_TEXT, required=False, allow_blank=True, default="", help_text="Plain text."
    )


# --- outputs --------------------------------------------------------------------------------------
class ReviewerOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class ReviewOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    gig_title = serializers.CharField(help_text="The gig's title when the contract started.")
    reviewer = ReviewerOutput()
    reviewee_id = serializers.IntegerField()
    direction = serializers.ChoiceField(
        choices=ReviewDirection.choices,
        help_text="of_freelancer: the client reviewed the freelancer; of_client: the reverse.",
    )
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(
        allow_null=True,
        help_text="null: hidden until the other party reviews or the review window passes "
        "(only its writer sees it).",
    )


class RatingSummaryOutput(serializers.Serializer[Any]):
    average = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        allow_null=True,
        help_text="The average of the published reviews (1-5); null before the first.",
    )
    count = serializers.IntegerField()


class RatingsOutput(serializers.Serializer[Any]):
    as_freelancer = RatingSummaryOutput(help_text="From the clients they worked for.")
    as_client = RatingSummaryOutput(help_text="From the freelancers who worked for them.")


def rating_body(rating: Rating) -> dict[str, Any]:
    return {"average": rating.average, "count": rating.count}


def ratings_body(ratings: Ratings) -> dict[str, Any]:
    return {
        "as_freelancer": rating_body(ratings.as_freelancer),
        "as_client": rating_body(ratings.as_client),
    }


class UserReviewPage(serializers.Serializer[Any]):
    """One page of a person's published reviews, newest first, with their ratings."""

    count = serializers.IntegerField(help_text="Items on every page together.")
    next = serializers.URLField(allow_null=True, help_text="The next page's URL.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page's URL.")
    results = ReviewOutput(many=True)
    # Not `required` in the schema: a page is {count, next, previous, results} everywhere
    # (tests/contract/test_schema_rules.py); this one always carries it too.
    ratings = RatingsOutput(required=False, help_text="The person's ratings, on every page.")
