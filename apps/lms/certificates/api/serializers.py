"""Output shapes of the certificates API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.lms.certificates.links import pdf_link
from gigsy.credentials import issuer as platform


class IssuerOutput(serializers.Serializer):
    """Who issued the certificate, decided when it was issued (docs/decisions/0011)."""

    kind = serializers.ChoiceField(
        choices=["platform", "instructor"],
        help_text="`platform`: the course's creator was an instructor the platform had verified, "
        "and the platform signs its Open Badge. `instructor`: issued by the course's creator "
        "on the platform, not vouched for by it; there is no platform-signed badge "
        "(`409 issuer_not_verified`).",
    )
    name = serializers.CharField(
        help_text="The platform's name, or the instructor's display name when it was issued."
    )


def issuer_of(certificate: Any) -> dict[str, str]:
    if certificate.issued_by_platform:
        return {"kind": "platform", "name": platform.issuer_name()}
    return {"kind": "instructor", "name": certificate.creator_name}


class CertificateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField(source="course.slug")
    course_title = serializers.CharField()
    learner_name = serializers.CharField()
    verify_code = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    issuer = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(IssuerOutput)
    def get_issuer(self, certificate: Any) -> dict[str, str]:
        return issuer_of(certificate)

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text="Absolute link to the PDF, valid for minutes (FILE_LINK_SECONDS), opening "
            "without an Authorization header; null while it renders and once revoked.",
        )
    )
    def get_pdf_url(self, certificate: Any) -> str | None:
        return pdf_link(certificate)


class VerificationOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "revoked"])
    learner_name = serializers.CharField(
        allow_null=True, help_text="null once revoked: a revoked certificate names nobody."
    )
    course_title = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    issuer = IssuerOutput()


class JwksOutput(serializers.Serializer):
    """A JSON Web Key Set (RFC 7517): the public keys, by `kid`."""

    keys = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        help_text="JWKs (kty, crv, x, kid, alg, use, ...)",
    )


class OpenBadgeOutput(serializers.Serializer):
    credential = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The Open Badges 3.0 credential (a JSON-LD OpenBadgeCredential)",
    )
    jwt = serializers.CharField(help_text="The same credential as a compact JWS (VC-JWT)")
    jwks_url = serializers.URLField(help_text="Where the keys that verify `jwt` are published")
