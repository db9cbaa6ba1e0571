"""Accounts' throttles: login and registration guesses, per client address and per account.

The admin login (/admin/login/, apps/accounts/api/admin_login.py) spends the same two login
budgets through `spend_login_attempt`: a guess there and one at /api/v1/auth/token count alike.

Rates: the scopes' entries in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], set in
apps/accounts/settings.py from THROTTLE_*; the counting is the kernel's (gigsy/api/throttling.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gigsy.api.throttling import CounterRateThrottle, ScopedIPThrottle


class LoginIPThrottle(ScopedIPThrottle):
    scope = "login_ip"


class RegisterIPThrottle(ScopedIPThrottle):
    scope = "register"


class LoginAccountThrottle(CounterRateThrottle):
    """Per account (the submitted email), so one account can't be guessed at from many IPs."""

    scope = "login_account"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        # A malformed body raises ParseError here, answered 400 like anywhere else.
        email = request.data.get("email") if hasattr(request.data, "get") else None
        return self.key_for(email)

    def key_for(self, email: object) -> str | None:
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}


class AccountPasswordThrottle(LoginAccountThrottle):
    """A logged-in user's password checks (password change) share the per-account budget of
    logins: a stolen access token can't be used to guess the password faster."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.key_for(getattr(request.user, "email", None))


class _AccountOf(LoginAccountThrottle):
    """The per-account login budget of an email given directly (a Django form's username)."""

    def __init__(self, email: object) -> None:
        super().__init__()
        self._email = email

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.key_for(self._email)


def spend_login_attempt(request: HttpRequest, email: object) -> float | None:
    """Count one login attempt outside DRF (the admin's login form) against the API login's
    budgets, exactly as TokenObtainView's throttles do: both are spent on every attempt, the
    address's whether or not an email was given. None if allowed, else seconds to wait."""
    waits = [
        throttle.wait()
        for throttle in (LoginIPThrottle(), _AccountOf(email))
        if not throttle.allow_request(request, None)
    ]
    return max(waits) if waits else None


class EmailVerificationThrottle(CounterRateThrottle):
    """Verification mail a signed-in user asks for (resend, email change), per account: each
    request sends an email, so it is the mailbox's owner, not a guesser, that needs the limit."""

    scope = "email_verification"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user_id = getattr(request.user, "pk", None)
        if user_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user_id}


class DataExportThrottle(CounterRateThrottle):
    """Data exports asked for, per account (THROTTLE_DATA_EXPORT): each one reads everything
    every context holds about the user and writes an archive."""

    scope = "data_export"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user_id = getattr(request.user, "pk", None)
        if user_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user_id}
