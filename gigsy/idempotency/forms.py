"""Operator forms that must not act twice: a key made when the form is rendered, and
`run_once` to act on it (docs/decisions/0030).

    class ResolveForm(OnceForm):
        reason = forms.CharField(...)

    form = ResolveForm(request.POST)
    if form.is_valid():
        once = run_once(
            key=form.cleaned_data["idempotency_key"],
            scope=user_scope(request.user.pk),
            fn=lambda: disputes.resolve(...),
            operation="gigs.resolve_dispute",
        )
        if once.ran:
            messages.success(request, "Resolved.")
        else:
            messages.info(request, once.message)

The key travels as a hidden field (admin/action_with_reason.html renders a form's hidden
fields), so a double click or a resubmitted page sends the same key: `fn` runs once, the
second submit is told it was already done (or is being done). `fn` runs in one transaction
with the key's record; if it raises, the key is forgotten and the same form may be sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms

from gigsy.errors import ApplicationError, ErrorCode
from gigsy.idempotency.keys import MAX_KEY_LENGTH, fingerprint, is_valid_key, new_key
from gigsy.idempotency.store import Attempt, KeyInUseError, Ran, Replay, Stored, execute

R = TypeVar("R")

# The `method` of records made by operator forms (API records hold an HTTP method).
FORM_METHOD = "FORM"


class IdempotencyKeyField(forms.CharField):
    """A hidden field holding a new key each time its form is rendered unbound."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("initial", new_key)  # a callable: evaluated per rendered form
        kwargs.setdefault("max_length", MAX_KEY_LENGTH)
        kwargs.setdefault(
            "error_messages",
            {"required": "This form has expired: go back, reload the page and submit again."},
        )
        super().__init__(**kwargs)


class OnceForm(forms.Form):
    """A form whose submission acts once: carries `idempotency_key` for `run_once`."""

    idempotency_key = IdempotencyKeyField()


@dataclass(frozen=True, slots=True)
class Once(Generic[R]):
    """What `run_once` did: `ran` (and `value`, what `fn` returned), or nothing because the
    same form was already submitted (`in_progress`: that submission is still running)."""

    ran: bool
    value: R | None = None
    in_progress: bool = False

    @property
    def message(self) -> str:
        if self.ran:
            return ""
        if self.in_progress:
            return (
                "This form was just submitted and is still being processed; nothing was done twice."
            )
        return "This form was already submitted and done; nothing was done again."


def run_once(*, key: str, scope: str, fn: Callable[[], R], operation: str = "admin") -> Once[R]:
    """Run `fn` unless this key of this scope already ran it (see the module doc).

    `operation` names what the form does: the same key sent for another operation is refused
    (`idempotency_key_reused`), as it would be by the API."""
    if not is_valid_key(key):
        raise ApplicationError(
            "This form's key is not valid: reload the page.", code=ErrorCode.IDEMPOTENCY_KEY_INVALID
        )
    attempt = Attempt(
        scope=scope,
        key=key,
        method=FORM_METHOD,
        path=operation,
        route=operation,
        fingerprint=fingerprint(None),
    )

    def run() -> Ran[R]:
        return Ran(stored=Stored(status=200), result=fn())

    try:
        outcome = execute(attempt, run)
    except KeyInUseError:
        return Once(ran=False, in_progress=True)
    if isinstance(outcome, Replay):
        return Once(ran=False)
    return Once(ran=True, value=outcome)
