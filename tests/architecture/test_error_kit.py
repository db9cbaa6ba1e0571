"""The error kit is used, not re-derived: every code a context raises is a member of its enum
(apps/<ctx>/errors.py, or the kernel's ErrorCode), and domain errors come from gigsy.errors,
never from the API layer that maps them (gigsy/api/errors.py). Checked on the source, and each
rule shown failing on a deliberate violation."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

from gigsy.api import errors as api_errors
from gigsy.errors import ApplicationError
from tests.architecture.source_rules import Source, source_files

ROOT = Path(__file__).resolve().parents[2]
API_ERRORS = "gigsy.api.errors"
# Where code may import from the API layer: the API layer itself.
API_PACKAGE = "gigsy/api/"


def inline_code_violations(sources: Iterable[Source]) -> list[str]:
    """A string literal (or f-string) passed as `code=`: the code belongs in an enum, where the
    schema lists it and a typo fails at import time instead of on the wire."""
    found = []
    for source in sources:
        for node in ast.walk(ast.parse(source.text, source.path)):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                value = keyword.value
                literal = isinstance(value, ast.JoinedStr) or (
                    isinstance(value, ast.Constant) and isinstance(value.value, str)
                )
                if keyword.arg == "code" and literal:
                    found.append(
                        f"{source.path}:{node.lineno}: code={ast.unparse(value)} "
                        "(use a member of the context's error enum)"
                    )
    return found


def _is_domain_error(name: str) -> bool:
    value = getattr(api_errors, name, None)
    return isinstance(value, type) and issubclass(value, ApplicationError)


def api_error_import_violations(sources: Iterable[Source]) -> list[str]:
    """`from gigsy.api.errors import NotFoundError` outside gigsy/api: domain errors carry no
    HTTP and live in gigsy.errors; gigsy/api/errors.py only maps and renders them."""
    found = []
    for source in sources:
        if source.path.startswith(API_PACKAGE):
            continue
        for node in ast.walk(ast.parse(source.text, source.path)):
            if isinstance(node, ast.ImportFrom) and node.module == API_ERRORS:
                for alias in node.names:
                    if _is_domain_error(alias.name):
                        found.append(
                            f"{source.path}:{node.lineno}: imports {alias.name} from "
                            f"{API_ERRORS} (import it from gigsy.errors)"
                        )
    return found


def _python_files(*folders: str) -> list[Source]:
    return [
        Source(path=path.relative_to(ROOT).as_posix(), text=path.read_text())
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "/migrations/" not in path.as_posix()
    ]


@pytest.fixture(scope="module")
def contexts() -> list[Source]:
    found = source_files(ROOT)
    assert any(s.path == "apps/lms/services/authoring.py" for s in found), "scanned nothing"
    return found


def test_no_context_raises_an_inline_error_code(contexts):
    assert inline_code_violations(contexts) == []


def test_domain_errors_are_imported_from_the_kernel_not_the_api_layer(contexts):
    everything = contexts + _python_files("gigsy", "tests", "scripts", "bench")
    assert api_error_import_violations(everything) == []


# --- each rule can fail -------------------------------------------------------------------------
def _lms(text: str) -> list[Source]:
    return [Source(path="apps/lms/bad.py", text=text)]


@pytest.mark.parametrize(
    "text",
    [
        'raise ConflictError("Taken.", code="slug_taken")\n',
        "raise ConflictError('Taken.', code='slug_taken', fields={})\n",
        'raise ConflictError("Late.", code=f"time_{kind}")\n',
        'raise AuthenticationFailed("No.", code="nope")\n',
    ],
)
def test_an_inline_code_fails(text):
    [violation] = inline_code_violations(_lms(text))
    assert violation.startswith("apps/lms/bad.py:1: code=")


@pytest.mark.parametrize(
    "text",
    [
        'raise ConflictError("Taken.", code=LmsError.SLUG_TAKEN)\n',
        'raise ConflictError("Taken.")\n',  # the class's own code
        "certificate = selectors.certificate_by_code(code=code.strip())\n",
        'Certificate(verify_code="ABC")\n',
    ],
)
def test_enum_codes_and_other_keywords_pass(text):
    assert inline_code_violations(_lms(text)) == []


@pytest.mark.parametrize("name", ["NotFoundError", "ConflictError", "ApplicationError"])
def test_importing_a_domain_error_from_the_api_layer_fails(name):
    text = f"from gigsy.api.errors import envelope, {name}\n"
    assert api_error_import_violations(_lms(text)) == [
        f"apps/lms/bad.py:1: imports {name} from gigsy.api.errors (import it from gigsy.errors)"
    ]
    inside = [Source(path="gigsy/api/middleware.py", text=text)]
    assert api_error_import_violations(inside) == []


def test_the_kernel_import_and_the_rendering_helpers_pass():
    text = "from gigsy.errors import NotFoundError\nfrom gigsy.api.errors import envelope\n"
    assert api_error_import_violations(_lms(text)) == []
