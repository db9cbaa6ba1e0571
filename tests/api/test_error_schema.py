"""The error envelope as the schema documents it: one `ErrorEnvelope` for every error response,
its `code` an enum of every code the kernel and the contexts declare, 401 on every operation
that needs a signed-in caller and 404 on every operation that looks an object up."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict[str, Any]:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200, response.content
    return response.json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, name = node["$ref"].split("/")
        node = schema["components"]["schemas"][name]
    return node


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _error_content(response: dict[str, Any]) -> dict[str, Any] | None:
    content = response.get("content", {}).get("application/json")
    return content["schema"] if content else None


def test_the_envelope_code_is_an_enum_of_kernel_and_context_codes(schema):
    envelope = _resolve(schema, {"$ref": ENVELOPE_REF})
    detail = _resolve(schema, envelope["properties"]["error"])
    assert detail["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCodeEnum"}
    code = _resolve(schema, detail["properties"]["code"])
    assert code["type"] == "string"
    assert {"validation_error", "not_found", "throttled"} <= set(code["enum"])  # kernel
    assert {"slug_taken", "not_enrolled", "pdf_not_ready"} <= set(code["enum"])  # lms
    assert {"email_taken", "no_active_account"} <= set(code["enum"])  # accounts
    assert set(detail["required"]) == {"code", "message"}


def test_every_error_response_is_the_envelope(schema):
    ad_hoc = [
        f"{method.upper()} {path} {status}"
        for path, method, operation in _operations(schema)
        for status, response in operation["responses"].items()
        if int(status) >= 400 and _error_content(response) != {"$ref": ENVELOPE_REF}
    ]
    assert ad_hoc == []


def _needs_a_signed_in_caller(operation: dict[str, Any]) -> bool:
    # drf-spectacular adds `{}` (no credentials) to `security` when anonymous callers may call.
    security = operation.get("security")
    return bool(security) and {} not in security


def test_every_authenticated_operation_documents_401(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if _needs_a_signed_in_caller(operation) and "401" not in operation["responses"]
    ]
    assert missing == []


def test_every_object_lookup_documents_404(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if "{" in path and "404" not in operation["responses"]
    ]
    assert missing == []


def test_the_checks_see_operations(schema):
    """The walks above have something to walk: signed-in operations and lookups exist."""
    operations = _operations(schema)
    assert sum(_needs_a_signed_in_caller(op) for _, _, op in operations) > 20
    assert sum("{" in path for path, _, _ in operations) > 20
    public = schema["paths"]["/api/v1/certificates/verify/{code}"]["get"]
    assert not _needs_a_signed_in_caller(public)
