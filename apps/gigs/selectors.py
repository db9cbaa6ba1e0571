"""Reads of the gig marketplace: querysets and lookups (writes are in services/)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr

from apps.gigs.models import (
    ACTIVE_APPLICATION_STATUSES,
    TERMINAL_MILESTONE_STATUSES,
    AccountKind,
    ApplicantBlock,
    Application,
    ApplicationStatus,
    Contract,
    ContractStatus,
    Dispute,
    DisputeStatus,
    EntryKind,
    Gig,
    HeldCredential,
    JournalEntry,
    JournalLine,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    PaymentRecord,
    Report,
    Review,
    UserRating,
)
from apps.gigs.rules.escrow import HOLDS_MONEY
from apps.gigs.rules.search import prefix_tsquery
from apps.gigs.rules.work import review_window_ends


def gig_by_id(*, gig_id: int, lock: bool = False) -> Gig | None:
    query = Gig.objects.all()
    if lock:
        query = query.select_for_update()
    return query.filter(pk=gig_id).first()


def application_with_gig(*, application_id: int, lock: bool = False) -> Application | None:
    query = Application.objects.select_related("gig")
    if lock:
        query = query.select_for_update(of=("self",))
    return query.filter(pk=application_id).first()


def contract_by_id(*, contract_id: int, lock: bool = False) -> Contract | None:
    query = Contract.objects.all()
    if lock:
        query = query.select_for_update()
    return query.filter(pk=contract_id).first()


# --- moderation (reports, blocks) -----------------------------------------------------------------


def report_by_id(*, report_id: int, lock: bool = False) -> Report | None:
    query = Report.objects.all()
    if lock:
        query = query.select_for_update()
    return query.filter(pk=report_id).first()


def reports_by(*, reporter_id: int) -> QuerySet[Report]:
    """The reports a person filed, newest first."""
    return Report.objects.filter(reporter_id=reporter_id).order_by("-created_at", "-id")


def blocks_by(*, client_id: int) -> QuerySet[ApplicantBlock]:
    """The people a client blocked, most recent first."""
    return ApplicantBlock.objects.filter(client_id=client_id).order_by("-created_at", "-id")


def block_of(*, client_id: int, blocked_id: int) -> ApplicantBlock | None:
    return ApplicantBlock.objects.filter(client_id=client_id, blocked_id=blocked_id).first()


def is_blocked(*, client_id: int, applicant_id: int) -> bool:
    """Whether the client blocked the applicant (applying to the client's gigs is refused)."""
    return ApplicantBlock.objects.filter(client_id=client_id, blocked_id=applicant_id).exists()


def has_applied_to_client(*, client_id: int, applicant_id: int) -> bool:
    """Whether the person ever applied to one of the client's gigs (any status)."""
    return Application.objects.filter(gig__client_id=client_id, applicant_id=applicant_id).exists()


# --- applications and hiring (docs/decisions/0026) -----------------------------------------------


def holds_credential(*, user_id: int, course_id: int) -> bool:
    """Whether the user holds a valid certificate of the course, per gigs' read model
    (HeldCredential, fed by lms's certificate events)."""
    return HeldCredential.objects.filter(
        user_id=user_id, course_id=course_id, revoked=False
    ).exists()


def _for_display(query: QuerySet[Application]) -> QuerySet[Application]:
    """Applications with their gig and, in the same query, the applicant's freelancer rating
    (UserRating, absent until a review is published) and the contract an accepted one became,
    so a page of them costs one query whatever its length."""
    rating = UserRating.objects.filter(user_id=OuterRef("applicant_id"))
    return query.select_related("gig").annotate(
        applicant_rating_sum=Subquery(rating.values("freelancer_sum")[:1]),
        applicant_rating_count=Subquery(rating.values("freelancer_count")[:1]),
        contract_id=Subquery(
            Contract.objects.filter(application_id=OuterRef("pk")).values("pk")[:1]
        ),
    )


def applications_of_gig(*, gig_id: int, status: str | None = None) -> QuerySet[Application]:
    """A gig's applications for its client, newest first."""
    query = Application.objects.filter(gig_id=gig_id)
    if status:
        query = query.filter(status=status)
    return _for_display(query).order_by("-created_at", "-id")


def applications_of_applicant(
    *, applicant_id: int, status: str | None = None
) -> QuerySet[Application]:
    """The applications a person made, newest first."""
    query = Application.objects.filter(applicant_id=applicant_id)
    if status:
        query = query.filter(status=status)
    return _for_display(query).order_by("-created_at", "-id")


def application_for_display(*, application_id: int) -> Application | None:
    return _for_display(Application.objects.filter(pk=application_id)).first()


def open_applications(*, gig_id: int, lock: bool = False) -> QuerySet[Application]:
    """The gig's applications still waiting for a decision (submitted or shortlisted)."""
    query = Application.objects.filter(
        gig_id=gig_id, status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED)
    ).order_by("pk")
    if lock:
        query = query.select_for_update()
    return query


