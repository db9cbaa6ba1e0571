"""The gig marketplace: gigs, applications, contracts and their milestones, reviews, moderation.

Every table lives in the `gigs` schema (docs/decisions/0002). Users are referenced by id only
(the FKs to accounts are never followed: docs/decisions/0010); what a gig page shows about a
person comes from `accounts.public`, and ratings from gigs' own `UserRating`.
Money is integer minor units with an ISO 4217 currency, never a float (docs/decisions/0025).
The state machines are written in the services that move them (apps/gigs/services/).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

# --- gigs -----------------------------------------------------------------------------------------


class Pricing(models.TextChoices):
    FIXED = "fixed", "Fixed price"
    HOURLY = "hourly", "Hourly"


class GigStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    # The client withdrew the gig.
    CANCELLED = "cancelled", "Cancelled"
    # An operator closed it (moderation), with a reason the client sees.
    CLOSED = "closed", "Closed"


class Gig(models.Model):
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    # Markdown (CommonMark; the frontend renders it with raw HTML disabled), like lesson bodies.
    description = models.TextField()
    # Skill slugs: the vocabulary course skills use, so certificates and gigs meet.
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    # What the client expects to spend in all (fixed: the price; hourly: the overall cap).
    budget_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)  # ISO 4217, upper case
    pricing = models.CharField(max_length=8, choices=Pricing.choices, default=Pricing.FIXED)
    # Hourly gigs only: the rate per hour (minor units) and the most hours a week it pays for.
    hourly_rate = models.BigIntegerField(null=True, blank=True)
    weekly_hours_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    remote = models.BooleanField(default=True)
    location = models.CharField(max_length=120, blank=True, default="")
    # A credential applicants must hold: a course certificate today (lms course id + its title
    # when the gig was saved, shown without asking lms).
    required_course_id = models.BigIntegerField(null=True, blank=True)
    required_course_title = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=12, choices=GigStatus.choices, default=GigStatus.DRAFT)
    # Why an operator closed the gig (moderation) or the client cancelled it; shown to the client.
    status_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("description", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = '"gigs"."gig"'
        indexes = [
            # Browse: open gigs, newest first, keyset-friendly.
            models.Index(fields=["status", "-published_at", "-id"], name="gigs_gig_browse_idx"),
            models.Index(fields=["client", "-created_at"], name="gigs_gig_client_idx"),
            models.Index(fields=["status", "budget_amount"], name="gigs_gig_budget_idx"),
            GinIndex(fields=["skills"], name="gigs_gig_skills_idx"),
            GinIndex(fields=["search_vector"], name="gigs_gig_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gt=0), name="gigs_gig_budget_pos"),
            models.CheckConstraint(
                condition=Q(
                    pricing="fixed", hourly_rate__isnull=True, weekly_hours_cap__isnull=True
                )
                | Q(pricing="hourly", hourly_rate__gt=0, weekly_hours_cap__gt=0),
                name="gigs_gig_hourly_terms",
            ),
            models.CheckConstraint(
                condition=Q(remote=True) | ~Q(location=""), name="gigs_gig_where"
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --- applications ---------------------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SHORTLISTED = "shortlisted", "Shortlisted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


ACTIVE_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.ACCEPTED,
)


class Application(models.Model):
    gig = models.ForeignKey(Gig, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cover_letter = models.TextField()
    # Fixed gigs: the price asked, in the gig's currency; hourly gigs: the rate asked per hour.
    bid_amount = models.BigIntegerField()
    status = models.CharField(
        max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    # Why the client rejected (optional; shown to the applicant) or "position filled".
    status_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"gigs"."application"'
        indexes = [
            models.Index(fields=["gig", "status", "-created_at"], name="gigs_app_gig_idx"),
            models.Index(fields=["applicant", "-created_at"], name="gigs_app_applicant_idx"),
        ]
        constraints = [
            # One active application per gig and applicant: a double submit cannot make two.
            models.UniqueConstraint(
                fields=["gig", "applicant"],
                condition=Q(status__in=["submitted", "shortlisted", "accepted"]),
                name="gigs_app_one_active",
            ),
            models.CheckConstraint(condition=Q(bid_amount__gt=0), name="gigs_app_bid_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id} -> gig {self.gig_id} ({self.status})"


# --- contracts and milestones ---------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Contract(models.Model):
    """The agreement an accepted application becomes: one per gig. Terms are copied from the gig
    and the bid when it starts, so a later edit of the gig changes nothing agreed."""

    gig = models.OneToOneField(Gig, on_delete=models.PROTECT, related_name="contract")
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    freelancer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)  # the gig's title when the contract started
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    pricing = models.CharField(max_length=8, choices=Pricing.choices)
    currency = models.CharField(max_length=3)
    hourly_rate = models.BigIntegerField(null=True, blank=True)
    weekly_hours_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"gigs"."contract"'
        indexes = [
            models.Index(fields=["client", "-started_at"], name="gigs_contract_client_idx"),
            models.Index(fields=["freelancer", "-started_at"], name="gigs_contract_freel_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(client=F("freelancer")), name="gigs_contract_two_parties"
            ),
        ]

    def __str__(self) -> str:
        return f"contract {self.pk}: {self.title}"


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    SUBMITTED = "submitted", "Submitted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_MILESTONE_STATUSES = (MilestoneStatus.APPROVED, MilestoneStatus.CANCELLED)


class MoneyStatus(models.TextChoices):
    """Where a milestone's money is (docs/decisions/0029), beside its work status: funding
    replaces the client's "start" (funded makes the work active), approval releases."""

    UNFUNDED = "unfunded", "Not funded"
    # A payment was asked of the provider; its signed confirmation has not arrived.
    FUNDING = "funding", "Funding"
    FUNDED = "funded", "Funded"
    PARTIALLY_RELEASED = "partially_released", "Partially released"
    RELEASED = "released", "Released"
    # The unreleased rest went back to the client (cancellation by agreement).
    REFUNDED = "refunded", "Refunded"
    DISPUTED = "disputed", "Disputed"
    # An operator split the held money between the parties.
    RESOLVED = "resolved", "Resolved"


