"""Accounts' throttles: login and registration guesses, per client address and per account.

Rates: the scopes' entries in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], set in
apps/accounts/settings.py from THROTTLE_*; the counting is the kernel's (gigsy/api/throttling.py).
"""

from __future__ import annotations

from typing import Any

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
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}


class AccountPasswordThrottle(LoginAccountThrottle):
    """A logged-in user's password checks (password change) share the per-account budget of
    logins: a stolen access token can't be used to guess the password faster."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        email = getattr(request.user, "email", None)
        if not email:
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}
