"""Input and output shapes of contracts, their milestones and their history."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.gigs.models import ContractStatus, MilestoneStatus, MoneyStatus, Pricing
from apps.gigs.rules.work import MAX_MILESTONES, Action, Party
from gigsy.api.inputs import StrictInput
from gigsy.api.schema import bounded_list

# A milestone amount in minor units (as a bid: docs/decisions/0026).
MAX_AMOUNT = 10**12
MAX_NOTE = 5000
MAX_REASON = 500
PARTIES = Party.choices


# --- inputs ---------------------------------------------------------------------------------------
class ContractQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ContractStatus.choices, required=False)
    role = serializers.ChoiceField(
        choices=PARTIES, required=False, help_text="Only the contracts where I am this party."
    )


class MilestoneSubmitInput(StrictInput):
    note = serializers.CharField(
        max_length=MAX_NOTE,
        required=False,
        allow_blank=True,
        default="",
        help_text="What you hand in (plain text; links to the work).",
    )
    hours_worked = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text="Hourly contracts only, and required there: the hours worked this week, at "
        "most the contract's weekly cap (400 `hours_over_cap`).",
    )


class MilestoneChangesInput(StrictInput):
    note = serializers.CharField(max_length=MAX_NOTE, help_text="What to change.")


class MilestoneCancelInput(StrictInput):
    reason = serializers.CharField(
        max_length=MAX_REASON, help_text="Why; the other party reads it before accepting."
    )


class NewMilestoneInput(StrictInput):
    title = serializers.CharField(max_length=200)
    amount = serializers.IntegerField(
        min_value=1, max_value=MAX_AMOUNT, help_text="Minor units of the contract's currency."
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


# --- outputs --------------------------------------------------------------------------------------
class PartyOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CancellationOutput(serializers.Serializer[Any]):
    proposed_by = serializers.ChoiceField(choices=PARTIES)
    reason = serializers.CharField()


class MilestoneFields(serializers.Serializer[Any]):
    """A milestone's own columns (rendered with `represent`)."""

    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    amount = serializers.IntegerField(
        help_text="Minor units. Hourly: rate x weekly cap, the most the week can cost."
    )
    due_date = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    hours_worked = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Hourly: the hours reported."
    )
    submission_note = serializers.CharField()
    changes_note = serializers.CharField(help_text="The client's last request for changes.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    money_status = serializers.ChoiceField(
        choices=MoneyStatus.choices,
        help_text="Where the milestone's money is: funding (a payment is being completed), "
        "funded (held in escrow; the work is active), partially_released, released, refunded, "
        "disputed, resolved.",
    )
    funded_at = serializers.DateTimeField(
        allow_null=True, help_text="When the provider confirmed the payment."
    )


class MilestoneOutput(MilestoneFields):
    """A milestone as its contract's parties see it, with what the caller may do now."""

    approved_amount = serializers.IntegerField(
        allow_null=True,
        help_text="What approving it is worth (minor units): the amount at a fixed price, "
        "hours worked x rate for an hourly week once submitted; null before that.",
    )
    auto_approves_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Submitted: when the platform approves it if the client does not answer "
        "(unless a cancellation is proposed).",
    )
    cancellation = CancellationOutput(
        allow_null=True, help_text="A cancellation proposed and not yet answered."
    )
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=[action.value for action in Action]),
        help_text="What the caller may do now (each is POST .../milestones/{id}/<action>, "
        "with `_cancel` actions under `cancel/`: cancel/accept, cancel/decline, "
        "cancel/withdraw, and request_changes as request-changes).",
    )
    contract_status = serializers.ChoiceField(
        choices=ContractStatus.choices,
        help_text="The contract's status after this step (an approval or a cancellation may "
        "have ended it).",
    )


class ContractListOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    gig_id = serializers.IntegerField()
    title = serializers.CharField()
    pricing = serializers.ChoiceField(choices=Pricing.choices)
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=ContractStatus.choices)
    my_role = serializers.ChoiceField(choices=PARTIES)
    other_party = PartyOutput()
    total_amount = serializers.IntegerField(
        help_text="Minor units: the milestones not cancelled, together."
    )
    milestone_count = serializers.IntegerField()
    milestones_ended = serializers.IntegerField(help_text="Approved or cancelled.")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class ContractDetailOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    gig_id = serializers.IntegerField()
    title = serializers.CharField(help_text="The gig's title when the contract started.")
    skills = serializers.ListField(child=serializers.CharField())
    pricing = serializers.ChoiceField(choices=Pricing.choices)
    currency = serializers.CharField()
    hourly_rate = serializers.IntegerField(allow_null=True)
    weekly_hours_cap = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=ContractStatus.choices)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    client = PartyOutput()
    freelancer = PartyOutput()
    my_role = serializers.ChoiceField(
        choices=PARTIES, allow_null=True, help_text="null for an operator."
    )
    total_amount = serializers.IntegerField(
        help_text="Minor units: the milestones not cancelled, together."
    )
    approved_amount = serializers.IntegerField(help_text="Minor units: the approved work.")
    milestones = bounded_list(MilestoneOutput, max_items=MAX_MILESTONES)
    can_review = serializers.BooleanField(
        help_text="Whether the caller may review the other party now (POST .../reviews)."
    )
    review_window_ends_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Once the contract ended with approved work: until when reviews are "
        "written; hidden reviews are published then at the latest.",
    )


class MilestoneEventOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    actor_id = serializers.IntegerField(allow_null=True, help_text="null: the platform.")
    actor_role = serializers.ChoiceField(
        choices=[*Party.values, "platform", "operator"],
        help_text="Who took the step: a party, the platform (auto-approval) or an operator.",
    )
    from_status = serializers.ChoiceField(
        choices=MilestoneStatus.choices, allow_blank=True, help_text="Empty for the first entry."
    )
    to_status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    action = serializers.CharField(
        help_text="agreed, added, start, submit, request_changes, approve, cancel, "
        "propose_cancel, decline_cancel, withdraw_cancel; dispute (a party disputed the money, "
        "the note is their reason) and resolve_dispute (an operator's split, with its reason)"
    )
    note = serializers.CharField()
    at = serializers.DateTimeField()
