"""Idempotency keys: an action runs at most once per key, retries get its first answer.

- API: `gigsy.idempotency.api.idempotent` on a DRF view method (money-moving POSTs): the
  `Idempotency-Key` header is required, keys are per user, Stripe's semantics.
- Operator forms: `gigsy.idempotency.forms.OnceForm` (a hidden key made when the form is
  rendered) and `run_once(key=, scope=, fn=)`: a double submit runs `fn` once.
- Both keep one record per (scope, key) in the `idempotency` schema (models.py); the life of
  a key is in store.py; the beat task `idempotency.sweep` deletes keys older than
  IDEMPOTENCY_KEY_HOURS.

Design: docs/decisions/0030-idempotency-keys.md.
"""

from __future__ import annotations


def forget_scope(*, scope: str) -> int:
    """Delete every key of `scope` (a deleted account's `user_scope(id)`): stored answers may
    name the person. Returns how many records went."""
    # Imported here: this package is imported before apps are ready (INSTALLED_APPS).
    from gigsy.idempotency.store import forget_scope as forget

    return forget(scope=scope)


def user_scope(user_id: int | str) -> str:
    """The scope of a signed-in user's keys (the API's, and operator forms')."""
    from gigsy.idempotency.keys import user_scope as scope_of

    return scope_of(user_id)


__all__ = ["forget_scope", "user_scope"]
