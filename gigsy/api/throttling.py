"""Throttles backed by the default (Redis) cache; rates read from settings at request time so
deployments and tests can change them without re-importing DRF."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import throttling


class _SettingsRateMixin:
    scope: str

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)


class AnonRateThrottle(_SettingsRateMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    pass


class ScopedIPThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Per client address, for a named scope (set `scope` on the subclass)."""

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIPThrottle(ScopedIPThrottle):
    scope = "login_ip"


class RegisterIPThrottle(ScopedIPThrottle):
    scope = "register"


class LoginAccountThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Per account (the submitted email), so one account can't be guessed at from many IPs."""

    scope = "login_account"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        # A malformed body raises ParseError here, answered 400 like anywhere else.
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}
