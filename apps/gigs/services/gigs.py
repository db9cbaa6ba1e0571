"""Gigs: verified clients post, edit, publish and cancel gigs; the platform moves them through
the work; operators close them (docs/decisions/0025).

State machine (GIGS below; `invalid_transition` names the current status and the allowed
actions otherwise):

    (none) --create (a verified client)--> draft        (`publish=True`: straight to open)
    draft  --publish (the gig's client)--> open          published_at set, `gig.posted`
    draft|open --update (the gig's client)--> (same)     an open gig's edit: `gig.updated`
    open   --start (the platform: an application accepted, services/hiring.py calls
                    `mark_in_progress`)--> in_progress   `gig.updated` (status in_progress)
    in_progress --complete (the platform: the contract completed, services/contracts.py calls
                    `mark_completed`)--> completed       `gig.closed`
    in_progress --abandon (the platform: the contract ended with nothing approved, every
                    milestone cancelled by agreement: `mark_cancelled`)--> cancelled  `gig.closed`
    draft|open --cancel (the gig's client)--> cancelled  `gig.closed`
    open|in_progress --close (an operator: `close_gig`, the one function moderation
                    calls)--> closed                     `gig.closed`

cancelled, closed and completed are final. Cancelling or closing an open gig rejects its
applications still waiting for a decision ("gig cancelled" / "gig closed", each with
`application.rejected`: services/applications.py `reject_open_applications`). `status_reason`
keeps the client's optional cancellation reason or the operator's closing reason; the client
sees it on the gig page.

Once a contract exists (an application was accepted) nothing of the gig changes any more
(409 `gig_has_contract`): the contract copied its terms. While applications are active, the
pricing and the currency stay (409 `gig_has_applications`): the bids were made in them.

Every write here retires the cached browse pages (apps/gigs/catalog_cache.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts
from apps.gigs import catalog_cache, policies, selectors
from apps.gigs.errors import GigsError
from apps.gigs.models import Gig, GigStatus, Pricing
from apps.gigs.rules.transitions import check, machine
from apps.gigs.services.applications import reject_open_applications
from apps.lms import public as lms
from gigsy.errors import ApplicationError, ConflictError, NotFoundError
from gigsy.events import publish as publish_event
from gigsy.updates import reject_unknown_fields

GIGS = machine(
    {
        "publish": ((GigStatus.DRAFT,), GigStatus.OPEN),
        # An edit keeps the status; it is here so a refusal lists what the gig allows.
        "update": ((GigStatus.DRAFT, GigStatus.OPEN), ""),
        "start": ((GigStatus.OPEN,), GigStatus.IN_PROGRESS),
        "complete": ((GigStatus.IN_PROGRESS,), GigStatus.COMPLETED),
        "abandon": ((GigStatus.IN_PROGRESS,), GigStatus.CANCELLED),
        "cancel": ((GigStatus.DRAFT, GigStatus.OPEN), GigStatus.CANCELLED),
        "close": ((GigStatus.OPEN, GigStatus.IN_PROGRESS), GigStatus.CLOSED),
    }
)
GIG_FIELDS = (
    "title",
    "description",
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
)
# What applicants bid in: fixed while anyone has an active application.
BID_TERMS = ("pricing", "currency")
MAX_SKILLS = 20
MAX_WEEKLY_HOURS = 80
CANCELLED_REASON = "gig cancelled"
CLOSED_REASON = "gig closed"


# --- payloads -------------------------------------------------------------------------------------


def gig_data(gig: Gig) -> dict[str, Any]:
    """The GIG payload of `gig.posted` and `gig.updated` (apps/gigs/events.py): what search
    indexes and embeds, so it never calls back."""
    return {
        "gig_id": str(gig.pk),
        "client_id": str(gig.client_id),
        "title": gig.title,
        "description": gig.description,
        "skills": list(gig.skills),
        "budget_amount": gig.budget_amount,
        "currency": gig.currency,
        "pricing": gig.pricing,
        "hourly_rate": gig.hourly_rate,
        "weekly_hours_cap": gig.weekly_hours_cap,
        "remote": gig.remote,
        "location": gig.location,
        "deadline": gig.deadline.isoformat() if gig.deadline else None,
        "status": gig.status,
        "required_credential": (
            {"course_id": str(gig.required_course_id), "course_title": gig.required_course_title}
            if gig.required_course_id is not None
            else None
        ),
        "published_at": gig.published_at.isoformat() if gig.published_at else None,
    }


def _closed(gig: Gig, reason: str) -> None:
    publish_event(
        "gig.closed",
        {
            "gig_id": str(gig.pk),
            "client_id": str(gig.client_id),
            "title": gig.title,
            "status": gig.status,
            "reason": reason,
        },
        producer="gigs",
    )


# --- validation -----------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _clean(terms: dict[str, Any], *, changed: set[str]) -> dict[str, list[str]]:
    """Field errors of a gig's terms as they would be saved (`terms` holds every field); only
    the `changed` ones are judged where history matters (a deadline set long ago may have
    passed; publishing checks it again). Normalizes `terms` in place."""
    errors: dict[str, list[str]] = {}
    for name in ("budget_amount", "hourly_rate"):
        if terms[name] is not None and terms[name] < 1:
            errors[name] = ["Must be at least 1 (minor units)."]
    currencies = [c.upper() for c in settings.GIGS_CURRENCIES]
    if terms["currency"] not in currencies:
        errors["currency"] = [f"Not a supported currency (one of {', '.join(currencies)})."]
    if terms["pricing"] == Pricing.HOURLY:
        for name in ("hourly_rate", "weekly_hours_cap"):
            if terms[name] is None:
                errors[name] = ["An hourly gig needs this."]
        cap = terms["weekly_hours_cap"]
        if cap is not None and not 1 <= cap <= MAX_WEEKLY_HOURS:
            errors["weekly_hours_cap"] = [f"Between 1 and {MAX_WEEKLY_HOURS} hours a week."]
    else:
        for name in ("hourly_rate", "weekly_hours_cap"):
            # Sent with a fixed price: a client bug. Left over from an hourly past: dropped.
            if name in changed and terms[name] is not None:
                errors[name] = ["Only hourly gigs have this; leave it out for a fixed price."]
            terms[name] = None
    terms["skills"] = sorted(set(terms["skills"]))
    if len(terms["skills"]) > MAX_SKILLS:
        errors["skills"] = [f"At most {MAX_SKILLS} skills."]
    terms["location"] = terms["location"].strip()
    if not terms["remote"] and not terms["location"]:
        errors["location"] = ["Give a location, or make the gig remote."]
    if "deadline" in changed and terms["deadline"] is not None and terms["deadline"] < _today():
        errors["deadline"] = ["The deadline is in the past."]
    return errors


def _credential_title(course_id: int) -> str:
    """The title of the published course `course_id` names (400 `unknown_credential`)."""
    course = lms.get_courses([course_id]).get(course_id)
    if course is None:
        raise ApplicationError(
            "`required_course_id` names no published course.",
            code=GigsError.UNKNOWN_CREDENTIAL,
            fields={"required_course_id": ["No published course has this id."]},
        )
    return course.title


def _apply_terms(gig: Gig, changes: dict[str, Any]) -> list[str]:
    """Validate `changes` against the gig as it would be and set them; the changed names."""
    reject_unknown_fields(changes, GIG_FIELDS)
    terms = {name: getattr(gig, name) for name in GIG_FIELDS} | changes
    errors = _clean(terms, changed=set(changes))
    if errors:
        raise ValidationError(errors)
    if "required_course_id" in changes:
        course_id = terms["required_course_id"]
        if course_id is None:
            terms["required_course_title"] = ""
        elif course_id != gig.required_course_id:  # a course kept may have been archived since
            terms["required_course_title"] = _credential_title(course_id)
    changed = [name for name, value in terms.items() if getattr(gig, name) != value]
    for name in changed:
        setattr(gig, name, terms[name])
    return changed


def _check_publishable(gig: Gig) -> None:
    if gig.deadline is not None and gig.deadline < _today():
        raise ValidationError({"deadline": ["The deadline has passed: set a new one first."]})


# --- the client's use cases -----------------------------------------------------------------------


@transaction.atomic
def create_gig(*, client: accounts.Principal, publish: bool = False, **terms: Any) -> Gig:
    """A verified client creates a gig: a draft, or open at once with `publish=True`.
    `terms` are GIG_FIELDS (title, description, budget_amount and currency required)."""
    policies.require_poster(client)
    gig = Gig(
        client_id=accounts.user_id_of(client),
        pricing=Pricing.FIXED,
        skills=[],
        remote=True,
        location="",
        hourly_rate=None,
        weekly_hours_cap=None,
        deadline=None,
        required_course_id=None,
    )
    # Every field through the same rules as an edit: a draft is valid from the start.
    _apply_terms(gig, {"required_course_id": None, **terms})
    if publish:
        _check_publishable(gig)
        gig.status = GigStatus.OPEN
        gig.published_at = timezone.now()
    gig.save()
    if publish:
        _posted(gig)
    catalog_cache.invalidate()
    return gig


@transaction.atomic
def update_gig(*, gig_id: int, user: accounts.Principal, **changes: Any) -> Gig:
    """The gig's client edits a draft or an open gig (an open one publishes `gig.updated`).
    404 if the caller can't see it, 403 if they can but it is not theirs."""
    gig = policies.owned_gig(gig_id=gig_id, user=user, lock=True)
    policies.require_poster(user)
    _refuse_after_contract(gig)
    check(GIGS, action="update", status=gig.status, what="gig")
    if any(name in changes for name in BID_TERMS):
        changing = [n for n in BID_TERMS if n in changes and changes[n] != getattr(gig, n)]
        if changing and selectors.has_active_applications(gig_id=gig.pk):
            raise ConflictError(
                "People applied with bids in this gig's pricing and currency: they stay.",
                code=GigsError.GIG_HAS_APPLICATIONS,
                fields={
                    name: ["Cannot change while applications are active."] for name in changing
                },
            )
    changed = _apply_terms(gig, changes)
    if changed:
        gig.save(update_fields=[*changed, "updated_at"])
        if gig.status == GigStatus.OPEN:
            publish_event("gig.updated", gig_data(gig), producer="gigs")
        catalog_cache.invalidate()
    return gig


