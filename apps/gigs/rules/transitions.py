"""State machines as data: a table of actions, the statuses each is allowed from, and where it
leads. Pure (no I/O); the services look an action up here and raise what `check` says."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from apps.gigs.errors import GigsError
from gigsy.errors import ConflictError


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[str]
    target: str


def machine(table: Mapping[str, tuple[tuple[str, ...], str]]) -> dict[str, Transition]:
    """`{"action": (("from", ...), "to")}` -> transitions."""
    return {
        action: Transition(frozenset(sources), target)
        for action, (sources, target) in table.items()
    }


def allowed_actions(transitions: Mapping[str, Transition], status: str) -> list[str]:
    return sorted(action for action, t in transitions.items() if status in t.sources)


def check(transitions: Mapping[str, Transition], *, action: str, status: str, what: str) -> str:
    """The status `action` leads to from `status`; a 409 `invalid_transition` naming the current
    status and the allowed actions when it is not allowed."""
    transition = transitions[action]
    if status in transition.sources:
        return transition.target
    allowed = allowed_actions(transitions, status)
    # The action is named, not conjugated: "close" + "ed" or "submit" + "ed" reads wrong.
    raise ConflictError(
        f"The {what} is {status.replace('_', ' ')}: `{action}` is not allowed "
        + (f"now (allowed: {', '.join(allowed)})." if allowed else "any more."),
        code=GigsError.INVALID_TRANSITION,
        details={"current_status": status, "allowed": allowed},
    )
