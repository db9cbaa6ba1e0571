"""The checked-in TypeScript types (clients/typescript/src/schema.d.ts) follow the API schema.

`make test` runs the whole check (scripts/generate_ts_client.sh --check: stale types, `any`,
tsc --strict on the journey) before pytest; this test repeats its first part so that running
pytest alone also fails when a serializer or schema declaration changed without regenerating
the types (like tests/platform/test_event_docs.py for docs/events.md).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"
TYPES = CLIENT / "src" / "schema.d.ts"
OPENAPI_TYPESCRIPT = CLIENT / "node_modules" / ".bin" / "openapi-typescript"


def generate_types(schema: dict, tmp_path: Path) -> str:
    if not OPENAPI_TYPESCRIPT.exists():
        pytest.skip("clients/typescript/node_modules is missing: run `make ts-install`")
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(schema))
    output = tmp_path / "schema.d.ts"
    # The same flags as scripts/generate_ts_client.sh.
    subprocess.run(
        [OPENAPI_TYPESCRIPT, source, "--default-non-nullable=false", "--output", output],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return output.read_text()


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_checked_in_types_are_generated_from_the_current_schema(schema, tmp_path):
    assert generate_types(json.loads(json.dumps(schema, default=str)), tmp_path) == (
        TYPES.read_text()
    ), (
        "clients/typescript/src/schema.d.ts is stale: run `make ts-client` "
        "(scripts/generate_ts_client.sh) and commit it with the schema change"
    )


def test_request_fields_with_a_default_are_optional_in_the_client(schema):
    # openapi-typescript's default makes every field with a default required; the generator
    # runs with --default-non-nullable=false so register's `timezone` (default UTC) and
    # logout's `everywhere` stay optional, as the schema says.
    components = schema["components"]["schemas"]
    types = TYPES.read_text()
    for component, field, ts_type in (
        ("RegisterInputRequest", "timezone", "string"),
        ("LogoutInputRequest", "everywhere", "boolean"),
    ):
        assert field not in components[component]["required"]
        assert "default" in components[component]["properties"][field]
        body = types.split(f"        {component}: {{\n", 1)[1].split("\n        };", 1)[0]
        assert f"{field}?: {ts_type};" in body, (component, field)


def test_a_field_dropped_from_the_schema_changes_the_types(schema, tmp_path):
    # The check can fail: a serializer losing a field yields different types.
    drifted = json.loads(json.dumps(schema, default=str))
    enrollment = drifted["components"]["schemas"]["EnrollmentListOutput"]
    del enrollment["properties"]["percent"]
    enrollment["required"].remove("percent")
    assert generate_types(drifted, tmp_path) != TYPES.read_text()
