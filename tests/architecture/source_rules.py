"""The code rules of docs/architecture.md ("Boundaries", ADR 0001), as functions over source
text, so the tests can run them on the real tree and on deliberate violations alike.

1. A context imports another context only through its `public` module, and only accounts
   calls `get_user_model()` (the user model is accounts' table, not a shared one).
2. A relation into another context (the user foreign key, or any model of another context) is
   an id, not a window: no `<x>.user.<column>`, no `user__email` lookups, no
   `select_related("user")`. Only the id (`pk`, `id`) may be read through it, and lookups
   may compare the id itself (`user__in`, `user__isnull`, ...).

Migrations are not scanned: they are not runtime code, and a data migration may read another
context's table through the historical model.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import models

PUBLIC_MODULE = "public"
# What may be read through a cross-context relation, or of a principal named like one (the
# `user=` argument lms's services take is `request.user`): its id and whether it is signed in.
ALLOWED_ATTRIBUTES = frozenset({"pk", "id", "is_authenticated"})
# Lookups after a cross-context relation that compare the stored id, with no join.
ALLOWED_LOOKUPS = frozenset({"pk", "id", "in", "isnull", "exact"})
# Calls whose string arguments load the related rows (their columns) into this context.
LOADERS = frozenset({"select_related", "prefetch_related", "Prefetch"})
_LOOKUP = re.compile(r"^[a-z_][a-z0-9_]*(__[a-z0-9_]+)+$")


@dataclass(frozen=True)
class Source:
    path: str  # relative, with forward slashes: "apps/lms/gradebook/selectors.py"
    text: str

    @property
    def context(self) -> str:
        return self.path.split("/")[1]


def source_files(root: Path) -> list[Source]:
    """Every Python module of every context under `root/apps`, migrations excepted."""
    found = []
    for path in sorted((root / "apps").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative:
            continue
        found.append(Source(path=relative, text=path.read_text()))
    return found


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        # `from apps.accounts import public` imports the module apps.accounts.public.
        return [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def _crosses_into(module: str, context: str) -> bool:
    parts = module.split(".")
    if parts[0] != "apps" or len(parts) < 2 or parts[1] == context:
        return False
    return len(parts) < 3 or parts[2] != PUBLIC_MODULE


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def import_violations(sources: Iterable[Source]) -> list[str]:
    found: list[str] = []
    for source in sources:
        for node in ast.walk(ast.parse(source.text, source.path)):
            for module in _imported_modules(node):
                if _crosses_into(module, source.context):
                    found.append(
                        f"{source.path}:{node.lineno}: imports {module} "
                        f"(only another context's `{PUBLIC_MODULE}` module may be imported)"
                    )
            if (
                isinstance(node, ast.Call)
                and _called_name(node) == "get_user_model"
                and source.context != "accounts"
            ):
                found.append(
                    f"{source.path}:{node.lineno}: calls get_user_model() "
                    "(ask apps.accounts.public instead)"
                )
    return found


def cross_context_relations(model_classes: Iterable[type[models.Model]]) -> dict[str, set[str]]:
    """Per context, the names of its model fields that relate to another context's model
    (the user foreign key included). Framework models (auth.Group) are not contexts."""
    found: dict[str, set[str]] = {}
    for model in model_classes:
        app = model._meta.app_label
        if not model._meta.app_config.name.startswith("apps."):
            continue
        for field in model._meta.get_fields():
            target = field.related_model
            if not field.is_relation or field.auto_created or not isinstance(target, type):
                continue
            target_app = target._meta.app_config
            if target_app.label != app and target_app.name.startswith("apps."):
                found.setdefault(app, set()).add(field.name)
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _reads_through(lookup: str, relations: set[str]) -> bool:
    """`user__email`, `enrollment__user__display_name`: a join into the other context."""
    if not _LOOKUP.match(lookup):
        return False
    parts = lookup.split("__")
    return any(
        part in relations and parts[i + 1] not in ALLOWED_LOOKUPS
        for i, part in enumerate(parts[:-1])
    )


def _loads(path: str, relations: set[str]) -> bool:
    """`select_related("user")`, `prefetch_related("enrollment__user")`."""
    return bool(set(path.split("__")) & relations)


def relation_read_violations(
    sources: Iterable[Source], relations: dict[str, set[str]]
) -> list[str]:
    found: list[str] = []
    for source in sources:
        names = relations.get(source.context, set())
        if not names:
            continue
        tree = ast.parse(source.text, source.path)
        docstrings = _docstrings(tree)

        def report(node: ast.AST, what: str, *, path: str = source.path) -> None:
            found.append(f"{path}:{getattr(node, 'lineno', '?')}: {what}")

        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr not in ALLOWED_ATTRIBUTES:
                through = _last_name(node.value)
                if through in names:
                    report(node, f"reads .{node.attr} through `{through}` (another context)")
            elif isinstance(node, ast.Call):
                called = _called_name(node)
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if (
                    called == "getattr"
                    and len(node.args) >= 2
                    and _last_name(node.args[0]) in names
                    and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value not in ALLOWED_ATTRIBUTES
                ):
                    report(node, f"getattr reads {node.args[1].value!r} of another context")
                if called in LOADERS:
                    for arg in args:
                        if isinstance(arg, str) and _loads(arg, names):
                            report(node, f"{called}({arg!r}) loads another context's rows")
                for keyword in node.keywords:
                    if keyword.arg and _reads_through(keyword.arg, names):
                        report(node, f"lookup {keyword.arg}= reads another context's columns")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and _reads_through(node.value, names)
            ):
                report(node, f"lookup {node.value!r} reads another context's columns")
    return found
