"""Email verification: the link a sign-up (or a resend) emails, and changing the address.

A changed address replaces the old one only when the link sent to it is opened; the old address
is told (docs/decisions/0021)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.api.throttling import (
    AccountPasswordThrottle,
    EmailVerificationThrottle,
    LoginIPThrottle,
)
from apps.accounts.models import User
from gigsy.api.inputs import StrictInput, parse
from gigsy.api.responses import error_responses


class EmailVerifyInput(StrictInput):
    token = serializers.CharField(
        max_length=400, help_text="The `token` query parameter of the emailed link."
    )


class EmailChangeInput(StrictInput):
    new_email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, help_text="The account's current password."
    )


class EmailSentOutput(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


def _signed_in(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # IsAuthenticated lets only a signed-in user in
        raise NotAuthenticated()
    return user


class EmailVerifyView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [LoginIPThrottle]

    @extend_schema(
        request=EmailVerifyInput,
        responses={204: None, **error_responses(400, 409, 429)},
        summary="Verify an email address with the emailed link's token (a pending new "
        "address then replaces the old one)",
    )
    def post(self, request: Request) -> Response:
        services.verify_email(**parse(EmailVerifyInput, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyResendView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [EmailVerificationThrottle]

    @extend_schema(
        request=None,
        responses={202: EmailSentOutput, **error_responses(401, 409, 429)},
        summary="Email me a new link to verify my address",
    )
    def post(self, request: Request) -> Response:
        user = _signed_in(request)
        services.send_email_verification(user=user)
        return Response(
            {"detail": "A verification link is on its way."}, status=status.HTTP_202_ACCEPTED
        )


class EmailChangeView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [AccountPasswordThrottle, EmailVerificationThrottle]

    @extend_schema(
        request=EmailChangeInput,
        responses={202: EmailSentOutput, **error_responses(400, 401, 409, 429)},
        summary="Change my email: a link goes to the new address (it replaces the old one "
        "once opened) and a notice to the old one",
    )
    def post(self, request: Request) -> Response:
        services.request_email_change(user=_signed_in(request), **parse(EmailChangeInput, request))
        return Response(
            {"detail": "A link to confirm the new address is on its way to it."},
            status=status.HTTP_202_ACCEPTED,
        )
