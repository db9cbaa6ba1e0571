"""JWT authentication that does not hit the database on every request.

simplejwt validates the token (signature, expiry, type) without I/O, once per token per
process. The user it names is read from a tiny per-process cache (AUTH_USER_LOCAL_SECONDS,
2 s by default), then from Redis, and only on a miss from PostgreSQL (docs/architecture.md,
"Processes": a per-request ORM lookup cost most of the API's throughput). Services that change a
user call `forget_cached_user()` after commit: this process and Redis forget at once, other
processes within AUTH_USER_LOCAL_SECONDS (docs/decisions/0004).
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from gigsy.errors import ErrorCode


@functools.lru_cache(maxsize=8192)
def _verify(raw_token: bytes) -> Any:
    """Signature and claims checked once per token per process; later requests with the same
    token skip the HMAC and JSON work (~150 us). Expiry is still checked on every request."""
    return JWTAuthentication().get_validated_token(raw_token)


def _cache_key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


class _LocalUsers:
    """user id -> (user, expires_at), bounded; shared by the threads of one worker."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> Any:
        entry = self._entries.get(user_id)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, user_id: str, user: Any, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[user_id] = (user, time.monotonic() + seconds)

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._entries.pop(user_id, None)


_local_users = _LocalUsers()


def forget_cached_user(user_id: Any) -> None:
    _local_users.forget(str(user_id))
    cache.delete(_cache_key(user_id))


class CachedJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes) -> Any:
        token = _verify(raw_token)
        if token.payload.get("exp", 0) <= time.time():
            raise InvalidToken("Token is expired")
        return token

    def get_user(self, validated_token: Any) -> Any:
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc

        user = _local_users.get(str(user_id))
        if user is None:
            user = self._shared_user(user_id)
            _local_users.put(str(user_id), user, settings.AUTH_USER_LOCAL_SECONDS)

        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code=ErrorCode.USER_INACTIVE)
        # When a token stops working early (a password change, "log out everywhere") is the
        # identity context's rule: the user model answers it, the kernel only asks.
        token_revoked = getattr(user, "token_revoked", None)
        if token_revoked is not None and token_revoked(issued_at=validated_token.get("iat", 0)):
            raise InvalidToken("Token was revoked (password change or log out everywhere)")
        structlog.contextvars.bind_contextvars(user_id=str(user.pk))
        return user

    @staticmethod
    def _shared_user(user_id: Any) -> Any:
        key = _cache_key(user_id)
        user = cache.get(key)
        if user is None:
            model = get_user_model()
            try:
                user = model.objects.get(**{jwt_settings.USER_ID_FIELD: user_id})
            except model.DoesNotExist as exc:
                raise AuthenticationFailed("User not found", code=ErrorCode.USER_NOT_FOUND) from exc
            cache.set(key, user, settings.AUTH_USER_CACHE_SECONDS)
        return user