class Milestone(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    # Fixed: the agreed price of this part. Hourly: rate x weekly cap, the most the week can cost.
    amount = models.BigIntegerField()
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING
    )
    # Hourly milestones: the hours the freelancer reports with the submission (<= the cap).
    hours_worked = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    submission_note = models.TextField(blank=True, default="")
    changes_note = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # Cancellation by agreement: one party proposes, the other accepts.
    cancel_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=500, blank=True, default="")
    money_status = models.CharField(
        max_length=20, choices=MoneyStatus.choices, default=MoneyStatus.UNFUNDED
    )
    # The payment that funds (or is funding) this milestone: PaymentRecord.reference.
    payment_reference = models.CharField(max_length=200, blank=True, default="")
    funded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = '"gigs"."milestone"'
        ordering = ["contract_id", "position"]
        indexes = [
            # The auto-approval sweep: submitted milestones, oldest submission first.
            models.Index(
                fields=["submitted_at"],
                condition=Q(status="submitted"),
                name="gigs_ms_submitted_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="gigs_ms_position_uniq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="gigs_ms_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


class MilestoneEvent(models.Model):
    """A milestone's history, append-only: every transition with who took it and their note.
    It is the evidence a dispute is judged on (the escrow issue)."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="history")
    # None: the platform (auto-approval).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20)
    action = models.CharField(max_length=32)
    note = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = '"gigs"."milestone_event"'
        indexes = [models.Index(fields=["milestone", "at"], name="gigs_ms_event_idx")]

    def __str__(self) -> str:
        return f"{self.milestone_id}: {self.from_status} -> {self.to_status}"


# --- reviews and ratings --------------------------------------------------------------------------


class ReviewDirection(models.TextChoices):
    # The client reviews the freelancer, or the freelancer reviews the client.
    OF_FREELANCER = "of_freelancer", "Of the freelancer"
    OF_CLIENT = "of_client", "Of the client"


class Review(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(max_length=16, choices=ReviewDirection.choices)
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Hidden until both sides reviewed or the review window passed (double-blind).
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"gigs"."review"'
        indexes = [
            models.Index(fields=["reviewee", "direction", "-published_at"], name="gigs_review_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["contract", "reviewer"], name="gigs_review_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="gigs_review_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} rated {self.reviewee_id} {self.rating}/5"


class UserRating(models.Model):
    """A person's ratings as freelancer and as client: sums and counts of their published
    reviews, kept by the service that publishes reviews so gig lists show them without an
    aggregate per row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    freelancer_sum = models.PositiveIntegerField(default=0)
    freelancer_count = models.PositiveIntegerField(default=0)
    client_sum = models.PositiveIntegerField(default=0)
    client_count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = '"gigs"."user_rating"'

    def __str__(self) -> str:
        return f"ratings of {self.user_id}"


# --- moderation -----------------------------------------------------------------------------------


class ReportReason(models.TextChoices):
    SCAM = "scam", "Scam or fraud"
    SPAM = "spam", "Spam"
    OFFENSIVE = "offensive", "Offensive"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    ACTIONED = "actioned", "Gig closed"


class Report(models.Model):
    gig = models.ForeignKey(Gig, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=ReportReason.choices)
    details = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        db_table = '"gigs"."report"'
        indexes = [
            models.Index(fields=["status", "created_at"], name="gigs_report_queue_idx"),
        ]
        constraints = [
            # One open report per person and gig: reporting twice adds nothing to the queue.
            models.UniqueConstraint(
                fields=["gig", "reporter"], condition=Q(status="open"), name="gigs_report_once"
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on gig {self.gig_id} ({self.reason})"


class ApplicantBlock(models.Model):
    """A client's block: the blocked person can no longer apply to any of the client's gigs."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = '"gigs"."applicant_block"'
        constraints = [
            models.UniqueConstraint(fields=["client", "blocked"], name="gigs_block_once"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} blocks {self.blocked_id}"


# --- read model of credentials (fed by lms's certificate events) ----------------------------------


class HeldCredential(models.Model):
    """gigs' copy of who holds which course certificate, fed by `certificate.issued` and
    `certificate.revoked`: the credential gate reads it instead of asking lms on every apply."""

    certificate_id = models.BigIntegerField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_id = models.BigIntegerField()
    revoked = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = '"gigs"."held_credential"'
        indexes = [models.Index(fields=["user", "course_id"], name="gigs_credential_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} holds course {self.course_id}"


# --- ledger ---------------------------------------------------------------------------------------
# The double-entry ledger of escrow (docs/decisions/0029; apps/gigs/ledger/ posts to it). Balances
# are derived from the lines, never stored. Entries and lines are append-only: database triggers
# refuse UPDATE and DELETE, and a deferred constraint trigger refuses at commit an entry whose
# lines do not sum to zero per currency (migration 0003_ledger).


class AccountKind(models.TextChoices):
    # Per client: money that came in from outside (a payment); goes negative as it funds.
    CLIENT_FUNDING = "client_funding", "Client funding"
    # Per milestone: funded money waiting for release or refund.
    ESCROW = "escrow", "Escrow"
    # Per milestone: escrow frozen by a dispute until an operator splits it.
    DISPUTE_HOLD = "dispute_hold", "Dispute hold"
    # Per freelancer: released money still in its clearing period (GIGS_CLEARING_DAYS).
    FREELANCER_PENDING = "freelancer_pending", "Freelancer pending"
    # Per freelancer: cleared money a payout may take.
    FREELANCER_AVAILABLE = "freelancer_available", "Freelancer available"
    # Per currency (no owner): the platform's fees.
    PLATFORM_FEES = "platform_fees", "Platform fees"
    # Per client: money returned outside (refunds).
    CLIENT_REFUNDS = "client_refunds", "Client refunds"
    # Per freelancer: money paid outside (payouts).
    PAYOUTS = "payouts", "Payouts"


class LedgerAccount(models.Model):
    kind = models.CharField(max_length=24, choices=AccountKind.choices)
    # A user id (client and freelancer kinds) or a milestone id (escrow, dispute hold) depending
    # on the kind; none for platform fees. Not a foreign key: it points at one of two tables.
    owner_id = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3)  # ISO 4217
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = '"gigs"."ledger_account"'
        constraints = [
            # One account per (kind, owner, currency), the platform's too (owner NULL): posting
            # creates accounts with INSERT ... ON CONFLICT DO NOTHING.
            models.UniqueConstraint(
                fields=["kind", "owner_id", "currency"],
                nulls_distinct=False,
                name="gigs_ledger_account_uniq",
            ),
            # The target of journal lines' (account, currency) foreign key.
            models.UniqueConstraint(fields=["id", "currency"], name="gigs_ledger_account_cur"),
            models.CheckConstraint(
                condition=Q(kind="platform_fees", owner_id__isnull=True)
                | (~Q(kind="platform_fees") & Q(owner_id__isnull=False)),
                name="gigs_ledger_account_owner",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="gigs_ledger_account_iso"
            ),
        ]

    def __str__(self) -> str:
        owner = "" if self.owner_id is None else f" {self.owner_id}"
        return f"{self.kind}{owner} {self.currency}"


class EntryKind(models.TextChoices):
    FUND = "fund", "Fund"
    RELEASE = "release", "Release"
    REFUND = "refund", "Refund"
    DISPUTE_HOLD = "dispute_hold", "Dispute hold"
    DISPUTE_RESOLVE = "dispute_resolve", "Dispute resolution"
    CLEAR = "clear", "Clear"
    PAYOUT = "payout", "Payout"
    REVERSAL = "reversal", "Reversal"


class JournalEntry(models.Model):
    """One money movement: its lines sum to zero per currency."""

    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    memo = models.CharField(max_length=500, blank=True, default="")
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A reversal names the entry it mirrors; an entry is reversed at most once.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField(db_default=Now())
    # None: the platform (the clearing sweep, a webhook).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The movement's idempotency reference ("fund:<payment id>", "clear:<entry id>", ...): the
    # same reference again is the same movement, recorded once.
    reference = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        db_table = '"gigs"."journal_entry"'
        verbose_name_plural = "journal entries"
        indexes = [
            # The clearing sweep: entries that credit a freelancer's pending funds, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(kind__in=["release", "dispute_resolve"]),
                name="gigs_entry_clearable_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="gigs_entry_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class JournalLine(models.Model):
    """One side of an entry: a signed amount on one account (positive adds to its balance)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    # The database checks (account, currency) against the account's own currency with a
    # composite foreign key (migration 0003_ledger), which also covers the account's existence:
    # Django's single-column constraint would be a second look-up per line.
    account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,  # gigs_line_account_idx below covers it
        related_name="lines",
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)  # the account's, copied: sums per currency

    class Meta:
        db_table = '"gigs"."journal_line"'
        indexes = [
            # Balances: an index-only sum of one account's lines.
            models.Index(fields=["account"], include=["amount"], name="gigs_line_account_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="gigs_line_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.currency} on account {self.account_id}"


# --- payments -------------------------------------------------------------------------------------
# What the payment provider was asked and what its signed webhooks said (apps/gigs/payments/,
# docs/decisions/0031). The ledger, not these rows, is the record of whose money is where.


class PaymentStatus(models.TextChoices):
    # Asked of the provider; the payer has not completed it yet.
    CREATED = "created", "Created"
    SUCCEEDED = "succeeded", "Succeeded"
    # The provider said it failed; a later success (the payer retried) still wins.
    FAILED = "failed", "Failed"
    # Refunded in full (a partial refund keeps `succeeded`, with `refunded_amount`).
    REFUNDED = "refunded", "Refunded"


class PaymentRecord(models.Model):
    """One payment asked of a provider, and its state as the provider's webhooks report it.

    The webhook intake moves it, state-aware: a late `failed` after `succeeded` changes
    nothing, a refund counts once however many events repeat it (`refunds`)."""

    # Ours, unique per money movement; also the provider's idempotency key.
    reference = models.CharField(max_length=200)
    provider = models.CharField(max_length=20)
    provider_payment_id = models.CharField(max_length=255)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)  # ISO 4217, upper case
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    # Provider refund id -> amount: each refund counted once, whichever events reported it.
    refunds = models.JSONField(default=dict, blank=True)
    refunded_amount = models.BigIntegerField(default=0)
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = '"gigs"."payment_record"'
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="gigs_payment_reference_uniq"),
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"], name="gigs_payment_provider_uniq"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="gigs_payment_amount_pos"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("amount")),
                name="gigs_payment_refund_range",
            ),
        ]
        indexes = [models.Index(fields=["milestone"], name="gigs_payment_milestone_idx")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount} {self.currency} ({self.status})"