@transaction.atomic
def publish_gig(*, gig_id: int, user: accounts.Principal) -> Gig:
    """The gig's client opens a draft for applications: `published_at` and `gig.posted`.
    Needs a verified client still (the address may have changed since the draft)."""
    gig = policies.owned_gig(gig_id=gig_id, user=user, lock=True)
    policies.require_poster(user)
    gig.status = check(GIGS, action="publish", status=gig.status, what="gig")
    _check_publishable(gig)
    gig.published_at = timezone.now()
    gig.save(update_fields=["status", "published_at", "updated_at"])
    _posted(gig)
    catalog_cache.invalidate()
    return gig


@transaction.atomic
def cancel_gig(*, gig_id: int, user: accounts.Principal, reason: str = "") -> Gig:
    """The gig's client withdraws a draft or an open gig, with an optional reason (kept in
    `status_reason`). Applications waiting for a decision are rejected ("gig cancelled")."""
    gig = policies.owned_gig(gig_id=gig_id, user=user, lock=True)
    was_open = gig.status == GigStatus.OPEN
    gig.status = check(GIGS, action="cancel", status=gig.status, what="gig")
    gig.status_reason = reason.strip()
    gig.save(update_fields=["status", "status_reason", "updated_at"])
    if was_open:
        reject_open_applications(gig=gig, reason=CANCELLED_REASON)
    _closed(gig, gig.status_reason or CANCELLED_REASON)
    catalog_cache.invalidate()
    return gig


