"""Auth endpoints. Thin: parse input, call a service, shape output."""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import Token

from apps.accounts import selectors, services
from apps.accounts.api.privacy import DeleteAccountInput
from apps.accounts.api.serializers import (
    LoginInput,
    LoginSerializer,
    LogoutInput,
    PasswordChangeInput,
    ProfileUpdateInput,
    RefreshInput,
    RegisterInput,
    SessionOutput,
    TokenPairOutput,
    UserOutput,
)
from apps.accounts.api.throttling import (
    AccountPasswordThrottle,
    LoginAccountThrottle,
    LoginIPThrottle,
    RegisterIPThrottle,
)
from apps.accounts.models import User
from gigsy.api.inputs import parse
from gigsy.api.pagination import paginated
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, page_of


def _signed_in(request: Request) -> User:
    """The caller's own account: these views let only signed-in callers in (the default
    IsAuthenticated), whose `request.user` is a `User` (from the token's cache, no query)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [RegisterIPThrottle]

    @extend_schema(
        request=RegisterInput,
        responses={201: UserOutput, **error_responses(400, 409, 429)},
        parameters=[LOCATION],
        summary="Create an account",
    )
    def post(self, request: Request) -> Response:
        user = services.register_user(**parse(RegisterInput, request))
        # The new account's resource is the caller's own: /auth/me once signed in.
        return created(request, represent(UserOutput, user), reverse("auth-me"))


@extend_schema(
    request=LoginInput,
    responses={200: TokenPairOutput, **error_responses(400, 401, 429)},
    summary="Log in with email and password",
)
class TokenObtainView(jwt_views.TokenObtainPairView):
    throttle_classes = [LoginIPThrottle, LoginAccountThrottle]
    # Each login starts a session (a refresh token family, services.start_session).
    serializer_class = LoginSerializer


def _pair(refresh: Any) -> dict[str, str]:
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class TokenRefreshView(APIView):
    """Rotation within the token's session; a refresh token used twice ends its session
    (services.refresh_session)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

    @extend_schema(
        request=RefreshInput,
        responses={200: TokenPairOutput, **error_responses(400, 401)},
        summary="Exchange a refresh token for a new pair (the old refresh token stops working; "
        "presenting it again ends the session)",
    )
    def post(self, request: Request) -> Response:
        try:
            refresh = services.refresh_session(**parse(RefreshInput, request))
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(_pair(refresh))


class LogoutView(APIView):
    """Possession of the refresh token is the credential: an expired access token must not
    stop a user from logging out."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    def get_authenticate_header(self, request: Request) -> str:
        # A bad refresh token is a 401 (as on /token/refresh), not DRF's 403 fallback.
        return 'Bearer realm="api"'

    @extend_schema(
        request=LogoutInput,
        responses={204: None, **error_responses(400, 401)},
        summary="Log out: the refresh token is blacklisted; `everywhere` ends every session",
    )
    def post(self, request: Request) -> Response:
        try:
            services.log_out(**parse(LogoutInput, request))
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(APIView):
    throttle_classes = [AccountPasswordThrottle]

    @extend_schema(
        request=PasswordChangeInput,
        responses={200: TokenPairOutput, **error_responses(400, 401, 429)},
        summary="Change my password: every other session ends, this one gets new tokens",
    )
    def post(self, request: Request) -> Response:
        user = _signed_in(request)
        services.change_password(user=user, **parse(PasswordChangeInput, request))
        return Response(_pair(services.start_session(user=user, **_device(request))))


def _device(request: Request) -> dict[str, Any]:
    """What a new session records about where it was started (services.start_session)."""
    return {
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
        "ip": BaseThrottle().get_ident(request),
    }


class SessionListView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(SessionOutput), **error_responses(400, 401, 404)},
        summary="My sessions that have not ended, newest first (`current`: this request's)",
    )
    def get(self, request: Request) -> Response:
        user = _signed_in(request)
        token = request.auth
        current = token.payload.get(services.FAMILY_CLAIM) if isinstance(token, Token) else None
        sessions = selectors.live_sessions(user_id=user.pk, current_id=current)
        return paginated(request, self, sessions, SessionOutput)


class SessionDetailView(APIView):
    @extend_schema(
        responses={204: None, **error_responses(401, 404)},
        summary="End one of my sessions: its refresh token stops working at once, its access "
        "token when it expires (at most JWT_ACCESS_MINUTES)",
    )
    def delete(self, request: Request, session_id: uuid.UUID) -> Response:
        services.end_session(user=_signed_in(request), session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "DELETE":
            # The password re-entered to delete the account spends the login's per-account
            # budget, as a password change does.
            return [AccountPasswordThrottle()]
        return super().get_throttles()

    @extend_schema(responses={200: UserOutput, **error_responses(401)}, summary="The current user")
    def get(self, request: Request) -> Response:
        return Response(represent(UserOutput, request.user))

    @extend_schema(
        request=ProfileUpdateInput,
        responses={200: UserOutput, **error_responses(400, 401)},
        summary="Change your display name or time zone",
    )
    def patch(self, request: Request) -> Response:
        user = services.update_profile(
            user=_signed_in(request), **parse(ProfileUpdateInput, request)
        )
        return Response(represent(UserOutput, user))

    @extend_schema(
        request=DeleteAccountInput,
        responses={204: None, **error_responses(400, 401, 403, 409, 429)},
        summary="Delete my account (password re-entered): it is pseudonymized and can no longer "
        "sign in, every part of Gigsy erases what it holds about me, the email is free again",
        description="Wrong password: 400 `validation_error` on `password`. Operators: 403 "
        "`operator_cannot_delete_self`. Something still open (a contract, money in escrow): "
        "409 `deletion_blocked` with `details.blockers`.",
    )
    def delete(self, request: Request) -> Response:
        services.delete_account(user=_signed_in(request), **parse(DeleteAccountInput, request))
        return Response(status=status.HTTP_204_NO_CONTENT)