# --- what gigs holds about one person (public.export_user, the erasure) ---------------------------


def gigs_posted_by(*, user_id: int) -> QuerySet[Gig]:
    return Gig.objects.filter(client_id=user_id).order_by("created_at", "id")


def applications_made_by(*, user_id: int) -> QuerySet[Application]:
    return (
        Application.objects.filter(applicant_id=user_id)
        .select_related("gig")
        .order_by("created_at", "id")
    )


def contracts_of_party(*, user_id: int) -> QuerySet[Contract]:
    """Contracts the person is a party to (either side), with milestones, their history and
    disputes (four queries in all)."""
    return (
        Contract.objects.filter(Q(client_id=user_id) | Q(freelancer_id=user_id))
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("position")),
            Prefetch("milestones__history", queryset=MilestoneEvent.objects.order_by("at", "id")),
            Prefetch("milestones__disputes", queryset=Dispute.objects.order_by("opened_at", "id")),
        )
        .order_by("started_at", "id")
    )


def active_contracts_of_party(*, user_id: int) -> QuerySet[Contract]:
    return Contract.objects.filter(
        Q(client_id=user_id) | Q(freelancer_id=user_id), status=ContractStatus.ACTIVE
    ).order_by("started_at", "id")


def reviews_written_by(*, user_id: int) -> QuerySet[Review]:
    return Review.objects.filter(reviewer_id=user_id).order_by("created_at", "id")


def published_reviews_of(*, user_id: int) -> QuerySet[Review]:
    """Reviews of the person that are visible (a hidden one is not theirs to read yet)."""
    return Review.objects.filter(reviewee_id=user_id, published_at__isnull=False).order_by(
        "published_at", "id"
    )


def rating_of(*, user_id: int) -> UserRating | None:
    return UserRating.objects.filter(user_id=user_id).first()


def reports_filed_by(*, user_id: int) -> QuerySet[Report]:
    return (
        Report.objects.filter(reporter_id=user_id)
        .select_related("gig")
        .order_by("created_at", "id")
    )


def credentials_held_by(*, user_id: int) -> QuerySet[HeldCredential]:
    return HeldCredential.objects.filter(user_id=user_id).order_by("certificate_id")


# --- gigs: browse, a client's own, the gig page (docs/decisions/0025) -----------------------------

# What a browse card shows of the description: its start, cut in the database.
EXCERPT_CHARS = 280
_LIST_FIELDS = (
    "id",
    "client_id",
    "title",
    "skills",
    "budget_amount",
    "currency",
    "pricing",
    "hourly_rate",
    "weekly_hours_cap",
    "deadline",
    "remote",
    "location",
    "required_course_id",
    "required_course_title",
    "status",
    "status_reason",
    "created_at",
    "updated_at",
    "published_at",
)


