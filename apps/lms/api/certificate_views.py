"""Certificates: mine, public verification, the PDF, the signed Open Badge, the public key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.lms import selectors, signing
from apps.lms.api import serializers as s
from apps.lms.credentials import build_open_badge, sign_credential
from apps.lms.facts import facts_of
from apps.lms.links import course_url, jwks_url, verify_url
from apps.lms.models import Certificate
from gigsy.api.errors import ConflictError, NotFoundError
from gigsy.api.representation import represent

_ERROR = OpenApiResponse(description="Error envelope: {error: {code, message, fields?}}")


def _mine(certificate_id: int, user: Any) -> Certificate:
    certificate = selectors.certificates_of(user=user).filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFoundError("No such certificate.")
    return certificate


class MyCertificatesView(APIView):
    @extend_schema(responses={200: s.CertificateOutput(many=True)}, summary="My certificates")
    def get(self, request: Request) -> Response:
        certificates = selectors.certificates_of(user=request.user).select_related("course")
        return Response([represent(s.CertificateOutput, c) for c in certificates])


class VerifyCertificateView(APIView):
    """Public: anyone holding a code can check it, no login."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: s.VerificationOutput, 404: _ERROR},
        summary="Verify a certificate by its code (public)",
    )
    def get(self, request: Request, code: str) -> Response:
        certificate = selectors.certificate_by_code(code=code.strip().upper())
        if certificate is None:
            raise NotFoundError("No certificate has this code.")
        return Response(
            represent(
                s.VerificationOutput,
                {
                    "status": "revoked" if certificate.revoked_at else "valid",
                    "learner_name": certificate.learner_name,
                    "course_title": certificate.course_title,
                    "issued_at": certificate.issued_at,
                    "revoked_at": certificate.revoked_at,
                },
            )
        )


class CertificatePdfView(APIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(description="PDF"),
            404: _ERROR,
            409: _ERROR,
        },
        summary="Download my certificate as PDF",
    )
    def get(self, request: Request, certificate_id: int) -> FileResponse:
        certificate = _mine(certificate_id, request.user)
        if not certificate.pdf:
            raise ConflictError(
                "The PDF is still being rendered; try again shortly.", code="pdf_not_ready"
            )
        return FileResponse(
            certificate.pdf.open("rb"),
            content_type="application/pdf",
            filename=f"certificate-{certificate.verify_code}.pdf",
        )


class JwksView(APIView):
    """Public: the key that signs certificates, for offline verification."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: OpenApiResponse(description="JWKS")},
        summary="Public keys that sign Open Badge credentials",
    )
    def get(self, request: Request) -> Response:
        return Response(signing.jwks())


class OpenBadgeView(APIView):
    @extend_schema(
        responses={200: OpenApiResponse(description="{credential, jwt}"), 404: _ERROR, 409: _ERROR},
        summary="My certificate as a signed Open Badges 3.0 credential",
    )
    def get(self, request: Request, certificate_id: int) -> Response:
        certificate = _mine(certificate_id, request.user)
        if certificate.revoked_at is not None:
            raise ConflictError("This certificate was revoked.", code="revoked")
        credential = build_open_badge(
            facts_of(certificate),
            issuer_url=settings.PUBLIC_API_URL,
            issuer_name=settings.CERTIFICATE_ISSUER_NAME,
            verify_url=verify_url(certificate.verify_code),
            achievement_id=course_url(certificate.course.slug),
        )
        token = sign_credential(credential, signing.signing_key(), signing.key_id())
        return Response({"credential": credential, "jwt": token, "jwks_url": jwks_url()})
