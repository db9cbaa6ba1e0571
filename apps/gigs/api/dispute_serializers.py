"""Input and output shapes of disputes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.gigs.api.contract_serializers import MilestoneEventOutput, PartyOutput
from apps.gigs.models import DisputeStatus, MilestoneStatus, MoneyStatus
from apps.gigs.rules.work import Party
from gigsy.api.inputs import StrictInput
from gigsy.api.schema import bounded_list

MAX_REASON = 5000
# The evidence shown with a dispute: a milestone's whole history in practice (a few dozen
# steps); the paginated .../milestones/{id}/history has every entry.
MAX_EVIDENCE = 500


class DisputeInput(StrictInput):
    reason = serializers.CharField(
        max_length=MAX_REASON,
        help_text="What is wrong; the other party and the operators read it.",
    )


class ResolutionOutput(serializers.Serializer[Any]):
    freelancer_amount = serializers.IntegerField(
        help_text="Minor units awarded to the freelancer, before the platform's fee."
    )
    fee = serializers.IntegerField(help_text="The platform's fee on the freelancer's part.")
    client_amount = serializers.IntegerField(help_text="Minor units refunded to the client.")
    reason = serializers.CharField(help_text="The operator's written reason.")
    resolved_at = serializers.DateTimeField()


class DisputeListOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    milestone_id = serializers.IntegerField()
    gig_title = serializers.CharField(help_text="The contract's title (its gig's).")
    milestone_title = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=DisputeStatus.choices)
    held_amount = serializers.IntegerField(
        help_text="Minor units: what the milestone's escrow held when the dispute opened."
    )
    opened_by_role = serializers.ChoiceField(choices=Party.choices)
    my_role = serializers.ChoiceField(
        choices=Party.choices, allow_null=True, help_text="null for an operator."
    )
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class DisputeDetailOutput(DisputeListOutput):
    reason = serializers.CharField(help_text="Why the dispute was opened.")
    opened_by = PartyOutput()
    milestone_status = serializers.ChoiceField(
        choices=MilestoneStatus.choices, help_text="The work's status (frozen while disputed)."
    )
    money_status = serializers.ChoiceField(
        choices=MoneyStatus.choices, help_text="The milestone's money: disputed, then resolved."
    )
    history = bounded_list(
        MilestoneEventOutput,
        max_items=MAX_EVIDENCE,
        help_text="The evidence: the milestone's history, oldest first (the opening and the "
        "resolution included).",
    )
    resolution = ResolutionOutput(allow_null=True, help_text="null while open.")
