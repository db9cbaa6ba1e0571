"""Input and output shapes of applications and hiring."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from apps.gigs.models import ApplicationStatus, GigStatus, Pricing
from gigsy.api.inputs import StrictInput

# A bid or a milestone amount, in minor units: ten billion of the currency's units at most, so
# that rate x weekly cap x weeks stays far inside a bigint.
MAX_AMOUNT = 10**12
MAX_COVER_LETTER = 10_000
MAX_REASON = 500


# --- inputs ---------------------------------------------------------------------------------------
class ApplyInput(StrictInput):
    cover_letter = serializers.CharField(
        max_length=MAX_COVER_LETTER, help_text="Why you, for this gig (plain text)."
    )
    bid_amount = serializers.IntegerField(
        min_value=1,
        max_value=MAX_AMOUNT,
        help_text="In the gig's currency, in minor units: the price you ask for a fixed gig, "
        "your rate per hour for an hourly one.",
    )


class RejectInput(StrictInput):
    reason = serializers.CharField(
        max_length=MAX_REASON,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional; the applicant sees it.",
    )


class MilestoneTermsInput(StrictInput):
    title = serializers.CharField(max_length=200)
    amount = serializers.IntegerField(min_value=1, max_value=MAX_AMOUNT, help_text="Minor units.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)

    def to_internal_value(self, data: Any) -> Any:
        # A list item has no `initial_data` for StrictInput.validate to read: check here.
        unknown = set(data) - set(self.fields) if isinstance(data, dict) else set()
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown or read-only field."] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)

    def validate_due_date(self, value: Any) -> Any:
        if value is not None and value < timezone.now().date():
            raise serializers.ValidationError("A milestone cannot be due in the past.")
        return value


class AcceptInput(StrictInput):
    milestones = serializers.ListField(
        child=MilestoneTermsInput(),
        required=False,
        min_length=1,
        max_length=20,
        help_text="Fixed-price gigs: 1 to 20 milestones whose amounts add up to the accepted "
        "bid exactly. Without them: one milestone for the whole bid, due on the gig's deadline.",
    )
    weeks = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Hourly gigs: how many weekly milestones (at most GIGS_MAX_WEEKS, 26 by "
        "default); each is rate x weekly hours cap. Default: the weeks left to the gig's "
        "deadline, or 1.",
    )

    def validate_weeks(self, value: int) -> int:
        longest: int = settings.GIGS_MAX_WEEKS
        if value > longest:
            raise serializers.ValidationError(f"At most {longest} weeks.")
        return value


class ApplicationQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, required=False)


# --- outputs --------------------------------------------------------------------------------------
class RatingOutput(serializers.Serializer[Any]):
    average = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        allow_null=True,
        help_text="The average of the published reviews of this person as a freelancer "
        "(1-5); null before the first.",
    )
    count = serializers.IntegerField()


class ApplicantOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    rating = RatingOutput()


class ApplicationGigOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=GigStatus.choices)
    pricing = serializers.ChoiceField(choices=Pricing.choices)
    currency = serializers.CharField()


class ApplicationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    gig = ApplicationGigOutput()
    applicant = ApplicantOutput()
    cover_letter = serializers.CharField()
    bid_amount = serializers.IntegerField(
        help_text="Minor units of the gig's currency: a price (fixed) or a rate per hour."
    )
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    status_reason = serializers.CharField(
        help_text="Why it was rejected (the client's words, or “position filled”), else empty."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    contract_id = serializers.IntegerField(
        allow_null=True, help_text="The contract an accepted application became."
    )
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=["withdraw", "shortlist", "reject", "accept"]),
        help_text="What the caller may do with it now.",
    )


class AcceptOutput(serializers.Serializer[Any]):
    contract_id = serializers.IntegerField()
    application = ApplicationOutput()