def browse_gigs(
    *,
    statuses: Iterable[str],
    skills: Iterable[str] = (),
    budget_min: int | None = None,
    budget_max: int | None = None,
    currency: str | None = None,
    pricing: str | None = None,
    remote: bool | None = None,
    client_id: int | None = None,
    text: str | None = None,
) -> QuerySet[Gig]:
    """Gigs in `statuses`, newest published first, filtered (every filter narrows; `skills`
    matches a gig with ANY of them; `text` every word, the last as a prefix, in the title and
    description). Two queries per page (count, rows) whatever its size."""
    gigs = Gig.objects.filter(status__in=list(statuses))
    wanted = sorted(set(skills))
    if wanted:
        gigs = gigs.filter(skills__overlap=wanted)  # GIN index
    if budget_min is not None:
        gigs = gigs.filter(budget_amount__gte=budget_min)
    if budget_max is not None:
        gigs = gigs.filter(budget_amount__lte=budget_max)
    if currency:
        gigs = gigs.filter(currency=currency)
    if pricing:
        gigs = gigs.filter(pricing=pricing)
    if remote is not None:
        gigs = gigs.filter(remote=remote)
    if client_id is not None:
        gigs = gigs.filter(client_id=client_id)
    if text:
        words = prefix_tsquery(text)
        if words is None:  # no word at all: nothing to find
            return gigs.none()
        gigs = gigs.filter(search_vector=SearchQuery(words, search_type="raw", config="english"))
    return gigs.order_by("-published_at", "-id")


class GigRows:
    """The gigs of a filtered, ordered queryset, read a page at a time in one query: the
    page's ids are picked from the index alone (`id IN (... ORDER BY ... OFFSET n LIMIT k)`)
    and only those rows are read. With a plain OFFSET, PostgreSQL reads (and cuts the
    excerpt of) every row it skips: page 400 of 10,000 gigs took 60 ms instead of 3.

    Django's paginator needs `count()` and slicing, nothing else."""

    def __init__(self, gigs: QuerySet[Gig]) -> None:
        self._gigs = gigs

    def count(self) -> int:
        return self._gigs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[Gig]:
        ids = self._gigs.values("pk")[page]
        rows = Gig.objects.filter(pk__in=ids).only(*_LIST_FIELDS)
        return list(
            rows.annotate(excerpt=Substr("description", 1, EXCERPT_CHARS)).order_by(
                *self._gigs.query.order_by
            )
        )


def gigs_of_client(*, client_id: int, status: str | None = None) -> QuerySet[Gig]:
    """A client's own gigs, every status, newest first, each with its active applications
    counted in the same query."""
    gigs = Gig.objects.filter(client_id=client_id)
    if status:
        gigs = gigs.filter(status=status)
    return (
        gigs.only(*_LIST_FIELDS)
        .annotate(
            excerpt=Substr("description", 1, EXCERPT_CHARS),
            application_count=Count(
                "applications",
                filter=Q(applications__status__in=ACTIVE_APPLICATION_STATUSES),
            ),
        )
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True, slots=True)
class Rating:
    """An average of published reviews (None before the first) and how many there are."""

    average: float | None
    count: int


NO_RATING = Rating(average=None, count=0)


def client_ratings(*, user_ids: Iterable[int]) -> dict[int, Rating]:
    """Each person's rating as a client, in one query; people without a review are absent."""
    rows = UserRating.objects.filter(user_id__in=set(user_ids), client_count__gt=0).values_list(
        "user_id", "client_sum", "client_count"
    )
    return {uid: Rating(average=round(total / n, 2), count=n) for uid, total, n in rows}


def gig_has_contract(*, gig_id: int) -> bool:
    return Contract.objects.filter(gig_id=gig_id).exists()


def has_active_applications(*, gig_id: int) -> bool:
    return Application.objects.filter(
        gig_id=gig_id, status__in=ACTIVE_APPLICATION_STATUSES
    ).exists()


def active_application_count(*, gig_id: int) -> int:
    return Application.objects.filter(gig_id=gig_id, status__in=ACTIVE_APPLICATION_STATUSES).count()


# --- contracts, milestones and reviews (work and reviews, docs/decisions/0027) ------------------


