"""Render docs/events.md from the event catalog, so the document cannot drift from the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gigsy.events.catalog import all_specs
from gigsy.events.registry import all_handlers

HEADER = """# Event catalog

Generated from `gigsy/events/catalog.py` by `manage.py events_docs`; do not edit by hand
(`make test` fails when this file is out of date).

Every event travels in the envelope `id, type, version, occurred_at, producer, correlation_id,
causation_id, actor_id, data` on the NATS subject `gigsy.<type>` of the stream `GIGSY`.
"""


def render() -> str:
    handlers_by_type: dict[str, list[str]] = {}
    for h in all_handlers():
        handlers_by_type.setdefault(h.event_type, []).append(h.name)
    parts = [HEADER]
    for spec in all_specs():
        parts.append(f"\n## `{spec.type}` (v{spec.version})\n\n{spec.description}\n")
        parts.append(f"- producer: `{spec.producer}`")
        parts.append(f"- consumers: {', '.join(f'`{c}`' for c in spec.consumers) or 'none yet'}")
        registered = handlers_by_type.get(spec.type, [])
        parts.append(f"- handlers: {', '.join(f'`{h}`' for h in registered) or 'none yet'}\n")
        parts.append("| field | type | required |\n|---|---|---|")
        required = set(spec.schema["required"])
        for name, schema in spec.properties.items():
            parts.append(
                f"| `{name}` | `{_type(schema)}` | {'yes' if name in required else 'no'} |"
            )
    return "\n".join(parts) + "\n"


def _type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " \\| ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    return kind if isinstance(kind, str) else " \\| ".join(kind)


class Command(BaseCommand):
    help = "Write docs/events.md from the catalog (--check: fail if it is out of date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "events.md"
        text = render()
        if check:
            if not path.exists() or path.read_text() != text:
                raise CommandError("docs/events.md is out of date: run manage.py events_docs")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.stdout.write(f"wrote {path.relative_to(settings.BASE_DIR)}")
