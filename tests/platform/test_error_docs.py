"""docs/errors.md is generated from the error-code enums, every code is described, and the
statuses a code is documented with are the statuses the code raises it with."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.module_loading import autodiscover_modules

from gigsy.errors import all_error_enums
from gigsy.management.commands.errors_docs import render, undescribed

# The exception classes that carry a code, and the status each one answers with
# (gigsy/api/errors.py STATUS_OF and DRF's exceptions).
STATUS_OF_RAISER = {
    "ApplicationError": 400,
    "ValidationError": 400,
    "NotFoundError": 404,
    "ForbiddenError": 403,
    "PermissionDenied": 403,
    "ConflictError": 409,
    "AuthenticationFailed": 401,
    "NotAuthenticated": 401,
}


def test_errors_doc_is_generated_from_the_enums():
    # Fails when someone adds or edits a code without regenerating docs/errors.md.
    call_command("errors_docs", "--check")


def test_the_check_fails_on_a_stale_doc(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "errors.md").write_text(render().replace("slug_taken", "slug_gone"))
    with pytest.raises(CommandError, match="out of date"):
        call_command("errors_docs", "--check")


def test_every_code_says_its_statuses_meaning_and_action():
    assert undescribed() == []
    text = render()
    autodiscover_modules("errors")
    for enum in all_error_enums():
        for member in enum:
            assert f"| `{member.value}` |" in text


def _documented() -> dict[str, tuple[int, ...]]:
    autodiscover_modules("errors")
    return {
        f"{enum.__qualname__}.{member.name}": member.statuses  # type: ignore[attr-defined]
        for enum in all_error_enums()
        for member in enum
    }


def _raised_codes() -> list[tuple[str, str, int]]:
    """(where, Enum.MEMBER, status) for every `SomeError(..., code=Enum.MEMBER)` and every
    exception class declaring `status_code = N` with `default_code = Enum.MEMBER`."""
    found = []
    root = Path(settings.BASE_DIR)
    for path in [*root.glob("apps/**/*.py"), *root.glob("gigsy/**/*.py")]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                for keyword in node.keywords:
                    value = keyword.value
                    if (
                        keyword.arg == "code"
                        and name in STATUS_OF_RAISER
                        and isinstance(value, ast.Attribute)
                        and isinstance(value.value, ast.Name)
                    ):
                        where = f"{path.relative_to(root)}:{node.lineno}"
                        code = f"{value.value.id}.{value.attr}"
                        found.append((where, code, STATUS_OF_RAISER[name]))
            elif isinstance(node, ast.ClassDef):
                assigned = {
                    t.id: stmt.value
                    for stmt in node.body
                    if isinstance(stmt, ast.Assign)
                    for t in stmt.targets
                    if isinstance(t, ast.Name)
                }
                status, code = assigned.get("status_code"), assigned.get("default_code")
                if (
                    isinstance(status, ast.Constant)
                    and isinstance(code, ast.Attribute)
                    and isinstance(code.value, ast.Name)
                ):
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    found.append((where, f"{code.value.id}.{code.attr}", status.value))
    return found


def test_codes_are_documented_with_the_statuses_they_are_raised_with():
    documented = _documented()
    raised = _raised_codes()
    wrong = [
        f"{where}: {code} raised as {status}, documented as {documented.get(code)}"
        for where, code, status in raised
        if code in documented and status not in documented[code]
    ]
    assert wrong == []
    assert len(raised) > 20  # the scan sees the services' refusals
