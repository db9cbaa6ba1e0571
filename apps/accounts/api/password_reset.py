"""Password reset: request a link by email, then set a new password with its token.

The request answers 202 with the same body whether or not an account has the address (no
enumeration), and spends the login's per-address and per-account budgets."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.api.throttling import LoginAccountThrottle, LoginIPThrottle
from gigsy.api.inputs import StrictInput, parse
from gigsy.api.responses import error_responses

ACCEPTED = {
    "detail": "If an account uses this address, a link to reset its password is on its way."
}


class PasswordResetRequestInput(StrictInput):
    email = serializers.EmailField(max_length=254)


class PasswordResetRequestOutput(serializers.Serializer):
    detail = serializers.CharField(
        read_only=True, help_text="The same text whether or not an account has the address."
    )


class PasswordResetConfirmInput(StrictInput):
    token = serializers.CharField(
        max_length=200, help_text="The `token` query parameter of the emailed link."
    )
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetRequestView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [LoginIPThrottle, LoginAccountThrottle]

    @extend_schema(
        request=PasswordResetRequestInput,
        responses={202: PasswordResetRequestOutput, **error_responses(400, 429)},
        summary="Email me a link to reset my password (the same answer for any address)",
    )
    def post(self, request: Request) -> Response:
        services.request_password_reset(**parse(PasswordResetRequestInput, request))
        return Response(ACCEPTED, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [LoginIPThrottle]

    @extend_schema(
        request=PasswordResetConfirmInput,
        responses={204: None, **error_responses(400, 429)},
        summary="Set a new password with a reset link's token; every session ends",
    )
    def post(self, request: Request) -> Response:
        services.reset_password(**parse(PasswordResetConfirmInput, request))
        return Response(status=status.HTTP_204_NO_CONTENT)
