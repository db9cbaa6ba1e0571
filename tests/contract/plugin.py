"""The schema is the truth: every API response a test receives is checked against it.

Registered from tests/conftest.py. Every response a Django/DRF test client returns for a path
under /api/ (except the schema and its UIs) is checked against the operation drf-spectacular's
generated schema documents for it (tests/contract/openapi.py): the status must be documented,
the JSON body must match the documented schema for that status, an error's `code` must be
documented (gigsy/errors.py, docs/errors.md) with the status it came with, a non-JSON body must
have a documented content type, and the headers that matter (Location, Retry-After, ETag,
Content-Disposition) must be documented where they are sent. A HEAD answer is checked against
its path's GET operation: the same statuses and headers, and no body. A mismatch fails the test that
made the request, naming the operation, the status and the JSON path that disagrees. The
terminal summary says how many responses were checked, against how many operations.

A test that must see a mismatch (the hook's own tests) asks for the `contract_violations`
fixture: mismatches are collected there instead of failing the test.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.contract.openapi import Contract, check, operations

SKIPPED_PREFIXES = ("/api/schema", "/api/docs", "/api/redoc")


@dataclass
class _State:
    contracts: dict[tuple[str, int], Contract] = field(default_factory=dict)
    validated: int = 0
    operations: Counter[str] = field(default_factory=Counter)
    undocumented_paths: int = 0
    problems: list[str] = field(default_factory=list)
    capture: list[str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def _urlconf_key() -> tuple[str, int]:
    """The URLconf in force (pytest-django's `urls` marker, a settings override, a context
    installed for one test): a schema is generated once per distinct set of routes."""
    from django.conf import settings
    from django.urls import get_resolver

    urlconf = str(settings.ROOT_URLCONF)
    return urlconf, id(get_resolver(urlconf))


def contract() -> Contract:
    key = _urlconf_key()
    with _state.lock:
        if key not in _state.contracts:
            from drf_spectacular.generators import SchemaGenerator

            schema = SchemaGenerator(urlconf=key[0]).get_schema(request=None, public=True)
            _state.contracts[key] = Contract(schema)
        return _state.contracts[key]


def _headers_of(response: Any) -> dict[str, str]:
    return dict(response.headers.items())


def _content_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        # Reading a stream consumes it: keep the bytes for the test that reads them next.
        data = b"".join(response.streaming_content)
        response.streaming_content = [data]
        return data
    return bytes(response.content)


def record(response: Any) -> None:
    request = getattr(response, "request", None) or {}
    path = request.get("PATH_INFO", "")
    if not path.startswith("/api/") or path.startswith(SKIPPED_PREFIXES):
        return
    method = request.get("REQUEST_METHOD", "GET")
    checked = contract()
    where, problems = check(
        checked,
        method=method,
        path=path,
        status=response.status_code,
        headers=_headers_of(response),
        content=_content_of(response),
    )
    if response.status_code >= 400:
        problems += _code_status_problems(response.status_code, _content_of(response))
    with _state.lock:
        _state.validated += 1
        if "(no documented operation)" in where:
            _state.undocumented_paths += 1
        else:
            _state.operations[where.rsplit(" -> ", 1)[0]] += 1
        if problems:
            message = f"{where}: " + "; ".join(problems)
            (_state.capture if _state.capture is not None else _state.problems).append(message)


@functools.cache
def _statuses_of_codes() -> dict[str, tuple[int, ...]]:
    from django.utils.module_loading import autodiscover_modules

    from gigsy.errors import all_error_enums

    autodiscover_modules("errors")
    return {
        member.value: getattr(member, "statuses", ())
        for enum in all_error_enums()
        for member in enum
    }


def _code_status_problems(status: int, content: bytes) -> list[str]:
    """An error's code must be one docs/errors.md documents with this status."""
    try:
        code = json.loads(content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return []  # not the envelope: the schema check says so
    statuses = _statuses_of_codes().get(code)
    if statuses is None or status in statuses:
        return []
    return [f"code {code!r} is documented (docs/errors.md) with {statuses}, answered {status}"]


def _install() -> None:
    from django.test.client import Client

    if getattr(Client.request, "_contract_checked", False):
        return
    original = Client.request

    def request(self: Any, **kwargs: Any) -> Any:
        response = original(self, **kwargs)
        record(response)
        return response

    request._contract_checked = True  # type: ignore[attr-defined]
    Client.request = request  # type: ignore[method-assign]


def pytest_sessionstart(session: pytest.Session) -> None:
    _install()


def _fail_on_problems(item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
    _state.problems.clear()
    try:
        result = yield
    except BaseException:
        if _state.problems:
            item.add_report_section(phase, "schema contract", "\n".join(set(_state.problems)))
            _state.problems.clear()
        raise
    if _state.problems:
        found, _state.problems[:] = Counter(_state.problems), []
        pytest.fail(
            "responses disagree with the OpenAPI schema (tests/contract):\n  "
            + "\n  ".join(f"{p}" + (f" (x{n})" if n > 1 else "") for p, n in found.items()),
            pytrace=False,
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _fail_on_problems(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _fail_on_problems(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _fail_on_problems(item, "teardown"))


@pytest.fixture
def contract_violations() -> Iterator[list[str]]:
    """Mismatches found while the test runs, instead of a failure (for the hook's own tests)."""
    found: list[str] = []
    _state.capture = found
    try:
        yield found
    finally:
        _state.capture = None


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _state.validated:
        return
    # The project's own schema (the largest: test URLconfs mount a view or two).
    main = max(_state.contracts.values(), key=lambda c: len(c.schema.get("paths", {})))
    names = {
        f"{method.upper()} {path}" + (f" ({spec['operationId']})" if "operationId" in spec else "")
        for path, method, spec in operations(main.schema)
    }
    exercised = names & set(_state.operations)
    terminalreporter.write_sep("-", "schema contract (tests/contract)")
    terminalreporter.write_line(
        f"{_state.validated} API responses validated against the OpenAPI schema, "
        f"{len(exercised)} of {len(names)} documented operations exercised; "
        f"{_state.undocumented_paths} answers to undocumented paths or methods checked as the "
        "error envelope"
    )
    if len(exercised) < len(names):
        terminalreporter.write_line(
            "not exercised by any test: " + ", ".join(sorted(names - exercised))
        )
