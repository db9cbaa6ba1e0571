"""Input and output shapes of moderation: reports on gigs and clients' blocks."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.gigs.models import ReportReason, ReportStatus
from gigsy.api.inputs import StrictInput

MAX_ID = 2**63 - 1  # a bigint: past it the database would refuse the value (a 500)
MAX_REPORT_DETAILS = 2000


# --- inputs ---------------------------------------------------------------------------------------
class ReportInput(StrictInput):
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField(
        max_length=MAX_REPORT_DETAILS,
        required=False,
        allow_blank=True,
        default="",
        help_text="What is wrong with the gig, for the operators (never shown to its client).",
    )


class BlockInput(StrictInput):
    user_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A person who applied to one of your gigs."
    )


# --- outputs --------------------------------------------------------------------------------------
class ReportOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    gig_id = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField()
    status = serializers.ChoiceField(
        choices=ReportStatus.choices,
        help_text="open: waiting for an operator; dismissed: the gig stays; actioned: the gig "
        "was closed.",
    )
    created_at = serializers.DateTimeField()
    handled_at = serializers.DateTimeField(allow_null=True)


class BlockOutput(serializers.Serializer[Any]):
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    created_at = serializers.DateTimeField()
