"""The gig marketplace's public surface: what another context (or the kernel) may ask
synchronously. Plain data only, never model instances (docs/decisions/0010).

Today that is a person's data for the account export and what stops their account's deletion
(gigsy/privacy.py finds both by name); the erasure itself runs on `user.deleted`
(handlers/privacy.py, docs/decisions/0028).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from apps.accounts import public as accounts
from apps.gigs import selectors
from apps.gigs.ledger import balances, statements
from apps.gigs.models import Contract, Dispute, Milestone, MilestoneEvent, UserRating
from gigsy.privacy import Blocker

OPEN_CONTRACT = "open_contract"


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _hours(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _average(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


# --- a person's data, for the account export (issue 11) -----------------------------------------


def export_user(user_id: int) -> dict[str, Any]:
    """Your gig marketplace: the gigs you posted, your applications with their cover letters
    and bids, your contracts with their milestones, notes and history, the reviews you wrote and
    the published reviews of you with your ratings, the reports you filed, the people you
    blocked from applying to your gigs, the course certificates gigs knows you hold, your money
    movements and your payouts.

    JSON-serialisable with readable keys; money in minor units with its currency, times in
    ISO 8601. Applications others made to your gigs are theirs and stay out, as do reviews of
    you still hidden (double-blind) and who blocked you. Your money: every line on your ledger
    accounts and your payouts. About fourteen queries whatever the number of rows."""
    contracts = list(selectors.contracts_of_party(user_id=user_id))
    reviews_given = list(selectors.reviews_written_by(user_id=user_id))
    reviews_received = list(selectors.published_reviews_of(user_id=user_id))
    blocks = list(selectors.blocks_by(client_id=user_id))
    others = accounts.get_users(
        {c.client_id for c in contracts}
        | {c.freelancer_id for c in contracts}
        | {r.reviewee_id for r in reviews_given}
        | {r.reviewer_id for r in reviews_received}
        | {b.blocked_id for b in blocks}
    )

    def name(uid: int) -> str | None:
        person = others.get(uid)
        return person.display_name if person is not None else None

    return {
        "gigs posted": [
            {
                "gig id": g.pk,
                "title": g.title,
                "description": g.description,
                "skills": list(g.skills),
                "budget amount": g.budget_amount,
                "currency": g.currency,
                "pricing": g.pricing,
                "hourly rate": g.hourly_rate,
                "weekly hours cap": g.weekly_hours_cap,
                "deadline": _iso(g.deadline),
                "remote": g.remote,
                "location": g.location,
                "required course id": g.required_course_id,
                "required course title": g.required_course_title or None,
                "status": g.status,
                "status reason": g.status_reason,
                "created at": _iso(g.created_at),
                "published at": _iso(g.published_at),
            }
            for g in selectors.gigs_posted_by(user_id=user_id)
        ],
        "applications": [
            {
                "application id": a.pk,
                "gig id": a.gig_id,
                "gig title": a.gig.title,
                "cover letter": a.cover_letter,
                "bid amount": a.bid_amount,
                "currency": a.gig.currency,
                "bid is per hour": a.gig.pricing == "hourly",
                "status": a.status,
                "status reason": a.status_reason,
                "applied at": _iso(a.created_at),
                "decided at": _iso(a.decided_at),
            }
            for a in selectors.applications_made_by(user_id=user_id)
        ],
        "contracts": [_contract(c, user_id=user_id, name=name) for c in contracts],
        "reviews you wrote": [
            {
                "review id": r.pk,
                "contract id": r.contract_id,
                "of": name(r.reviewee_id),
                "direction": r.direction,
                "rating": r.rating,
                "text": r.text,
                "written at": _iso(r.created_at),
                "published at": _iso(r.published_at),
            }
            for r in reviews_given
        ],
        "reviews of you": [
            {
                "review id": r.pk,
                "contract id": r.contract_id,
                "by": name(r.reviewer_id),
                "direction": r.direction,
                "rating": r.rating,
                "text": r.text,
                "published at": _iso(r.published_at),
            }
            for r in reviews_received
        ],
        "ratings": _ratings(selectors.rating_of(user_id=user_id)),
        "reports you filed": [
            {
                "report id": r.pk,
                "gig id": r.gig_id,
                "gig title": r.gig.title,
                "reason": r.reason,
                "details": r.details,
                "status": r.status,
                "filed at": _iso(r.created_at),
                "handled at": _iso(r.handled_at),
            }
            for r in selectors.reports_filed_by(user_id=user_id)
        ],
        "people you blocked": [
            {"user id": b.blocked_id, "name": name(b.blocked_id), "blocked at": _iso(b.created_at)}
            for b in blocks
        ],
        "course certificates gigs knows you hold": [
            {"certificate id": c.certificate_id, "course id": c.course_id, "revoked": c.revoked}
            for c in selectors.credentials_held_by(user_id=user_id)
        ],
        # Money (docs/decisions/0032): every line on your accounts, and your payouts.
        "money movements": [
            {
                "at": _iso(line.entry.created_at),
                "movement": line.entry.kind,
                "balance": line.account.kind,
                "amount": line.amount,
                "currency": line.currency,
                "contract id": line.entry.contract_id,
                "milestone id": line.entry.milestone_id,
                "platform fee": getattr(line, "fee", None),  # annotated by history()
            }
            for line in balances.history(user_id)
        ],
        "payouts": [
            {
                "payout id": p.pk,
                "amount": p.amount,
                "currency": p.currency,
                "status": p.status,
                "provider": p.provider,
                "requested at": _iso(p.created_at),
                "paid at": _iso(p.paid_at),
                "failed at": _iso(p.failed_at),
            }
            for p in statements.payouts_of(user_id)
        ],
    }


def _contract(
    contract: Contract, *, user_id: int, name: Callable[[int], str | None]
) -> dict[str, Any]:
    you_are_client = contract.client_id == user_id
    other = contract.freelancer_id if you_are_client else contract.client_id
    return {
        "contract id": contract.pk,
        "gig id": contract.gig_id,
        "title": contract.title,
        "you are": "client" if you_are_client else "freelancer",
        "other party": name(other),
        "skills": list(contract.skills),
        "pricing": contract.pricing,
        "currency": contract.currency,
        "hourly rate": contract.hourly_rate,
        "weekly hours cap": contract.weekly_hours_cap,
        "status": contract.status,
        "started at": _iso(contract.started_at),
        "ended at": _iso(contract.ended_at),
        "milestones": [_milestone(m, user_id=user_id) for m in contract.milestones.all()],
    }


def _milestone(milestone: Milestone, *, user_id: int) -> dict[str, Any]:
    return {
        "milestone id": milestone.pk,
        "position": milestone.position,
        "title": milestone.title,
        "amount": milestone.amount,
        "due date": _iso(milestone.due_date),
        "status": milestone.status,
        "hours worked": _hours(milestone.hours_worked),
        "submission note": milestone.submission_note,
        "changes requested": milestone.changes_note,
        "submitted at": _iso(milestone.submitted_at),
        "approved at": _iso(milestone.approved_at),
        "cancellation proposed by you": milestone.cancel_proposed_by_id == user_id,
        "cancellation reason": milestone.cancel_reason,
        "history": [_step(e, user_id=user_id) for e in milestone.history.all()],
        "disputes": [_dispute(d, user_id=user_id) for d in milestone.disputes.all()],
    }


def _dispute(dispute: Dispute, *, user_id: int) -> dict[str, Any]:
    # The other party's reason is theirs: it shows on the dispute's page, not in this export.
    mine = dispute.opened_by_id == user_id
    return {
        "dispute id": dispute.pk,
        "opened by you": mine,
        "reason": dispute.reason if mine else None,
        "held amount": dispute.held_amount,
        "status": dispute.status,
        "opened at": _iso(dispute.opened_at),
        "to the freelancer": dispute.freelancer_amount,
        "refunded to the client": dispute.client_amount,
        "resolution": dispute.resolution,
        "resolved at": _iso(dispute.resolved_at),
    }


def _step(event: MilestoneEvent, *, user_id: int) -> dict[str, Any]:
    return {
        "at": _iso(event.at),
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "by": "you"
        if event.actor_id == user_id
        else ("the platform" if event.actor_id is None else "the other party"),
        "note": event.note,
    }


def _ratings(rating: UserRating | None) -> dict[str, Any]:
    if rating is None:
        return {"as freelancer": None, "as client": None}
    return {
        "as freelancer": {
            "average": _average(rating.freelancer_sum, rating.freelancer_count),
            "reviews": rating.freelancer_count,
        },
        "as client": {
            "average": _average(rating.client_sum, rating.client_count),
            "reviews": rating.client_count,
        },
    }


# --- what stops an account's deletion -------------------------------------------------------------


def deletion_blockers(user_id: int) -> list[Blocker]:
    """One reason per contract still active with the person as client or freelancer: its
    milestones are work (and, with escrow, money) the other party depends on. Finish them, or
    cancel them by agreement, first (docs/decisions/0028)."""
    return [
        Blocker(
            code=OPEN_CONTRACT,
            message=f"Your contract “{contract.title}” (#{contract.pk}) is still active: "
            "finish its milestones or cancel them with the other party first.",
        )
        for contract in selectors.active_contracts_of_party(user_id=user_id)
    ]