def contracts_of(
    *, user_id: int, role: str | None = None, status: str | None = None
) -> QuerySet[Contract]:
    """The contracts a person is a party to (`role` "client" or "freelancer" narrows to one
    side), newest first, each with its worth (milestones not cancelled) and how many of its
    milestones ended, counted in the same query."""
    if role == "client":
        query = Contract.objects.filter(client_id=user_id)
    elif role == "freelancer":
        query = Contract.objects.filter(freelancer_id=user_id)
    else:
        query = Contract.objects.filter(Q(client_id=user_id) | Q(freelancer_id=user_id))
    if status:
        query = query.filter(status=status)
    return query.annotate(
        total_amount=Coalesce(
            Sum("milestones__amount", filter=~Q(milestones__status=MilestoneStatus.CANCELLED)),
            0,
        ),
        milestone_count=Count("milestones"),
        milestones_ended=Count(
            "milestones", filter=Q(milestones__status__in=TERMINAL_MILESTONE_STATUSES)
        ),
    ).order_by("-started_at", "-id")


def milestones_of(*, contract_id: int) -> list[Milestone]:
    return list(Milestone.objects.filter(contract_id=contract_id).order_by("position"))


def milestone_in(*, contract_id: int, milestone_id: int, lock: bool = False) -> Milestone | None:
    query = Milestone.objects.filter(pk=milestone_id, contract_id=contract_id)
    if lock:
        query = query.select_for_update()
    return query.first()


def milestone_history(*, milestone_id: int) -> QuerySet[MilestoneEvent]:
    """A milestone's history, oldest first (the order it happened in)."""
    return MilestoneEvent.objects.filter(milestone_id=milestone_id).order_by("at", "id")


