"""Input and output shapes of the gig area (docs/decisions/0025).

Inputs check shapes (lengths, ranges, slugs); the rules across fields (hourly terms, a
location or remote, the currency list, the deadline, the required course) are the service's,
so the admin and the API refuse the same things.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from apps.accounts import public as accounts
from apps.gigs import selectors
from apps.gigs.models import Gig, GigStatus, Pricing
from apps.gigs.policies import PUBLIC_GIG_STATUSES
from apps.gigs.services.gigs import MAX_SKILLS, MAX_WEEKLY_HOURS
from gigsy.api.inputs import StrictInput
from gigsy.api.representation import represent

# Minor units: a trillion is far above any gig and far below what a bigint holds.
MAX_MONEY = 10**12
MAX_ID = 2**63 - 1
SKILL_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SKILL_HELP = "lower-case skill slugs (the course skills' vocabulary), at most 20"
DESCRIPTION_HELP = "Markdown (CommonMark; rendered without raw HTML), as lesson bodies"


def _skill() -> serializers.RegexField:
    return serializers.RegexField(
        SKILL_SLUG,
        max_length=60,
        error_messages={"invalid": "A skill is a lower-case slug: letters, digits, hyphens."},
    )


# --- inputs ---------------------------------------------------------------------------------------
class GigInput(StrictInput):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000, help_text=DESCRIPTION_HELP)
    skills = serializers.ListField(
        child=_skill(), max_length=MAX_SKILLS, required=False, help_text=SKILL_HELP
    )
    budget_amount = serializers.IntegerField(
        min_value=1,
        max_value=MAX_MONEY,
        help_text="integer minor units (cents): the price, or an hourly gig's overall cap",
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", help_text="ISO 4217, upper case; one of GIGS_CURRENCIES"
    )
    pricing = serializers.ChoiceField(choices=Pricing.choices, required=False)
    hourly_rate = serializers.IntegerField(
        min_value=1,
        max_value=MAX_MONEY,
        required=False,
        allow_null=True,
        help_text="hourly gigs only: minor units per hour",
    )
    weekly_hours_cap = serializers.IntegerField(
        min_value=1,
        max_value=MAX_WEEKLY_HOURS,
        required=False,
        allow_null=True,
        help_text="hourly gigs only: the most hours a week the gig pays for",
    )
    deadline = serializers.DateField(required=False, allow_null=True, help_text="not in the past")
    remote = serializers.BooleanField(required=False, help_text="default true")
    location = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text="needed when not remote"
    )
    required_course_id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="a published course whose certificate applicants must hold",
    )


class GigCreateInput(GigInput):
    publish = serializers.BooleanField(
        required=False, default=False, help_text="open the gig at once instead of a draft"
    )


class GigUpdateInput(GigInput):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        max_length=20_000, required=False, help_text=DESCRIPTION_HELP
    )
    budget_amount = serializers.IntegerField(min_value=1, max_value=MAX_MONEY, required=False)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)


class CancelInput(StrictInput):
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="optional; shown on the gig page",
    )


# --- query parameters -----------------------------------------------------------------------------
class BrowseQuery(serializers.Serializer[Any]):
    skills = serializers.CharField(
        max_length=MAX_SKILLS * 61,
        required=False,
        help_text="comma-separated skill slugs: gigs asking for ANY of them",
    )
    budget_min = serializers.IntegerField(
        min_value=0, max_value=MAX_MONEY, required=False, help_text="minor units, inclusive"
    )
    budget_max = serializers.IntegerField(
        min_value=0, max_value=MAX_MONEY, required=False, help_text="minor units, inclusive"
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    pricing = serializers.ChoiceField(choices=Pricing.choices, required=False)
    remote = serializers.BooleanField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in PUBLIC_GIG_STATUSES],
        required=False,
        help_text="default open",
    )
    q = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="text search in title and description (every word; the last as a prefix)",
    )
    client = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="a client's user id"
    )

    def validate_skills(self, value: str) -> list[str]:
        slugs = sorted({s.strip() for s in value.split(",") if s.strip()})
        field = _skill()
        for slug in slugs:
            field.run_validation(slug)
        if len(slugs) > MAX_SKILLS:
            raise serializers.ValidationError(f"At most {MAX_SKILLS} skills.")
        return slugs

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("budget_min"), attrs.get("budget_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"budget_min": ["Above budget_max."]})
        return attrs


class MyGigsQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=GigStatus.choices, required=False)


# --- outputs --------------------------------------------------------------------------------------
class CredentialOutput(serializers.Serializer[Any]):
    course_id = serializers.IntegerField()
    course_title = serializers.CharField(help_text="the course's title when the gig was saved")


class ClientOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    rating = serializers.FloatField(
        allow_null=True, help_text="average of published reviews as a client, 1-5"
    )
    rating_count = serializers.IntegerField()


class _GigTerms(serializers.Serializer[Any]):
    """What every shape shows of a gig's own columns (rendered with `represent`; the nested
    parts are added by the functions below, which read them for a whole page at once)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    budget_amount = serializers.IntegerField(help_text="minor units")
    currency = serializers.CharField()
    pricing = serializers.ChoiceField(choices=Pricing.choices)
    hourly_rate = serializers.IntegerField(allow_null=True, help_text="minor units per hour")
    weekly_hours_cap = serializers.IntegerField(allow_null=True)
    deadline = serializers.DateField(allow_null=True)
    remote = serializers.BooleanField()
    location = serializers.CharField()
    status = serializers.ChoiceField(choices=GigStatus.choices)
    published_at = serializers.DateTimeField(allow_null=True)


