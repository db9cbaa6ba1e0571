"""Reviews API: write my review of a contract's other party, read a contract's reviews, and a
person's published reviews with their ratings.

Reviews are double-blind (services/reviews.py): a contract's reviews show the published ones
plus the caller's own while it is hidden; a person's page shows published ones only. Names come
from accounts in one call per answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.api import review_serializers as s
from apps.gigs.models import Contract, Review
from apps.gigs.services import reviews
from gigsy.api.inputs import parse
from gigsy.api.pagination import PageNumberPagination
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, bounded_list
from gigsy.errors import NotFoundError

NO_SUCH_USER = "No such user."


def rows(items: Iterable[Review], contracts: dict[int, Contract] | None = None) -> list[Any]:
    """Reviews as the API shows them, with the reviewers' names (one accounts query)."""
    items = list(items)
    people = accounts.get_users(r.reviewer_id for r in items)
    out = []
    for review in items:
        contract = contracts[review.contract_id] if contracts else review.contract
        person = people.get(review.reviewer_id)
        out.append(
            represent(
                s.ReviewOutput,
                {
                    "id": review.pk,
                    "contract_id": review.contract_id,
                    "gig_title": contract.title,
                    "reviewer": {
                        "id": review.reviewer_id,
                        "display_name": person.display_name if person else "",
                    },
                    "reviewee_id": review.reviewee_id,
                    "direction": review.direction,
                    "rating": review.rating,
                    "text": review.text,
                    "created_at": review.created_at,
                    "published_at": review.published_at,
                },
            )
        )
    return out


class ContractReviewsView(APIView):
    @extend_schema(
        responses={
            200: bounded_list(s.ReviewOutput, max_items=2),
            **error_responses(401, 404),
        },
        summary="A contract's reviews: the published ones, and mine while it is hidden (its "
        "parties; operators see the published ones)",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = policies.visible_contract(contract_id=contract_id, user=request.user)
        found = selectors.contract_reviews_for(
            contract_id=contract.pk, viewer_id=accounts.user_id_of(request.user)
        )
        return Response(rows(found, {contract.pk: contract}))

    @extend_schema(
        request=s.ReviewInput,
        responses={201: s.ReviewOutput, **error_responses(400, 401, 403, 404, 409)},
        parameters=[LOCATION],
        summary="Review the other party of a contract that ended with approved work (once, "
        "within the review window); hidden until they review too or the window passes",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        review = reviews.write_review(
            contract_id=contract_id, user=request.user, **parse(s.ReviewInput, request)
        )
        [body] = rows([review], {review.contract_id: review.contract})
        return created(
            request, body, reverse("gigs-contract-reviews", kwargs={"contract_id": contract_id})
        )


class UserReviewsView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: s.UserReviewPage, **error_responses(401, 404)},
        summary="A person's published reviews (as freelancer and as client), newest first, "
        "with their ratings",
    )
    def get(self, request: Request, user_id: int) -> Response:
        person = accounts.get_user(user_id)
        if person is None or not person.is_active:
            raise NotFoundError(NO_SUCH_USER)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.reviews_about(user_id=user_id), request, view=self
        )
        response = paginator.get_paginated_response(rows(page or []))
        ratings = selectors.ratings_of([user_id])[user_id]
        response.data["ratings"] = represent(s.RatingsOutput, s.ratings_body(ratings))
        return response
