"""The contract hook (tests/contract/plugin.py) catches a response that disagrees with its
documentation: a throw-away API (drift_urls.py) answers what its schema does not say, and the
hook names the operation, the status and the JSON path. One run in a child pytest shows that a
drift fails the test that made the request, and that the summary counts what was checked."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from tests.contract.openapi import Contract, check

pytestmark = pytest.mark.urls("tests.contract.drift_urls")

OPERATION = "GET /api/v1/drift/{case} (drift_retrieve)"


@pytest.mark.parametrize(
    ("case", "status", "problem"),
    [
        ("null", 200, "at $.name: None is not of type 'string'"),
        ("missing", 200, "at $: 'born' is a required property"),
        ("extra", 200, "Additional properties are not allowed ('age' was unexpected)"),
        ("enum", 200, "at $.kind: 'robot' is not one of ['person', 'company']"),
        ("date", 200, "at $.born: 'yesterday' is not a 'date-time'"),
        ("status", 418, "status 418 is not documented"),
        ("envelope", 404, "at $: 'error' is a required property"),
        ("code", 404, "at $.error.code: 'no_such_code' is not one of"),
    ],
)
def test_a_drift_is_reported_with_operation_status_and_path(
    client, contract_violations, case, status, problem
):
    response = client.get(f"/api/v1/drift/{case}")

    assert response.status_code == status
    assert len(contract_violations) == 1, contract_violations
    assert contract_violations[0].startswith(f"{OPERATION} -> {status}: ")
    assert problem in contract_violations[0]


def test_a_documented_answer_passes(client, contract_violations):
    assert client.get("/api/v1/drift/fine").status_code == 200
    assert contract_violations == []


def test_an_undocumented_path_must_answer_the_error_envelope(client, contract_violations):
    # This URLconf has no JSON handler404: Django's HTML page is what a client would get.
    assert client.get("/api/v1/no/such/thing").status_code == 404
    assert contract_violations == [
        "GET /api/v1/no/such/thing (no documented operation) -> 404: "
        "expected a JSON body, got content type 'text/html'"
    ]


def test_paths_outside_the_api_are_not_checked(client, contract_violations):
    client.get("/healthz")
    client.get("/api/schema/?format=json")
    assert contract_violations == []


def _contract() -> Contract:
    return Contract(
        {
            "openapi": "3.0.3",
            "paths": {
                "/api/v1/things": {
                    "post": {
                        "responses": {
                            "201": {
                                "description": "",
                                "headers": {"Location": {"required": True, "schema": {}}},
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Thing"}
                                    }
                                },
                            },
                            "204": {"description": ""},
                        }
                    }
                },
                "/api/v1/things/{id}/pdf": {
                    "get": {
                        "responses": {
                            "200": {
                                "description": "",
                                "content": {"application/pdf": {"schema": {}}},
                            }
                        }
                    }
                },
            },
            "components": {
                "schemas": {
                    "Thing": {
                        "type": "object",
                        "properties": {
                            "shape": {"$ref": "#/components/schemas/Shape"},
                            "note": {"type": "string", "nullable": True},
                        },
                        "required": ["shape", "note"],
                    },
                    "Shape": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Circle"},
                            {"$ref": "#/components/schemas/Square"},
                        ],
                        "discriminator": {
                            "propertyName": "kind",
                            "mapping": {
                                "circle": "#/components/schemas/Circle",
                                "square": "#/components/schemas/Square",
                            },
                        },
                    },
                    "Circle": {
                        "type": "object",
                        "properties": {"kind": {"type": "string"}, "radius": {"type": "number"}},
                        "required": ["kind", "radius"],
                    },
                    "Square": {
                        "type": "object",
                        "properties": {"kind": {"type": "string"}, "side": {"type": "number"}},
                        "required": ["kind", "side"],
                    },
                }
            },
        }
    )


def _created(body: bytes, headers: dict[str, str] | None = None) -> list[str]:
    headers = {"Content-Type": "application/json", "Location": "/x", **(headers or {})}
    _, problems = check(
        _contract(), method="POST", path="/api/v1/things", status=201, headers=headers, content=body
    )
    return problems


def test_nullable_and_discriminated_bodies():
    assert _created(b'{"shape": {"kind": "circle", "radius": 1}, "note": null}') == []
    assert _created(b'{"shape": {"kind": "square", "side": 2}, "note": "x"}') == []
    # the discriminator picks the branch, and the branch's own error is reported
    assert set(_created(b'{"shape": {"kind": "circle", "side": 2}, "note": null}')) == {
        "at $.shape: Additional properties are not allowed ('side' was unexpected)",
        "at $.shape: 'radius' is a required property",
    }
    assert _created(b'{"shape": {"kind": "hexagon"}, "note": null}') == [
        "at $.shape.kind: 'hexagon' is not one of ['circle', 'square']"
    ]


def test_headers_content_types_and_empty_bodies():
    assert _created(b'{"shape": {"kind": "circle", "radius": 1}, "note": null}', {}) == []
    _, problems = check(
        _contract(),
        method="POST",
        path="/api/v1/things",
        status=201,
        headers={"Content-Type": "application/json", "Retry-After": "3"},
        content=b'{"shape": {"kind": "circle", "radius": 1}, "note": null}',
    )
    assert problems == [
        "header Retry-After is sent but not documented for 201",
        "header location is documented as required for 201 but not sent",
    ]
    _, problems = check(
        _contract(), method="POST", path="/api/v1/things", status=204, headers={}, content=b"{}"
    )
    assert problems == ["a 204 answer must have no body, got 2 bytes"]
    _, problems = check(
        _contract(),
        method="GET",
        path="/api/v1/things/7/pdf",
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        content=b"<html>",
    )
    assert problems == ["content type 'text/html' is not documented (application/pdf)"]


def test_a_head_answer_is_checked_against_the_get_operation(client, contract_violations):
    # Same status and headers as GET, no body (the test client drops it, as servers do).
    assert client.head("/api/v1/drift/fine").status_code == 200
    assert client.head("/api/v1/drift/null").status_code == 200  # its body is never sent
    assert contract_violations == []
    assert client.head("/api/v1/drift/status").status_code == 418
    assert contract_violations == [
        "HEAD /api/v1/drift/{case} (drift_retrieve) -> 418: status 418 is not documented "
        "(documented: 200, 400, 404, 406, 429)"
    ]


def test_a_head_answer_has_no_body_and_needs_a_get():
    def head(path: str, status: int, content: bytes) -> list[str]:
        headers = {"Content-Type": "application/pdf"}
        return check(
            _contract(), method="HEAD", path=path, status=status, headers=headers, content=content
        )[1]

    assert head("/api/v1/things/7/pdf", 200, b"") == []
    assert head("/api/v1/things/7/pdf", 200, b"%PDF") == [
        "a 200 answer must have no body, got 4 bytes"
    ]
    assert head("/api/v1/things/7/pdf", 409, b"") == [
        "status 409 is not documented (documented: 200)"
    ]
    # /things documents no GET: a HEAD there can only be refused.
    assert head("/api/v1/things", 405, b"") == []
    assert head("/api/v1/things", 200, b"") == ["answered 200 to HEAD on no operation"]


DRIFTING_TEST = """
import pytest

pytestmark = pytest.mark.urls("tests.contract.drift_urls")


def test_reads_a_drifted_answer(client):
    assert client.get("/api/v1/drift/null").status_code == 200


def test_reads_a_documented_answer(client):
    assert client.get("/api/v1/drift/fine").status_code == 200
"""


def test_a_drift_fails_the_test_that_made_the_request(tmp_path: Path):
    (tmp_path / "test_drift.py").write_text(textwrap.dedent(DRIFTING_TEST))
    env = {**os.environ, "PYTHONPATH": str(settings.BASE_DIR), "DJANGO_ENV": "test"}
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "tests.contract.plugin"),
            *("-p", "no:cacheprovider", "--ds=gigsy.settings.test"),
            *("--rootdir", str(tmp_path), "-q", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "1 failed, 1 passed" in out, out
    assert "FAILED test_drift.py::test_reads_a_drifted_answer" in out, out
    assert f"{OPERATION} -> 200: at $.name: None is not of type 'string'" in out, out
    assert "2 API responses validated against the OpenAPI schema" in out, out