# --- operators ------------------------------------------------------------------------------------


@transaction.atomic
def close_gig(*, gig_id: int, operator: accounts.Principal, reason: str) -> Gig:
    """An operator closes an open or in-progress gig (moderation) with a reason its client
    sees. Open applications are rejected ("gig closed"); a contract already running is the
    caller's to settle (services/moderation.py)."""
    policies.require_operator(operator)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why: the client sees it."]})
    gig = selectors.gig_by_id(gig_id=gig_id, lock=True)
    if gig is None:
        raise NotFoundError(policies.NO_SUCH_GIG)
    was_open = gig.status == GigStatus.OPEN
    gig.status = check(GIGS, action="close", status=gig.status, what="gig")
    gig.status_reason = reason
    gig.save(update_fields=["status", "status_reason", "updated_at"])
    if was_open:
        reject_open_applications(gig=gig, reason=CLOSED_REASON)
    _closed(gig, reason)
    catalog_cache.invalidate()
    return gig


# --- the platform (called by hiring and contracts) ------------------------------------------------


@transaction.atomic
def mark_in_progress(*, gig: Gig) -> Gig:
    """open -> in_progress, when an application is accepted (services/hiring.py, in the
    transaction that starts the contract). Publishes `gig.updated`: search drops the gig."""
    locked = _locked(gig)
    locked.status = check(GIGS, action="start", status=locked.status, what="gig")
    locked.save(update_fields=["status", "updated_at"])
    publish_event("gig.updated", gig_data(locked), producer="gigs")
    catalog_cache.invalidate()
    return locked


@transaction.atomic
def mark_completed(*, gig: Gig) -> Gig:
    """in_progress -> completed, when the gig's contract completes (services/contracts.py, in
    the same transaction). Publishes `gig.closed` with reason "completed"."""
    locked = _locked(gig)
    locked.status = check(GIGS, action="complete", status=locked.status, what="gig")
    locked.save(update_fields=["status", "updated_at"])
    _closed(locked, "completed")
    catalog_cache.invalidate()
    return locked


@transaction.atomic
def mark_cancelled(*, gig: Gig, reason: str) -> Gig:
    """in_progress -> cancelled, when the gig's contract ended with no work approved (every
    milestone cancelled by agreement; services/contracts.py, in the same transaction): a gig has
    one contract, so it cannot hire again. `reason` goes to `status_reason` and `gig.closed`."""
    locked = _locked(gig)
    locked.status = check(GIGS, action="abandon", status=locked.status, what="gig")
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    _closed(locked, reason)
    catalog_cache.invalidate()
    return locked


# --- helpers --------------------------------------------------------------------------------------


def _posted(gig: Gig) -> None:
    publish_event("gig.posted", gig_data(gig), producer="gigs")


def _locked(gig: Gig) -> Gig:
    """A fresh, locked copy of `gig`: a caller's copy may be stale."""
    locked = selectors.gig_by_id(gig_id=gig.pk, lock=True)
    if locked is None:  # the caller just read it; gigs are never deleted
        raise NotFoundError(policies.NO_SUCH_GIG)
    return locked


def _refuse_after_contract(gig: Gig) -> None:
    if selectors.gig_has_contract(gig_id=gig.pk):
        raise ConflictError(
            "An application was accepted: the gig's terms are the contract's now.",
            code=GigsError.GIG_HAS_CONTRACT,
        )
