"""Shapes of co-instructor invitations (ADR 0019)."""

from __future__ import annotations

from rest_framework import serializers

from apps.lms.models import InvitationStatus


class InvitationSentOutput(serializers.Serializer):
    """The same answer whoever the address belongs to: no id, no name before they accept."""

    email = serializers.EmailField(help_text="The invited address, lower-cased.")
    detail = serializers.CharField()


class InvitedCourseOutput(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()


class InvitationOutput(serializers.Serializer):
    """An invitation addressed to me (the invitee)."""

    id = serializers.IntegerField()
    course = InvitedCourseOutput()
    invited_by = serializers.CharField(
        source="invited_by_name", help_text="The inviter's display name when they invited."
    )
    status = serializers.ChoiceField(choices=InvitationStatus.choices)
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
