"""The event envelope every context publishes and consumes (docs/architecture.md#events)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    data: dict[str, Any]
    producer: str
    version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    correlation_id: str | None = None
    causation_id: str | None = None
    actor_id: str | None = None

    def to_json(self) -> bytes:
        # Not dataclasses.asdict: it deep-copies `data` first (half the cost of this method).
        envelope = {name: getattr(self, name) for name in _FIELDS}
        return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_json(cls, payload: bytes | str) -> Event:
        raw = json.loads(payload)
        if not isinstance(raw, dict):
            raise ValueError("event payload is not a JSON object")
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in raw.items() if k in known})


_FIELDS = tuple(f.name for f in fields(Event))
