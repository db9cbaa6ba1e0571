"""Leaving and taking one's data: what each context holds about a user, found by convention.

A context's `public.py` (gigsy/contexts.py finds it; the kernel imports no app by name) may
define two functions:

    export_user(user_id: int) -> dict[str, Any]
        Everything the context holds about the user, JSON-serialisable (datetimes, dates,
        decimals and UUIDs are written as strings), with human-readable keys ("display name",
        "enrolled at"). The data export writes it as `<context>.json` in the archive; the first
        paragraph of its docstring describes that file in the archive's README.txt. Every
        context with tables must define it (tests/platform/test_privacy_kit.py).
    deletion_blockers(user_id: int) -> list[Blocker]
        Why the account cannot be deleted yet (an open contract, money in escrow), empty when
        nothing stands in the way. Optional.
    forget_addresses(addresses: list[str]) -> None
        Erase what the context holds addressed to these email addresses without a link to the
        account (an invitation sent to an address). Called in the transaction that deletes the
        account, while the addresses are still known: they never travel on the bus. Optional.

Erasure is not called from here: the account is pseudonymized in the request that deletes it
and accounts publishes `user.deleted` {user_id, pseudonym}; every other context with tables
erases or pseudonymizes what it holds in a handler of that event (docs/decisions/0022).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from gigsy.contexts import context_modules

EXPORT_FUNCTION = "export_user"
BLOCKERS_FUNCTION = "deletion_blockers"
ADDRESSES_FUNCTION = "forget_addresses"
# The event every context with tables handles to erase a deleted account's data.
DELETED_EVENT = "user.deleted"

ExportFunction = Callable[[int], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Blocker:
    """One reason an account cannot be deleted yet, shown to its owner.

    `code` is stable for clients (e.g. "open_contract"), `message` says what to do first;
    `context` (the context's label) is filled in by `deletion_blockers`."""

    code: str
    message: str
    context: str = ""


@dataclass(frozen=True, slots=True)
class Exporter:
    context: str  # the context's label: the archive's `<context>.json`
    name: str  # its verbose name, for people
    description: str  # the first paragraph of `export_user`'s docstring
    export: ExportFunction


def _describe(function: Callable[..., Any], fallback: str) -> str:
    doc = inspect.getdoc(function) or ""
    first = doc.split("\n\n", 1)[0]
    return " ".join(first.split()) or fallback


def exporters() -> list[Exporter]:
    """Every context's `public.export_user`, in INSTALLED_APPS order."""
    found: list[Exporter] = []
    for app_config, module in context_modules("public"):
        export = getattr(module, EXPORT_FUNCTION, None)
        if callable(export):
            name = str(app_config.verbose_name)
            found.append(
                Exporter(
                    context=app_config.label,
                    name=name,
                    description=_describe(export, f"What {name} holds about you."),
                    export=export,
                )
            )
    return found


def deletion_blockers(user_id: int) -> list[Blocker]:
    """Every context's reasons the account cannot be deleted yet; empty when it can."""
    found: list[Blocker] = []
    for app_config, module in context_modules("public"):
        ask = getattr(module, BLOCKERS_FUNCTION, None)
        if callable(ask):
            found += [replace(b, context=app_config.label) for b in ask(user_id)]
    return found


def forget_addresses(addresses: list[str]) -> None:
    """Ask every context to erase what it holds addressed to `addresses` (lower-cased, the
    empty ones dropped); in the caller's transaction."""
    wanted = sorted({address.strip().lower() for address in addresses if address.strip()})
    if not wanted:
        return
    for _, module in context_modules("public"):
        forget = getattr(module, ADDRESSES_FUNCTION, None)
        if callable(forget):
            forget(wanted)
