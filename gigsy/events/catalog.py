"""The catalog of event types: the source of truth for what may be published.

Each type declares its producer, its consumers and a JSON Schema for `data`. Publishing an
undeclared type or data that does not match raises at once, inside the producer's request,
instead of breaking a consumer later. `manage.py events_docs` renders docs/events.md from here.
Events carry the state their consumers need (event-carried state transfer); ids are strings,
money is integer minor units plus an ISO currency, times are ISO 8601 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator


class UnknownEventTypeError(LookupError):
    pass


class InvalidEventDataError(ValueError):
    pass


@dataclass(frozen=True)
class EventSpec:
    type: str
    producer: str
    consumers: tuple[str, ...]
    description: str
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...] | None = None  # None: every property is required
    version: int = 1
    validator: Draft202012Validator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Draft202012Validator.check_schema(self.schema)
        object.__setattr__(self, "validator", Draft202012Validator(self.schema))

    @property
    def schema(self) -> dict[str, Any]:
        required = list(self.properties) if self.required is None else list(self.required)
        return {
            "type": "object",
            "properties": self.properties,
            "required": required,
            "additionalProperties": False,
        }

    def validate(self, data: Any) -> None:
        errors = sorted(self.validator.iter_errors(data), key=lambda e: list(e.path))
        if errors:
            details = "; ".join(
                f"{'.'.join(map(str, e.path)) or '<data>'}: {e.message}" for e in errors
            )
            raise InvalidEventDataError(f"{self.type} v{self.version}: {details}")


# Reusable property schemas.
ID = {"type": "string", "minLength": 1}
TEXT = {"type": "string"}
TIMESTAMP = {"type": "string", "format": "date-time"}
ROLE = {"type": "string", "enum": ["learner", "client", "mentor", "instructor"]}

_CATALOG: dict[str, EventSpec] = {}


def register(spec: EventSpec) -> EventSpec:
    existing = _CATALOG.get(spec.type)
    if existing is not None and existing != spec:
        raise ValueError(f"event type {spec.type!r} is already declared differently")
    _CATALOG[spec.type] = spec
    return spec


def unregister(event_type: str) -> None:
    """For tests that declare throw-away types."""
    _CATALOG.pop(event_type, None)


def spec_for(event_type: str) -> EventSpec:
    try:
        return _CATALOG[event_type]
    except KeyError:
        raise UnknownEventTypeError(
            f"event type {event_type!r} is not declared in gigsy/events/catalog.py"
        ) from None


def all_specs() -> list[EventSpec]:
    return sorted(_CATALOG.values(), key=lambda s: s.type)


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

SKILLS = {"type": "array", "items": {"type": "string"}}
SCORE = {"type": "number", "minimum": 0, "maximum": 100}
LEVEL = {"type": "string", "enum": ["beginner", "intermediate", "advanced"]}

register(
    EventSpec(
        type="course.published",
        producer="lms",
        consumers=("search",),
        description="An instructor published a course (or republished it after edits).",
        properties={
            "course_id": ID,
            "slug": TEXT,
            "title": TEXT,
            "summary": TEXT,
            "skills": SKILLS,
            "level": LEVEL,
        },
    )
)
register(
    EventSpec(
        type="course.archived",
        producer="lms",
        consumers=("search",),
        description="An instructor archived a course: it leaves the catalog and takes no new "
        "learners (those enrolled keep access).",
        properties={"course_id": ID, "slug": TEXT},
    )
)
register(
    EventSpec(
        type="enrollment.created",
        producer="lms",
        consumers=("gamification",),
        description="A learner enrolled in a course.",
        properties={"enrollment_id": ID, "user_id": ID, "course_id": ID},
    )
)
register(
    EventSpec(
        type="lesson.completed",
        producer="lms",
        consumers=("gamification",),
        description="A learner completed a lesson (once per lesson and progress cycle).",
        properties={"user_id": ID, "course_id": ID, "lesson_id": ID},
    )
)
for _outcome in ("passed", "failed"):
    register(
        EventSpec(
            type=f"quiz.{_outcome}",
            producer="lms",
            consumers=("careers", "gamification"),
            description=f"A quiz attempt was graded and {_outcome}: submitted by the learner, "
            "or settled with score 0 when its time limit passed unsubmitted.",
            properties={
                "user_id": ID,
                "course_id": ID,
                "quiz_id": ID,
                "attempt_id": ID,
                "score": SCORE,
                "skills": SKILLS,
            },
        )
    )
register(
    EventSpec(
        type="course.completed",
        producer="lms",
        consumers=("lms", "careers", "gamification"),
        description="Every required lesson is done and every required quiz passed.",
        properties={"user_id": ID, "course_id": ID, "enrollment_id": ID, "skills": SKILLS},
    )
)
for _change in ("issued", "revoked"):
    register(
        EventSpec(
            type=f"certificate.{_change}",
            producer="lms",
            consumers=("careers", "gigs", "chat"),
            description=f"A course certificate was {_change}.",
            properties={
                "certificate_id": ID,
                "user_id": ID,
                "course_id": ID,
                "skills": SKILLS,
                "verify_code": TEXT,
            },
        )
    )
