"""Reviews: once a contract with approved work ends, each party reviews the other once; the
reviews stay hidden until both are in or the review window passes (double-blind,
docs/decisions/0027).

    (none) --write_review (a party of a contract that ended with at least one approved
        milestone, within GIGS_REVIEW_WINDOW_DAYS of its end, once)--> hidden
    hidden --the other party's review arrives--> published (both at once)
    hidden --the window passes (the platform: the beat task "gigs.publish_due_reviews",
        `publish_due_reviews`)--> published

Refusals: 404 a contract the caller cannot see; 403 a visible one they are not a party to
(operators); 409 `not_reviewable` (not ended, no approved work, the window passed, reviewed
already). Publishing adds the rating to the reviewee's UserRating (sum and count per direction)
under its row lock and publishes `review.published`; a review is never edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import Contract, Review, ReviewDirection, UserRating
from gigsy.errors import ApplicationError, ConflictError, ErrorCode
from gigsy.events import publish

MAX_TEXT = 5000


@transaction.atomic
def write_review(
    *, contract_id: int, user: accounts.Principal, rating: int, text: str = ""
) -> Review:
    """A party reviews the other (1-5 and an optional text). Hidden until the other party's
    review arrives, when both are published together; the contract's row lock makes two
    parties writing at once publish both exactly once."""
    contract = policies.visible_contract(contract_id=contract_id, user=user, lock=True)
    policies.require_party(contract=contract, user=user)
    reviewer_id = accounts.user_id_of(user)
    now = timezone.now()
    refusal = selectors.review_refusal(contract=contract, user_id=reviewer_id, now=now)
    if refusal is not None:
        raise ConflictError(refusal, code=GigsError.NOT_REVIEWABLE)
    if not 1 <= rating <= 5:
        raise ApplicationError(
            "Rate from 1 to 5.", code=ErrorCode.VALIDATION_ERROR, fields={"rating": ["1 to 5."]}
        )
    of_freelancer = reviewer_id == contract.client_id
    try:
        with transaction.atomic():
            review = Review.objects.create(
                contract=contract,
                reviewer_id=reviewer_id,
                reviewee_id=contract.freelancer_id if of_freelancer else contract.client_id,
                direction=(
                    ReviewDirection.OF_FREELANCER if of_freelancer else ReviewDirection.OF_CLIENT
                ),
                rating=rating,
                text=text.strip()[:MAX_TEXT],
            )
    except IntegrityError:  # the unique (contract, reviewer): reviewed already
        raise ConflictError(
            "You already reviewed this contract.", code=GigsError.NOT_REVIEWABLE
        ) from None
    hidden = selectors.unpublished_reviews(contract_id=contract.pk, lock=True)
    if len(hidden) == 2:  # the other party reviewed first: both become visible now
        _publish(contract, hidden, now=now)
        review = next(r for r in hidden if r.pk == review.pk)
    return review


def publish_due_reviews(*, now: datetime | None = None, limit: int = 500) -> int:
    """Publish the hidden reviews of contracts whose review window has passed (the other party
    never reviewed); return how many. Run by the beat task "gigs.publish_due_reviews".
    Each contract in its own transaction, its row taken with SKIP LOCKED (a review being
    written is not waited for: the next run sees it) and its hidden reviews re-read under the
    lock, so running it twice, or next to a writer, publishes each review once."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.GIGS_REVIEW_WINDOW_DAYS)
    due = selectors.contracts_with_due_reviews(ended_before=cutoff, limit=limit)
    return sum(_publish_due(contract_id=contract_id, now=now) for contract_id in due)


@transaction.atomic
def _publish_due(*, contract_id: int, now: datetime) -> int:
    contract = Contract.objects.select_for_update(skip_locked=True).filter(pk=contract_id).first()
    if contract is None:
        return 0
    hidden = selectors.unpublished_reviews(contract_id=contract.pk, lock=True)
    _publish(contract, hidden, now=now)
    return len(hidden)


def _publish(contract: Contract, reviews: Iterable[Review], *, now: datetime) -> None:
    # Ratings are locked in user order: two contracts between the same two people publishing
    # at once take the two UserRating rows in the same order (no deadlock).
    for review in sorted(reviews, key=lambda r: r.reviewee_id):
        review.published_at = now
        review.save(update_fields=["published_at"])
        _add_rating(review)
        publish(
            "review.published",
            {
                "review_id": str(review.pk),
                "contract_id": str(contract.pk),
                "gig_id": str(contract.gig_id),
                "reviewer_id": str(review.reviewer_id),
                "reviewee_id": str(review.reviewee_id),
                "direction": review.direction,
                "rating": review.rating,
            },
            producer="gigs",
        )


def _add_rating(review: Review) -> None:
    """Add a published review to its reviewee's sums, under the UserRating row lock (created
    on the first review; a concurrent creation is caught by get_or_create's savepoint)."""
    rating, _ = UserRating.objects.select_for_update().get_or_create(user_id=review.reviewee_id)
    if review.direction == ReviewDirection.OF_FREELANCER:
        rating.freelancer_sum += review.rating
        rating.freelancer_count += 1
        rating.save(update_fields=["freelancer_sum", "freelancer_count"])
    else:
        rating.client_sum += review.rating
        rating.client_count += 1
        rating.save(update_fields=["client_sum", "client_count"])
