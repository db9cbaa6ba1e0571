"""The event types the gig marketplace produces (collected into the catalog by gigsy.events).

Events carry what their consumers show at that moment (titles, parties, amounts, skills), so
search, careers, gamification and chat need not call back (docs/decisions/0010)."""

from __future__ import annotations

from typing import Any

from gigsy.events.catalog import ID, SKILLS, TEXT, TIMESTAMP, EventSpec, register

MONEY = {"type": "integer", "minimum": 0}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
NULLABLE_MONEY = {"type": ["integer", "null"], "minimum": 0}
NULLABLE_TEXT = {"type": ["string", "null"]}

# What search indexes and recommendations embed (`gig.posted`, `gig.updated`).
GIG = {
    "gig_id": ID,
    "client_id": ID,
    "title": TEXT,
    "description": TEXT,
    "skills": SKILLS,
    "budget_amount": MONEY,
    "currency": CURRENCY,
    "pricing": {"type": "string", "enum": ["fixed", "hourly"]},
    "hourly_rate": NULLABLE_MONEY,
    "weekly_hours_cap": {"type": ["integer", "null"], "minimum": 1},
    "remote": {"type": "boolean"},
    "location": TEXT,
    "deadline": NULLABLE_TEXT,
    "status": TEXT,
    # The course certificate applicants must hold (null: anyone may apply).
    "required_credential": {
        "type": ["object", "null"],
        "properties": {"course_id": ID, "course_title": TEXT},
        "required": ["course_id", "course_title"],
        "additionalProperties": False,
    },
    "published_at": {"type": ["string", "null"], "format": "date-time"},
}
APPLICATION = {
    "application_id": ID,
    "gig_id": ID,
    "gig_title": TEXT,
    "applicant_id": ID,
    "client_id": ID,
}
CONTRACT = {
    "contract_id": ID,
    "gig_id": ID,
    "gig_title": TEXT,
    "client_id": ID,
    "freelancer_id": ID,
    "currency": CURRENCY,
    "skills": SKILLS,
}
MILESTONE = {
    **CONTRACT,
    "milestone_id": ID,
    "milestone_title": TEXT,
    "amount": MONEY,
}


def _spec(type_: str, consumers: tuple[str, ...], about: str, /, **props: Any) -> None:
    register(
        EventSpec(
            type=type_,
            producer="gigs",
            consumers=consumers,
            description=about,
            properties=props,
        )
    )


_spec(
    "gig.posted",
    ("search",),
    "A gig opened for applications: search indexes it and refreshes its embedding.",
    **GIG,
)
_spec(
    "gig.updated",
    ("search",),
    "An open gig's public data changed (text, skills, budget, terms, status).",
    **GIG,
)
_spec(
    "gig.closed",
    ("search", "chat"),
    "A gig stopped taking applications for good: completed, cancelled by its client or "
    "closed by an operator (`reason` says why). Search drops it.",
    gig_id=ID,
    client_id=ID,
    title=TEXT,
    status=TEXT,
    reason=TEXT,
)
for _verb, _what in (
    ("submitted", "A learner applied to a gig."),
    ("shortlisted", "The client shortlisted an application."),
    ("accepted", "The client accepted an application; a contract starts (`contract.started`)."),
    ("rejected", "The client rejected an application (or the gig was filled or closed)."),
    ("withdrawn", "The applicant withdrew their application."),
):
    _spec(f"application.{_verb}", ("chat", "gamification"), _what, **APPLICATION)

