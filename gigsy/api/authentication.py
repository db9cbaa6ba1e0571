"""JWT authentication that does not hit the database on every request.

simplejwt validates the token (signature, expiry, type) without I/O; the user it names is then
read from Redis and only on a miss from PostgreSQL (ARCHITECTURE.md section 1: a per-request
ORM lookup cost most of the API's throughput). Services that change a user call
`forget_cached_user()` after commit, so the cache never serves a deactivated or stale user for
longer than the commit takes.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings


def _cache_key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


def forget_cached_user(user_id: Any) -> None:
    cache.delete(_cache_key(user_id))


class CachedJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc

        key = _cache_key(user_id)
        user = cache.get(key)
        if user is None:
            model = get_user_model()
            try:
                user = model.objects.get(**{jwt_settings.USER_ID_FIELD: user_id})
            except model.DoesNotExist as exc:
                raise AuthenticationFailed("User not found", code="user_not_found") from exc
            cache.set(key, user, settings.AUTH_USER_CACHE_SECONDS)

        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        structlog.contextvars.bind_contextvars(user_id=str(user.pk))
        return user
