"""The kit's privacy registry (gigsy.privacy) and its rule: every context with tables says what it
holds about a user (`public.export_user`, for the data export) and erases it when the account
is deleted (a handler of `user.deleted`). accounts is the exception to the second half: it
erases in the request that deletes the account."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from django.apps import AppConfig
from django.utils.module_loading import module_has_submodule

from apps.accounts import public as accounts_public
from gigsy.contexts import context_apps
from gigsy.events import registry
from gigsy.events.registry import Handler
from gigsy.privacy import (
    DELETED_EVENT,
    EXPORT_FUNCTION,
    Blocker,
    deletion_blockers,
    exporters,
    forget_addresses,
)

# Erases in the request itself (apps/accounts/services.py, delete_account).
ERASES_IN_REQUEST = {"accounts"}
# Contexts that have tables and do not export or erase yet, with the reason: this baseline only
# shrinks (the test fails when an entry is no longer needed, so it is removed then).
PENDING: dict[str, str] = {}


@dataclass(frozen=True)
class Context:
    label: str
    name: str
    has_tables: bool
    public: ModuleType | None


def _context(app_config: AppConfig) -> Context:
    public = None
    if module_has_submodule(app_config.module, "public"):
        public = __import__(f"{app_config.name}.public", fromlist=["public"])
    # Concrete models: get_models() leaves out abstract ones; proxies have no table.
    has_tables = any(not model._meta.proxy for model in app_config.get_models())
    return Context(app_config.label, app_config.name, has_tables, public)


def privacy_gaps(contexts: list[Context], handlers: list[Handler]) -> list[str]:
    gaps = []
    for context in contexts:
        if not context.has_tables:
            continue
        if not callable(getattr(context.public, EXPORT_FUNCTION, None)):
            gaps.append(f"{context.label}: no public.{EXPORT_FUNCTION}(user_id)")
        erases = any(
            h.event_type == DELETED_EVENT and h.func.__module__.startswith(f"{context.name}.")
            for h in handlers
        )
        if context.label not in ERASES_IN_REQUEST and not erases:
            gaps.append(f"{context.label}: no handler of {DELETED_EVENT}")
    return gaps


def test_every_context_with_tables_exports_and_erases():
    contexts = [_context(app_config) for app_config in context_apps()]
    gaps = privacy_gaps(contexts, registry.all_handlers())

    unexpected = [gap for gap in gaps if gap.split(":")[0] not in PENDING]
    assert unexpected == [], "a context with tables must export and erase (gigsy/privacy.py)"
    no_longer = sorted(set(PENDING) - {gap.split(":")[0] for gap in gaps})
    assert no_longer == [], f"remove {no_longer} from PENDING: they export and erase now"
    assert {"accounts", "lms"} <= {c.label for c in contexts if c.has_tables}


def fake(label: str, *, has_tables: bool = True, **public: Any) -> Context:
    module = ModuleType(f"apps.{label}.public")
    for name, value in public.items():
        setattr(module, name, value)
    return Context(label, f"apps.{label}", has_tables, module)


def handler_of(event_type: str, module: str) -> Handler:
    def func(event: Any) -> None:
        pass

    func.__module__ = module
    return Handler(name="x.y", event_type=event_type, func=func)


def test_the_rule_fails_a_context_with_tables_that_neither_exports_nor_erases():
    def export(user_id: int) -> dict[str, Any]:
        return {}

    contexts = [
        fake("silent"),  # tables, nothing else
        fake("exports_only", export_user=export),
        fake("erases_only"),
        fake("both", export_user=export),
        fake("empty", has_tables=False),  # no tables: nothing to export or erase
        fake("accounts", export_user=export),  # erases in the request
        fake("neighbour", export_user=export),  # another context's handler does not count
    ]
    handlers = [
        handler_of(DELETED_EVENT, "apps.erases_only.handlers"),
        handler_of(DELETED_EVENT, "apps.both.handlers"),
        handler_of("user.updated", "apps.exports_only.handlers"),
        handler_of(DELETED_EVENT, "apps.neighbourhood.handlers"),
    ]

    assert privacy_gaps(contexts, handlers) == [
        "silent: no public.export_user(user_id)",
        "silent: no handler of user.deleted",
        "exports_only: no handler of user.deleted",
        "erases_only: no public.export_user(user_id)",
        "neighbour: no handler of user.deleted",
    ]


def test_exporters_are_found_in_installed_apps_order_with_their_descriptions():
    found = exporters()

    labels = [e.context for e in found]
    assert labels == [a.label for a in context_apps() if a.label in labels]
    accounts = found[labels.index("accounts")]
    assert accounts.name == "Accounts"
    assert accounts.description.startswith("Your account (email, display name, roles")
    assert accounts.export is accounts_public.export_user


@pytest.mark.django_db
def test_blockers_carry_their_context_and_none_means_the_account_may_go(monkeypatch):
    assert deletion_blockers(1) == []  # no context blocks an unknown user today

    def blockers(user_id: int) -> list[Blocker]:
        return [Blocker(code="open_contract", message=f"Contract of {user_id} is open.")]

    monkeypatch.setattr(accounts_public, "deletion_blockers", blockers, raising=False)

    assert deletion_blockers(5) == [
        Blocker(code="open_contract", message="Contract of 5 is open.", context="accounts")
    ]


@pytest.mark.django_db  # lms's real hook runs too (it deletes pending invitations)
def test_addresses_are_forgotten_lower_cased_once_each(monkeypatch):
    received: list[list[str]] = []
    monkeypatch.setattr(accounts_public, "forget_addresses", received.append, raising=False)

    forget_addresses([" Ada@Example.com", "", "ada@example.com", "new@example.com"])
    forget_addresses(["", "  "])

    assert received == [["ada@example.com", "new@example.com"]]