_spec(
    "contract.started",
    ("chat", "careers"),
    "A contract began between a client and a freelancer; `milestones` lists its parts.",
    **CONTRACT,
    pricing={"type": "string", "enum": ["fixed", "hourly"]},
    total_amount=MONEY,
    milestones={
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"milestone_id": ID, "title": TEXT, "amount": MONEY},
            "required": ["milestone_id", "title", "amount"],
        },
    },
)
_spec(
    "milestone.submitted",
    ("chat",),
    "The freelancer submitted a milestone's work for the client's approval.",
    **MILESTONE,
    hours_worked=NULLABLE_TEXT,
)
_spec(
    "milestone.approved",
    ("careers", "gamification", "chat"),
    "A milestone's work was approved (by the client, or automatically after the review "
    "period: `automatic`). Careers turns its skills into evidence. `amount` is the agreed "
    "amount; `approved_amount` what the approval is worth: the same for fixed price, the hours "
    "worked x the rate (half-up to the minor unit) for an hourly week.",
    **MILESTONE,
    automatic={"type": "boolean"},
    approved_at=TIMESTAMP,
    approved_amount=MONEY,
    hours_worked=NULLABLE_TEXT,
)
_spec(
    "milestone.cancelled",
    ("chat",),
    "A milestone was cancelled by agreement of both parties.",
    **MILESTONE,
)
# Escrow (docs/decisions/0029): a milestone's money. `amount` is what this movement moved.
_spec(
    "milestone.funded",
    ("chat",),
    "The provider confirmed the client's payment for a milestone: its amount is held in "
    "escrow and the freelancer may start the work (`payment_reference` names the payment).",
    **MILESTONE,
    payment_reference=TEXT,
    funded_at=TIMESTAMP,
)
_spec(
    "milestone.released",
    ("careers", "gamification", "chat"),
    "Escrowed money of a milestone went to the freelancer: `amount` released, of which `fee` "
    "is the platform's and `net` the freelancer's (pending until it clears). `final`: the "
    "approval released the rest (false: a partial release by the client); `skills` are the "
    "contract's.",
    **MILESTONE,
    fee=MONEY,
    net=MONEY,
    final={"type": "boolean"},
    money_status=TEXT,
)
_spec(
    "milestone.refunded",
    ("chat",),
    "Escrowed money of a milestone went back to the client: the unreleased rest of a milestone "
    "cancelled by agreement, what an hourly week's approved hours did not use, or a payment "
    "that succeeded after the milestone stopped waiting for it (`late_payment`). `amount` is "
    "the refund; the provider refunds the payment after commit.",
    **MILESTONE,
    reason={"type": "string", "enum": ["cancelled", "hourly_remainder", "late_payment"]},
)
_spec(
    "contract.completed",
    ("careers", "gamification", "chat"),
    "Every milestone of a contract reached an end and at least one was approved.",
    **CONTRACT,
    total_amount=MONEY,
    approved_amount=MONEY,
)
_spec(
    "contract.cancelled",
    ("careers", "chat"),
    "Every milestone of a contract was cancelled by agreement: it ended without approved work "
    "(its gig is cancelled too).",
    **CONTRACT,
    total_amount=MONEY,
)
_spec(
    "review.published",
    ("careers", "gamification"),
    "A review became visible (both sides reviewed, or the review window passed).",
    review_id=ID,
    contract_id=ID,
    gig_id=ID,
    reviewer_id=ID,
    reviewee_id=ID,
    direction={"type": "string", "enum": ["of_freelancer", "of_client"]},
    rating={"type": "integer", "minimum": 1, "maximum": 5},
)

# --- payouts (services/money.py) ----------------------------------------------------------------
_spec(
    "payout.paid",
    ("chat",),
    "The payment provider confirmed a payout of a freelancer's available funds: `amount` in "
    "`currency` reached the account it was sent to (`provider` names the provider).",
    payout_id=ID,
    user_id=ID,
    amount=MONEY,
    currency=CURRENCY,
    provider=TEXT,
    paid_at=TIMESTAMP,
)

# --- disputes (services/disputes.py) --------------------------------------------------------------
DISPUTE = {
    **MILESTONE,
    "dispute_id": ID,
    # Everything the milestone's escrow held when the dispute opened, now in the dispute hold.
    "held_amount": MONEY,
}
_spec(
    "dispute.opened",
    ("chat",),
    "A party disputed a funded milestone: everything its escrow held moved to the dispute hold "
    "(`held_amount`) and its work is frozen until an operator resolves it. `opened_by` is the "
    "party's id, `opened_by_role` which party.",
    **DISPUTE,
    opened_by=ID,
    opened_by_role={"type": "string", "enum": ["client", "freelancer"]},
)
_spec(
    "dispute.resolved",
    ("chat",),
    "An operator split a dispute's held money: `freelancer_amount` to the freelancer (less "
    "the platform's `fee` on it) and `client_amount` refunded to the client; the two add up to "
    "`held_amount`.",
    **DISPUTE,
    freelancer_amount=MONEY,
    client_amount=MONEY,
    fee=MONEY,
    resolved_by=ID,
)
