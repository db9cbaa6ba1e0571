"""Auth endpoints. Thin: parse input, call a service, shape output."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import services
from apps.accounts.api.serializers import (
    LogoutInput,
    PasswordChangeInput,
    ProfileUpdateInput,
    RegisterInput,
    TokenPairOutput,
    UserOutput,
)
from apps.accounts.api.throttling import (
    AccountPasswordThrottle,
    LoginAccountThrottle,
    LoginIPThrottle,
    RegisterIPThrottle,
)
from gigsy.api.representation import represent

_ERROR = OpenApiResponse(description="Error envelope: {error: {code, message, fields?}}")


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [RegisterIPThrottle]

    @extend_schema(
        request=RegisterInput,
        responses={201: UserOutput, 400: _ERROR, 409: _ERROR, 429: _ERROR},
        summary="Create an account",
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_user(**data.validated_data)
        return Response(represent(UserOutput, user), status=status.HTTP_201_CREATED)


@extend_schema(
    request=None,
    responses={200: TokenPairOutput, 401: _ERROR, 429: _ERROR},
    summary="Log in with email and password",
)
class TokenObtainView(jwt_views.TokenObtainPairView):
    throttle_classes = [LoginIPThrottle, LoginAccountThrottle]


@extend_schema(
    responses={200: TokenPairOutput, 401: _ERROR},
    summary="Exchange a refresh token for a new pair (the old refresh token stops working)",
)
class TokenRefreshView(jwt_views.TokenRefreshView):
    pass


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
        responses={204: None, 400: _ERROR, 401: _ERROR},
        summary="Log out: the refresh token is blacklisted; `everywhere` ends every session",
    )
    def post(self, request: Request) -> Response:
        data = LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.log_out(**data.validated_data)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(APIView):
    throttle_classes = [AccountPasswordThrottle]

    @extend_schema(
        request=PasswordChangeInput,
        responses={200: TokenPairOutput, 400: _ERROR, 401: _ERROR, 429: _ERROR},
        summary="Change my password: every other session ends, this one gets new tokens",
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_password(user=request.user, **data.validated_data)
        refresh = RefreshToken.for_user(request.user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class MeView(APIView):
    @extend_schema(responses={200: UserOutput, 401: _ERROR}, summary="The current user")
    def get(self, request: Request) -> Response:
        return Response(represent(UserOutput, request.user))

    @extend_schema(
        request=ProfileUpdateInput,
        responses={200: UserOutput, 400: _ERROR, 401: _ERROR},
        summary="Change your display name or time zone",
    )
    def patch(self, request: Request) -> Response:
        data = ProfileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.update_profile(user=request.user, **data.validated_data)
        return Response(represent(UserOutput, user))
