"""The catalog of event types: the source of truth for what may be published.

Each context declares the types it produces in its own `apps/<ctx>/events.py`, with
`register(EventSpec(...))`; the events app imports every installed app's `events` module at
start-up (before any `handlers` module, which may only consume declared types). A type is
declared by its producer only: a consumer of a context that does not exist yet waits for it.

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


# Property schemas shared by every context's specs.
ID = {"type": "string", "minLength": 1}
TEXT = {"type": "string"}
TIMESTAMP = {"type": "string", "format": "date-time"}
SKILLS = {"type": "array", "items": {"type": "string"}}

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
            f"event type {event_type!r} is not declared: its producer declares it in "
            "apps/<producer>/events.py"
        ) from None


def all_specs() -> list[EventSpec]:
    return sorted(_CATALOG.values(), key=lambda s: s.type)