class WebhookReceipt(models.Model):
    """One provider event received and processed, in the same transaction: the unique
    (provider, event id) makes a replayed or duplicated webhook a no-op, and a crash before
    commit leaves no receipt, so the provider's redelivery processes it then."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    # Ours (payment.succeeded, refund.succeeded, ...); the provider's own is in the payload.
    type = models.CharField(max_length=32)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"gigs"."webhook_receipt"'
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="gigs_webhook_once"),
        ]
        indexes = [models.Index(fields=["-received_at"], name="gigs_webhook_received_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} ({self.type})"


# --- disputes and the operators' money audit ---------------------------------------------------


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Dispute(models.Model):
    """A party disputes a funded milestone: its escrow moves to the dispute hold until an
    operator splits it between the parties (one journal entry), with a written reason. The
    evidence is the milestone's history (and, once chat exists, the contract's room)."""

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    held_amount = models.BigIntegerField()
    opened_at = models.DateTimeField(auto_now_add=True)
    freelancer_amount = models.BigIntegerField(null=True, blank=True)
    client_amount = models.BigIntegerField(null=True, blank=True)
    resolution = models.TextField(blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"gigs"."dispute"'
        indexes = [models.Index(fields=["status", "opened_at"], name="gigs_dispute_queue_idx")]
        constraints = [
            # One open dispute per milestone.
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(status="open"), name="gigs_dispute_one_open"
            ),
            models.CheckConstraint(condition=Q(held_amount__gt=0), name="gigs_dispute_held_pos"),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(
                    freelancer_amount__gte=0,
                    client_amount__gte=0,
                    freelancer_amount__lte=F("held_amount") - F("client_amount"),
                ),
                name="gigs_dispute_split_fits",
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} on milestone {self.milestone_id} ({self.status})"


class MoneyAudit(models.Model):
    """Append-only record of every operator action on money (resolve a dispute, a manual refund,
    a payout hold): who, what, why, when. A database trigger rejects UPDATE and DELETE."""

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    reason = models.TextField()
    contract_id = models.BigIntegerField(null=True, blank=True)
    milestone_id = models.BigIntegerField(null=True, blank=True)
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = '"gigs"."money_audit"'
        indexes = [models.Index(fields=["-at"], name="gigs_money_audit_at_idx")]

    def __str__(self) -> str:
        return f"{self.action} by {self.operator_id} at {self.at:%Y-%m-%d %H:%M}"


# --- payouts --------------------------------------------------------------------------------------
# A freelancer's available funds paid out through the provider (services/money.py,
# docs/decisions/0032). The ledger's payout entry is posted when the payout is requested; a
# failed payout reverses it.


class PayoutStatus(models.TextChoices):
    # Taken from available funds and asked of the provider; its webhook has not confirmed yet.
    REQUESTED = "requested", "Requested"
    PAID = "paid", "Paid"
    # The provider refused or reversed it: the ledger entry was reversed (funds available again).
    FAILED = "failed", "Failed"


class Payout(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Ours ("payout:<hex>"): the ledger entry's reference and the provider's idempotency key.
    reference = models.CharField(max_length=200, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)  # ISO 4217
    status = models.CharField(
        max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.REQUESTED
    )
    provider = models.CharField(max_length=20)
    destination = models.CharField(max_length=255)
    provider_payout_id = models.CharField(max_length=255, blank=True, default="")
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"gigs"."payout"'
        indexes = [models.Index(fields=["user", "-created_at"], name="gigs_payout_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="gigs_payout_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk}: {self.amount} {self.currency} ({self.status})"


class PayoutProfile(models.Model):
    """A freelancer's payout settings: where the provider sends their money (Stripe: a Connect
    account, `acct_...`; the sandbox needs none) and whether operators hold their payouts.
    Created on the first payout request or hold; changed only through services/money.py (a
    hold or its lifting writes a MoneyAudit record)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    stripe_account_id = models.CharField(max_length=255, blank=True, default="")
    held = models.BooleanField(default=False)
    hold_reason = models.CharField(max_length=500, blank=True, default="")
    held_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = '"gigs"."payout_profile"'

    def __str__(self) -> str:
        return f"payout profile of {self.user_id}{' (held)' if self.held else ''}"
