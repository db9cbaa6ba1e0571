"""No body is a server error: arbitrary JSON at every write operation of the API.

Every POST, PUT and PATCH operation of the generated OpenAPI schema gets bodies from Hypothesis
(tests/fuzz/strategies.py): its documented body with fields replaced by arbitrary JSON (nested
objects and lists, huge integers, floats, NUL, lone surrogates, wrong types), arbitrary JSON of
any shape, and raw texts (nested thousands deep, truncated, NaN, 1e400, invalid UTF-8). The
path parameters are real ids the caller may act on (tests/fuzz/conftest.py), so most bodies
reach the serializer and the valid ones the service (an operation that requires an
`Idempotency-Key` gets a fresh one per body). Every answer must be below 500, and every
error the envelope with a declared code; the contract hook (tests/contract) checks each answer
against the operation's documented responses too.

Each example runs in a savepoint rolled back afterwards, with the cache cleared, so every body
meets the same world (a PATCH that renamed the course's slug does not turn the rest into 404s).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import given

from gigsy.api.schema import IDEMPOTENCY_KEY_HEADER
from gigsy.errors import all_error_codes
from tests.contract.plugin import contract
from tests.fuzz.conftest import PROFILE, TALLY, World
from tests.fuzz.strategies import Body, SchemaStrategies

WRITE_METHODS = ("post", "put", "patch")
MILESTONE = "/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}"
# Who calls an operation: its owner-side caller reaches the service. Anything not named here is
# called by the course's instructor (authoring), or anonymously when it needs no sign-in.
CALLERS = {
    # Work and reviews: the contract's client takes every step but the freelancer's submit.
    "/api/v1/gigs/contracts/{contract_id}/milestones": "contract_client",
    "/api/v1/gigs/contracts/{contract_id}/reviews": "contract_client",
    f"{MILESTONE}/fund": "contract_client",
    f"{MILESTONE}/release": "contract_client",
    f"{MILESTONE}/submit": "contract_freelancer",
    f"{MILESTONE}/disputes": "contract_client",
    f"{MILESTONE}/request-changes": "contract_client",
    f"{MILESTONE}/approve": "contract_client",
    f"{MILESTONE}/cancel": "contract_client",
    "/api/v1/lms/attempts/{attempt_id}/submit": "learner",
    "/api/v1/lms/courses/{slug}/enrollment": "learner",
    "/api/v1/lms/courses/{slug}/progress/reset": "learner",
    "/api/v1/lms/lessons/{lesson_id}/complete": "learner",
    "/api/v1/lms/quizzes/{quiz_id}/attempts": "learner",
    "/api/v1/lms/invitations/{invitation_id}/accept": "invitee",
    "/api/v1/lms/invitations/{invitation_id}/decline": "invitee",
    # Gigs: the gig's client posts, edits, publishes and cancels.
    "/api/v1/gigs": "gig_client",
    "/api/v1/gigs/{gig_id}": "gig_client",
    "/api/v1/gigs/{gig_id}/publish": "gig_client",
    "/api/v1/gigs/{gig_id}/cancel": "gig_client",
    "/api/v1/gigs/{gig_id}/applications": "applicant",
    "/api/v1/gigs/applications/{application_id}/withdraw": "gig_freelancer",
    "/api/v1/gigs/applications/{application_id}/shortlist": "gig_client",
    "/api/v1/gigs/applications/{application_id}/reject": "gig_client",
    "/api/v1/gigs/applications/{application_id}/accept": "gig_client",
    # Payouts: a verified learner (with nothing available: bodies reach the ledger's check).
    "/api/v1/gigs/payouts": "gig_freelancer",
    "/api/v1/auth/logout": "anonymous",
    "/api/v1/auth/token/refresh": "anonymous",
}


def write_operations() -> list[tuple[str, str]]:
    schema = contract().schema
    return [
        (method, path)
        for path, item in schema["paths"].items()
        for method in WRITE_METHODS
        if method in item
    ]


def caller(path: str, operation: dict[str, Any]) -> str:
    if path in CALLERS:
        return CALLERS[path]
    needs_sign_in = all(requirement for requirement in operation.get("security", [{}]))
    return "instructor" if needs_sign_in else "anonymous"


def fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ids:
            pytest.fail(f"no id for the path parameter {{{name}}} of {path}: add one to `world`")
        return ids[name]

    return re.sub(r"\{([^}]+)\}", value, path)


def key_headers(operation: dict[str, Any]) -> dict[str, str]:
    """A fresh `Idempotency-Key` for an operation that requires one (gigsy/idempotency), so
    bodies reach the view instead of stopping at `idempotency_key_missing`."""
    takes_key = any(
        p.get("in") == "header" and p.get("name") == IDEMPOTENCY_KEY_HEADER
        for p in operation.get("parameters", [])
    )
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if takes_key else {}


def send(client: Any, method: str, url: str, body: Body, **headers: str) -> Any:
    kind, data = body
    if kind == "multipart":
        return getattr(client, method)(url, data, format="multipart", **headers)
    raw = json.dumps(data).encode() if kind == "json" else data
    return client.generic(method.upper(), url, raw, content_type="application/json", **headers)


def assert_handled(response: Any, what: str) -> None:
    TALLY["requests"] += 1
    TALLY[f"status {response.status_code}"] += 1
    if response.status_code >= 500:
        TALLY["server_errors"] += 1
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:500]!r}"
    if response.status_code < 400:
        return
    assert response["Content-Type"].startswith("application/json"), what
    error = response.json()["error"]
    assert error["code"] in all_error_codes(), f"{what}: undeclared code {error['code']!r}"
    assert isinstance(error["message"], str) and error["message"], what
    for name, messages in error.get("fields", {}).items():
        assert isinstance(name, str), what
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages), what


@pytest.mark.parametrize(("method", "path"), write_operations(), ids=lambda v: v)
def test_no_body_is_a_server_error(world: World, method: str, path: str) -> None:
    schema = contract().schema
    operation = schema["paths"][path][method]
    client = world.clients[caller(path, operation)]
    url = fill(path, world.ids)
    what = f"{method.upper()} {path}"
    TALLY["operations"] += 1

    @PROFILE
    @given(body=SchemaStrategies(schema, world.strings).bodies(operation))
    def example(body: Body) -> None:
        cache.clear()
        try:
            with transaction.atomic():
                response = send(client, method, url, body, **key_headers(operation))
                transaction.set_rollback(True)
        except Exception:  # the test client re-raises what the view raised: a 500
            TALLY["requests"] += 1
            TALLY["server_errors"] += 1
            raise
        assert_handled(response, what)

    example()