def due_auto_approvals(*, submitted_before: datetime, limit: int) -> list[int]:
    """Ids of submitted milestones waiting since before `submitted_before` with no cancellation
    proposed, oldest submission first (the partial index gigs_ms_submitted_idx)."""
    return list(
        Milestone.objects.filter(
            status=MilestoneStatus.SUBMITTED,
            submitted_at__lt=submitted_before,
            cancel_proposed_by__isnull=True,
            # A disputed milestone waits for an operator, not for the clock.
            money_status__in=HOLDS_MONEY,
        )
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- escrow (services/escrow.py) ------------------------------------------------------------------


def payment_by_reference(*, reference: str) -> PaymentRecord | None:
    return PaymentRecord.objects.filter(reference=reference).first() if reference else None


def funding_attempts(*, milestone_id: int) -> int:
    """How many payments were asked for this milestone (each funding attempt is one)."""
    return PaymentRecord.objects.filter(milestone_id=milestone_id).count()


def releases_of(*, milestone_id: int) -> int:
    """How many releases were posted from this milestone's escrow."""
    return JournalEntry.objects.filter(milestone_id=milestone_id, kind=EntryKind.RELEASE).count()


def movement_exists(*, reference: str) -> bool:
    return JournalEntry.objects.filter(reference=reference).exists()


def milestone_for_payment(*, milestone_id: int) -> tuple[int, int] | None:
    """(contract id, milestone id) of the milestone a payment funds, without locking it: the
    caller locks the contract, then the milestone (the order every milestone step takes)."""
    row = Milestone.objects.filter(pk=milestone_id).values_list("contract_id", "pk").first()
    return (row[0], row[1]) if row is not None else None


def review_by(*, contract_id: int, reviewer_id: int) -> Review | None:
    return Review.objects.filter(contract_id=contract_id, reviewer_id=reviewer_id).first()


def has_approved_milestone(*, contract_id: int) -> bool:
    return Milestone.objects.filter(
        contract_id=contract_id, status=MilestoneStatus.APPROVED
    ).exists()


def review_refusal(
    *,
    contract: Contract,
    user_id: int | None,
    now: datetime,
    approved_work: bool | None = None,
) -> str | None:
    """Why `user_id` cannot review the other party of `contract` now (None: they can). A party
    reviews once, after the contract ended with approved work, within GIGS_REVIEW_WINDOW_DAYS
    of its end. `approved_work` spares the query when the caller already knows."""
    if user_id not in (contract.client_id, contract.freelancer_id):
        return "Only the contract's parties review each other."
    if contract.ended_at is None:
        return "The contract has not ended yet."
    if approved_work is None:
        approved_work = has_approved_milestone(contract_id=contract.pk)
    if not approved_work:
        return "No work was approved on this contract: there is nothing to review."
    days: int = settings.GIGS_REVIEW_WINDOW_DAYS
    if now > review_window_ends(ended_at=contract.ended_at, days=days):
        return f"Reviews are written within {days} days of the contract's end."
    if review_by(contract_id=contract.pk, reviewer_id=user_id) is not None:
        return "You already reviewed this contract."
    return None


def contract_reviews_for(*, contract_id: int, viewer_id: int | None) -> QuerySet[Review]:
    """A contract's published reviews, plus the viewer's own while it is still hidden."""
    visible = Q(published_at__isnull=False)
    if viewer_id is not None:
        visible |= Q(reviewer_id=viewer_id)
    return Review.objects.filter(visible, contract_id=contract_id).order_by("created_at", "id")


def unpublished_reviews(*, contract_id: int, lock: bool = False) -> list[Review]:
    query = Review.objects.filter(contract_id=contract_id, published_at__isnull=True)
    if lock:
        query = query.select_for_update()
    return list(query.order_by("pk"))


def contracts_with_due_reviews(*, ended_before: datetime, limit: int) -> list[int]:
    """Contracts that ended before `ended_before` and still hold a hidden review."""
    return list(
        Review.objects.filter(published_at__isnull=True, contract__ended_at__lt=ended_before)
        .order_by("contract_id")
        .values_list("contract_id", flat=True)
        .distinct()[:limit]
    )


def reviews_about(*, user_id: int) -> QuerySet[Review]:
    """The published reviews of a person (as freelancer and as client), newest first, each
    with its contract (for the gig's title)."""
    return (
        Review.objects.filter(reviewee_id=user_id, published_at__isnull=False)
        .select_related("contract")
        .order_by("-published_at", "-id")
    )


@dataclass(frozen=True, slots=True)
class Ratings:
    """A person's ratings as a freelancer (reviews by their clients) and as a client."""

    as_freelancer: Rating
    as_client: Rating


def _rating(total: int, count: int) -> Rating:
    return Rating(average=round(total / count, 2), count=count) if count else NO_RATING


NO_RATINGS = Ratings(as_freelancer=NO_RATING, as_client=NO_RATING)


def ratings_of(user_ids: Iterable[int]) -> dict[int, Ratings]:
    """Each person's ratings from their published reviews, in one query (UserRating keeps the
    sums and counts). Every id asked for is in the answer: NO_RATINGS before a first review."""
    ids = {int(user_id) for user_id in user_ids}
    if not ids:
        return {}
    found = {
        row.user_id: Ratings(
            as_freelancer=_rating(row.freelancer_sum, row.freelancer_count),
            as_client=_rating(row.client_sum, row.client_count),
        )
        for row in UserRating.objects.filter(user_id__in=ids)
    }
    return {user_id: found.get(user_id, NO_RATINGS) for user_id in ids}


# --- disputes -------------------------------------------------------------------------------------


def dispute_by_id(*, dispute_id: int, lock: bool = False) -> Dispute | None:
    """A dispute with its milestone and contract (locked: the dispute's row only; the services
    lock the contract and the milestone first, the order every milestone step takes)."""
    query = Dispute.objects.select_related("milestone__contract").filter(pk=dispute_id)
    if lock:
        query = query.select_for_update(of=("self",))
    return query.first()


def open_dispute_of(*, milestone_id: int) -> Dispute | None:
    return Dispute.objects.filter(milestone_id=milestone_id, status=DisputeStatus.OPEN).first()


def disputes_of_party(*, user_id: int) -> QuerySet[Dispute]:
    """The disputes on the contracts a person is a party to, open first, newest first."""
    return (
        Dispute.objects.select_related("milestone__contract")
        .filter(
            Q(milestone__contract__client_id=user_id)
            | Q(milestone__contract__freelancer_id=user_id)
        )
        # "open" sorts before "resolved".
        .order_by("status", "-opened_at", "-id")
    )


def fee_of_entry(*, reference: str) -> int:
    """The platform's fee taken by the journal entry recorded under `reference` (0 if none)."""
    total = JournalLine.objects.filter(
        entry__reference=reference, account__kind=AccountKind.PLATFORM_FEES
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)
