"""Input and output shapes of the auth API (the frontend is written against these)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenObtainSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from apps.accounts import services
from apps.accounts.models import Role, User
from gigsy.api.inputs import StrictInput


class RegisterInput(StrictInput):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    display_name = serializers.CharField(max_length=80)
    # The starting role; more are added later (POST /auth/roles).
    role = serializers.ChoiceField(choices=Role.choices)
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")


class RoleInput(StrictInput):
    role = serializers.ChoiceField(choices=Role.choices)


class ProfileUpdateInput(StrictInput):
    display_name = serializers.CharField(max_length=80, required=False)
    timezone = serializers.CharField(max_length=64, required=False)


class UserOutput(serializers.Serializer):
    # A plain Serializer: ModelSerializer re-inspects the model on every request (~80 us).
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    email_verified = serializers.SerializerMethodField(
        help_text="Whether the owner opened the link emailed to `email`. Unverified accounts "
        "can browse and learn but not post a gig, apply, fund or be paid."
    )
    pending_email = serializers.CharField(
        read_only=True,
        help_text="An address asked for (POST /auth/email/change) and not yet confirmed from "
        "its link; empty if none.",
    )
    display_name = serializers.CharField(read_only=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        read_only=True,
        help_text="The roles held, sorted.",
    )
    requested_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        read_only=True,
        help_text="Roles asked for that wait for an operator's approval (not held yet).",
    )
    timezone = serializers.CharField(read_only=True)
    is_staff = serializers.BooleanField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)

    def get_email_verified(self, user: User) -> bool:
        return user.email_verified_at is not None


class LoginInput(serializers.Serializer):
    """The body of POST /auth/token (read by simplejwt's serializer; documented here)."""

    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)


class LoginSerializer(TokenObtainPairSerializer):
    """simplejwt's login (authentication, last login) with the pair minted by accounts: a new
    session, sub-second issue times (services.start_session)."""

    @classmethod
    def get_token(cls, user: Any) -> Any:
        assert isinstance(user, User)
        return services.start_session(user=user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        # simplejwt's, with the session labelled from the request (device and network).
        data: dict[str, str] = TokenObtainSerializer.validate(self, attrs)
        assert isinstance(self.user, User)
        request = self.context.get("request")
        refresh = services.start_session(
            user=self.user,
            user_agent=request.META.get("HTTP_USER_AGENT", "") if request else "",
            ip=BaseThrottle().get_ident(request) if request else None,
        )
        data["refresh"] = str(refresh)
        data["access"] = str(refresh.access_token)
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(User, self.user)
        return data


@extend_schema_serializer(component_name="TokenRefresh")  # the name simplejwt's had
class RefreshInput(StrictInput):
    refresh = serializers.CharField()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LogoutInput(StrictInput):
    refresh = serializers.CharField()
    everywhere = serializers.BooleanField(required=False, default=False)


class PasswordChangeInput(StrictInput):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class SessionOutput(serializers.Serializer):
    """One of my sessions: a sign-in and the refresh tokens rotated from it."""

    id = serializers.UUIDField(read_only=True)
    device_label = serializers.CharField(
        read_only=True, help_text='From the sign-in\'s User-Agent, e.g. "Firefox on Linux".'
    )
    network = serializers.CharField(
        read_only=True,
        help_text='The network the sign-in came from (IPv4 /24, IPv6 /48), e.g. "203.0.113.0/24"; '
        "empty when unknown. The full address is not kept.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(
        read_only=True, help_text="The sign-in or the session's last token refresh."
    )
    current = serializers.BooleanField(
        read_only=True, help_text="Whether this is the session of the token making the request."
    )
