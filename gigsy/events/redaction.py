"""Pseudonymize a person in the events the bus still keeps (docs/decisions/0022).

The outbox keeps every event until EVENTS_OUTBOX_RETENTION_HOURS after it was sent, and the
dead-letter table keeps the events a handler gave up on; some carry display data
(`user.registered` carries the display name). When an account is deleted its producer rewrites
those copies, in two ways:

- `fields`: in every kept event whose `data.user_id` is the person (events about them), these
  `data` fields get the given value, whatever they held then (a display name since changed);
  the values they held join `replacements`.
- `replacements`: in every kept event that concerns the person (its `actor_id`, or a `data`
  value under a key ending in `_id`, is their id), each string equal to an old value becomes
  its replacement, and so does each occurrence of an old value (of 4 characters or more) inside
  a longer text (a gig description naming its author). Another person's equal name, in an
  event not about this one, is kept.

Unsent events stay deliverable, in their new form. What JetStream already holds cannot be
rewritten; it ages out after EVENTS_STREAM_MAX_AGE_DAYS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import connection

from gigsy.events.models import DeadLetter

# Candidates are found by their bytes (as Event.to_json writes them: sorted keys, no spaces,
# ASCII escapes), then parsed: only what concerns the person is rewritten.
_OUTBOX_CANDIDATES = "SELECT id, payload FROM events.outbox WHERE {match} ORDER BY id FOR UPDATE"
_OUTBOX_MATCH = "position(%s::bytea IN payload) > 0"
_OUTBOX_UPDATE = "UPDATE events.outbox SET payload = %s WHERE id = %s"
# jsonb prints non-ASCII characters as they are, with JSON's escapes for the rest.
_DEAD_LETTER_CANDIDATES = "SELECT id FROM events.dead_letter WHERE {match}"
_DEAD_LETTER_MATCH = "strpos(payload::text, %s) > 0"
_DEAD_LETTER_ABOUT = "payload->'data'->>'user_id' = %s"


def _outbox_rows(cursor: Any, patterns: list[bytes]) -> list[tuple[int, dict[str, Any]]]:
    """Outbox rows whose payload contains one of `patterns`, locked, parsed."""
    if not patterns:
        return []
    match = " OR ".join([_OUTBOX_MATCH] * len(patterns))
    cursor.execute(_OUTBOX_CANDIDATES.format(match=match), patterns)
    rows = [(row_id, json.loads(bytes(payload))) for row_id, payload in cursor.fetchall()]
    return [(row_id, envelope) for row_id, envelope in rows if isinstance(envelope, dict)]


def _encoded(values: Mapping[str, str]) -> list[bytes]:
    return [json.dumps(value)[1:-1].encode() for value in values]


def _concerns(envelope: Mapping[str, Any], person: str) -> bool:
    if str(envelope.get("actor_id") or "") == person:
        return True
    data = envelope.get("data")
    if not isinstance(data, dict):
        return False
    return any(key.endswith("_id") and str(value) == person for key, value in data.items())


def _about(envelope: Mapping[str, Any], person: str) -> bool:
    data = envelope.get("data")
    return isinstance(data, dict) and str(data.get("user_id")) == person


# Shorter old values are replaced only where they are a whole value: inside free text ("Ask
# for Ada") a two-letter name would match parts of other words.
MIN_LENGTH_IN_TEXT = 4


def _replace(value: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        if value in replacements:
            return replacements[value]
        # Free text the person wrote that names them (a gig description, a note).
        for old, new in replacements.items():
            if len(old) >= MIN_LENGTH_IN_TEXT and old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_replace(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, replacements) for key, item in value.items()}
    return value


def _set_fields(envelope: dict[str, Any], fields: Mapping[str, str], olds: dict[str, str]) -> None:
    data = envelope["data"]
    for name, new in fields.items():
        if isinstance(data.get(name), str) and data[name] and data[name] != new:
            olds[data[name]] = new
            data[name] = new


def _rewrite(
    envelope: dict[str, Any],
    person: str,
    fields: Mapping[str, str],
    olds: dict[str, str],
) -> dict[str, Any] | None:
    """The envelope pseudonymized, or None when nothing in it changes."""
    new = json.loads(json.dumps(envelope))
    if _about(new, person):
        _set_fields(new, fields, olds)
    if _concerns(new, person):
        new = _replace(new, olds)
    return new if new != envelope else None


def pseudonymize_events(
    *,
    person_id: int | str,
    replacements: Mapping[str, str],
    fields: Mapping[str, str] | None = None,
) -> int:
    """Rewrite the kept events about `person_id` (module docstring). Call it in the transaction
    that deletes the person: the rows are locked until it commits. Returns how many events
    were rewritten."""
    person = str(person_id)
    fields = dict(fields or {})
    olds = {old: new for old, new in replacements.items() if old and old != new}
    envelopes: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        if fields:
            # The person's own events first: the values their fields held join `olds`, so the
            # second search also finds the other events that carry them.
            about = json.dumps({"user_id": person}, separators=(",", ":"))[1:-1].encode()
            for row_id, envelope in _outbox_rows(cursor, [about]):
                envelopes.setdefault(row_id, envelope)
                if _about(envelope, person):
                    _set_fields(json.loads(json.dumps(envelope)), fields, olds)
        for row_id, envelope in _outbox_rows(cursor, _encoded(olds)):
            envelopes.setdefault(row_id, envelope)
        count = 0
        for row_id, envelope in envelopes.items():
            new = _rewrite(envelope, person, fields, olds)
            if new is not None:
                # As Event.to_json writes an envelope.
                payload = json.dumps(new, separators=(",", ":"), sort_keys=True).encode()
                cursor.execute(_OUTBOX_UPDATE, [payload, row_id])
                count += 1
        texts = [json.dumps(old, ensure_ascii=False)[1:-1] for old in olds]
        match = " OR ".join([_DEAD_LETTER_ABOUT] + [_DEAD_LETTER_MATCH] * len(texts))
        cursor.execute(_DEAD_LETTER_CANDIDATES.format(match=match), [person, *texts])
        candidates = [row[0] for row in cursor.fetchall()]
    for letter in DeadLetter.objects.select_for_update().filter(pk__in=candidates):
        if isinstance(letter.payload, dict):
            new = _rewrite(letter.payload, person, fields, olds)
            if new is not None:
                letter.payload = new
                letter.save(update_fields=["payload"])
                count += 1
    return count
