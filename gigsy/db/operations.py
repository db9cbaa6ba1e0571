"""Migration operations shared by every context."""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class CreateSchema(migrations.RunSQL):
    """The first operation of each context's first migration: the context owns this schema.

    Reversing keeps the schema: dropping it would drop the context's data with it.
    """

    def __init__(self, name: str) -> None:
        if not _SCHEMA_NAME.match(name):
            raise ValueError(f"schema name {name!r} must be a lower-case identifier")
        self.name = name
        super().__init__(f"CREATE SCHEMA IF NOT EXISTS {name}", reverse_sql=migrations.RunSQL.noop)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return f"{__name__}.{type(self).__name__}", [self.name], {}

    def describe(self) -> str:
        return f"Create schema {self.name}"