class _CardTerms(_GigTerms):
    excerpt = serializers.CharField(help_text="the description's first 280 characters")


class _PageTerms(_GigTerms):
    description = serializers.CharField(help_text=DESCRIPTION_HELP)
    status_reason = serializers.CharField(
        help_text="why the client cancelled or an operator closed the gig (empty otherwise)"
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class _MineTerms(_CardTerms):
    status_reason = serializers.CharField()
    application_count = serializers.IntegerField(help_text="active applications")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class GigCardOutput(_CardTerms):
    """A gig in the browse list."""

    required_credential = CredentialOutput(allow_null=True)
    client = ClientOutput()


class GigPageOutput(_PageTerms):
    """The gig page."""

    required_credential = CredentialOutput(allow_null=True)
    client = ClientOutput()
    application_count = serializers.IntegerField(
        allow_null=True,
        help_text="active applications; for the gig's client and operators only (null)",
    )


class MyGigOutput(_MineTerms):
    """One of the caller's own gigs."""

    required_credential = CredentialOutput(allow_null=True)


# --- rendering ------------------------------------------------------------------------------------
def _credential(gig: Gig) -> dict[str, Any] | None:
    if gig.required_course_id is None:
        return None
    return {"course_id": gig.required_course_id, "course_title": gig.required_course_title}


def _client(
    user_id: int, people: dict[int, accounts.UserSummary], ratings: dict[int, selectors.Rating]
) -> dict[str, Any]:
    person = people.get(user_id)
    rating = ratings.get(user_id, selectors.NO_RATING)
    return {
        "id": user_id,
        "display_name": person.display_name if person else "",
        "rating": rating.average,
        "rating_count": rating.count,
    }


def _people(
    gigs: Iterable[Gig],
) -> tuple[dict[int, accounts.UserSummary], dict[int, selectors.Rating]]:
    """Names (accounts, one call) and client ratings (one query) of the gigs' clients."""
    ids = {gig.client_id for gig in gigs}
    return accounts.get_users(ids), selectors.client_ratings(user_ids=ids)


def gig_cards(gigs: list[Gig]) -> list[dict[str, Any]]:
    """Browse items: two queries for the whole page, whatever its size."""
    people, ratings = _people(gigs)
    return [
        represent(_CardTerms, gig)
        | {
            "required_credential": _credential(gig),
            "client": _client(gig.client_id, people, ratings),
        }
        for gig in gigs
    ]


def gig_page(gig: Gig, *, application_count: int | None) -> dict[str, Any]:
    people, ratings = _people([gig])
    return represent(_PageTerms, gig) | {
        "required_credential": _credential(gig),
        "client": _client(gig.client_id, people, ratings),
        "application_count": application_count,
    }


def my_gigs(gigs: list[Gig]) -> list[dict[str, Any]]:
    return [represent(_MineTerms, gig) | {"required_credential": _credential(gig)} for gig in gigs]
