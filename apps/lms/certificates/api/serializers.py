"""Output shapes of the certificates API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class CertificateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField(source="course.slug")
    course_title = serializers.CharField()
    learner_name = serializers.CharField()
    verify_code = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    pdf_url = serializers.SerializerMethodField()

    def get_pdf_url(self, certificate: Any) -> str | None:
        return certificate.pdf.url if certificate.pdf else None


class VerificationOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "revoked"])
    learner_name = serializers.CharField()
    course_title = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
