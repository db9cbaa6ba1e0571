"""The event types accounts produces (collected into the catalog by gigsy.events at start-up)."""

from __future__ import annotations

from gigsy.events.catalog import ID, TEXT, EventSpec, register

# The roles a person can hold; operators (staff) are not a role and never appear in events.
ROLE = {"type": "string", "enum": ["learner", "client", "mentor", "instructor"]}

register(
    EventSpec(
        type="user.registered",
        producer="accounts",
        consumers=("careers", "gamification"),
        description="A person created an account (any role). Not emitted for operators "
        "created in the admin.",
        properties={
            "user_id": ID,
            "role": ROLE,
            "display_name": TEXT,
            "timezone": TEXT,
        },
    )
)

register(
    EventSpec(
        type="user.updated",
        producer="accounts",
        consumers=("lms",),
        description="A user's display data changed (display name, time zone, roles, active "
        "flag): read models that show users refresh their copy.",
        properties={
            "user_id": ID,
            "display_name": TEXT,
            "timezone": TEXT,
            "roles": {"type": "array", "items": ROLE},
            "is_active": {"type": "boolean"},
        },
    )
)

register(
    EventSpec(
        type="user.deleted",
        producer="accounts",
        consumers=("lms", "gigs", "careers", "gamification", "chat", "search"),
        description="A person deleted their account (docs/decisions/0022). The account is "
        "already pseudonymized and can no longer sign in; every context erases or pseudonymizes "
        "what it holds about `user_id` (idempotently: the event may arrive twice). `pseudonym` is "
        "the name to show where a record must stay (a certificate, a ledger line, a review).",
        properties={
            "user_id": ID,
            "pseudonym": TEXT,
        },
    )
)
