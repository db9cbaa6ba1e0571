"""PostgreSQL backend that understands schema-qualified tables (`db_table = '"lms"."course"'`).

Django's introspection only lists tables visible on the search_path and looks tables up by bare
`relname`. With one schema per bounded context that means `flush` (run between transactional
tests) silently skips every context table and rows leak between tests, and migrations cannot
find constraints to alter. This backend lists tables of every schema under their qualified
name, exactly as models spell them, looks tables up with `to_regclass()`, and qualifies the
index and constraint names that PostgreSQL would otherwise look for on the search_path.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from django.db.backends.postgresql.introspection import (
    DatabaseIntrospection as PostgresIntrospection,
)
from django.db.backends.postgresql.introspection import TableInfo
from django.db.backends.postgresql.operations import (
    DatabaseOperations as PostgresOperations,
)
from django.db.backends.postgresql.schema import (
    DatabaseSchemaEditor as PostgresSchemaEditor,
)
from django.db.backends.utils import CursorWrapper, split_identifier

_SYSTEM_SCHEMAS = ("pg_catalog", "pg_toast", "information_schema")
# Django's lookups: `<alias>.relname = %s ... AND pg_catalog.pg_table_is_visible(<alias>.oid)`.
_RELNAME_LOOKUP = re.compile(r"\b(\w+)\.relname = %s")
_VISIBILITY = re.compile(r"pg_catalog\.pg_table_is_visible\(\w+\.oid\)")
_SAME_SCHEMA = re.compile(r"c1\.relnamespace = c2\.relnamespace AND")


def _by_regclass(sql: str) -> str:
    sql = _RELNAME_LOOKUP.sub(r"\1.oid = to_regclass(%s)", sql)
    sql = _VISIBILITY.sub("TRUE", sql)
    return _SAME_SCHEMA.sub("", sql)


class _RegclassCursor:
    """Runs Django's introspection SQL with table lookups by regclass instead of bare name."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Any = None) -> Any:
        return self._cursor.execute(_by_regclass(sql), params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _regclass_cursor(cursor: Any) -> CursorWrapper:
    # A proxy, not a CursorWrapper: it forwards everything but `execute` to the real cursor.
    return cast(CursorWrapper, _RegclassCursor(cursor))


def qualified(table_name: str) -> str:
    """A name `to_regclass()` resolves: already-quoted names pass, bare names get quoted."""
    return table_name if table_name.startswith('"') else f'"{table_name}"'


class DatabaseIntrospection(PostgresIntrospection):
    # Django's PostgreSQL introspection returns its own three-field TableInfo here too; the stubs
    # know only the base two-field one.
    def get_table_list(self, cursor: Any) -> list[TableInfo]:  # type: ignore[override]
        cursor.execute(
            """
            SELECT
                CASE WHEN pg_catalog.pg_table_is_visible(c.oid) THEN c.relname
                     ELSE format('%%I.%%I', n.nspname, c.relname) END,
                CASE WHEN c.relispartition THEN 'p'
                     WHEN c.relkind IN ('m', 'v') THEN 'v' ELSE 't' END,
                obj_description(c.oid, 'pg_class')
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v')
              AND n.nspname <> ALL(%s)
              AND n.nspname NOT LIKE 'pg_temp%%'
            """,
            [list(_SYSTEM_SCHEMAS)],
        )
        tables = []
        for name, kind, comment in cursor.fetchall():
            if "." in name and not name.startswith('"'):
                # format('%I') quotes only when needed; models always quote both parts.
                schema, table = name.split(".", 1)
                name = f'"{schema.strip(chr(34))}"."{table.strip(chr(34))}"'
            if name not in self.ignored_tables:
                tables.append(TableInfo(name, kind, comment))
        return tables

    def get_table_description(self, cursor: Any, table_name: str) -> Any:
        return super().get_table_description(_regclass_cursor(cursor), qualified(table_name))

    def get_sequences(self, cursor: Any, table_name: str, table_fields: Any = ()) -> Any:
        sequences = super().get_sequences(_regclass_cursor(cursor), qualified(table_name))
        for sequence in sequences:
            sequence["table"] = table_name
        return sequences

    def get_relations(self, cursor: Any, table_name: str) -> Any:
        return super().get_relations(_regclass_cursor(cursor), qualified(table_name))

    def get_constraints(self, cursor: Any, table_name: str) -> Any:
        return super().get_constraints(_regclass_cursor(cursor), qualified(table_name))


class DatabaseSchemaEditor(PostgresSchemaEditor):
    """Index names and SET CONSTRAINTS resolve through the search_path, which does not hold
    the context schemas: qualify them with the table's schema.

    The `_*_sql` methods extended here are Django's private ones, absent from django-stubs
    (hence the `type: ignore[misc]` on their `super()` calls)."""

    # Django's template names the constraint bare in SET CONSTRAINTS; ours adds the schema.
    sql_delete_fk = (
        "SET CONSTRAINTS %(namespace)s%(name)s IMMEDIATE; "
        "ALTER TABLE %(table)s DROP CONSTRAINT %(name)s"
    )

    def _namespace(self, model: Any) -> str:
        schema, _ = split_identifier(model._meta.db_table)
        return f"{self.quote_name(schema)}." if schema else ""

    def _delete_index_sql(
        self, model: Any, name: str, sql: Any = None, concurrently: bool = False
    ) -> Any:
        statement = super()._delete_index_sql(model, name, sql=sql, concurrently=concurrently)  # type: ignore[misc]
        statement.parts["name"] = self._namespace(model) + statement.parts["name"]
        return statement

    def _rename_index_sql(self, model: Any, old_name: str, new_name: str) -> Any:
        statement = super()._rename_index_sql(model, old_name, new_name)  # type: ignore[misc]
        statement.parts["old_name"] = self._namespace(model) + statement.parts["old_name"]
        return statement

    def _delete_constraint_sql(self, template: str, model: Any, name: str) -> Any:
        statement = super()._delete_constraint_sql(template, model, name)  # type: ignore[misc]
        if template in (self.sql_delete_index, self.sql_delete_index_concurrently):
            statement.parts["name"] = self._namespace(model) + statement.parts["name"]
        statement.parts["namespace"] = self._namespace(model)
        return statement


class DatabaseOperations(PostgresOperations):
    def for_update_sql(
        self, nowait: bool = False, skip_locked: bool = False, of: Any = (), no_key: bool = False
    ) -> str:
        # `FOR UPDATE OF` takes the name a table has in FROM, never a schema-qualified one:
        # `"lms"."enrollment"` is referred to as `"enrollment"`.
        of = tuple(
            self.quote_name(split_identifier(name)[1]) if "." in name else name for name in of
        )
        return super().for_update_sql(nowait=nowait, skip_locked=skip_locked, of=of, no_key=no_key)


class DatabaseWrapper(PostgresDatabaseWrapper):
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
    SchemaEditorClass = DatabaseSchemaEditor
