"""Certificates: mine, public verification, the PDF, the signed Open Badge, the public keys,
the revocation list."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.lms import certificate_selectors, selectors, signing
from apps.lms.api import serializers as s
from apps.lms.credentials import (
    RevokedCredential,
    build_open_badge,
    revocation_list,
    sign_credential,
    sign_revocation_list,
)
from apps.lms.facts import facts_of
from apps.lms.links import course_url, jwks_url, revocations_url, verify_url
from apps.lms.models import Certificate
from gigsy.api.errors import ConflictError, NotFoundError
from gigsy.api.renderers import TextOrJSONRenderer
from gigsy.api.representation import represent

_ERROR = OpenApiResponse(description="Error envelope: {error: {code, message, fields?}}")
# Verifiers and caches may reuse the revocation list this long: a revocation reaches them
# within five minutes.
REVOCATION_LIST_MAX_AGE = 300


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
            revocation_list_url=revocations_url(),
        )
        token = sign_credential(credential, signing.signing_key(), signing.key_id())
        return Response({"credential": credential, "jwt": token, "jwks_url": jwks_url()})


class JwtRenderer(TextOrJSONRenderer):
    """`application/jwt` (or `?format=jwt`): the body is a compact JWS."""

    media_type = "application/jwt"
    format = "jwt"
    charset = None


_REVOCATION_LIST = inline_serializer(
    name="RevocationList",
    fields={
        "id": drf.URLField(help_text="This list's URL (the badges' credentialStatus.id)."),
        "issuer": drf.URLField(),
        "revokedCredentials": inline_serializer(
            name="RevokedCredential",
            fields={
                "id": drf.URLField(help_text="The credential's id: its verify URL."),
                "revoked": drf.BooleanField(),
                "revokedAt": drf.DateTimeField(),
            },
            many=True,
        ),
    },
)


class RevocationListView(APIView):
    """Public: the revoked certificates as a 1EdTech Revocation List (OB 3.0 `credentialStatus`).

    JSON by default; `Accept: application/jwt` (or `?format=jwt`) returns the same list signed
    with the certificate key (claims `iss`, `iat`, `exp`), verifiable with the JWKS, so a copy
    held by a cache or a verifier can be trusted until its `exp`.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, JwtRenderer]

    @extend_schema(
        responses={
            (200, "application/json"): _REVOCATION_LIST,
            (200, "application/jwt"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="The same list as a compact JWS signed with a key of the JWKS.",
            ),
            304: OpenApiResponse(description="Not modified (If-None-Match, JSON only)"),
        },
        summary="Revoked certificates, as a 1EdTech Revocation List (public)",
    )
    def get(self, request: Request) -> Any:
        document = revocation_list(
            list_url=revocations_url(),
            issuer_url=settings.PUBLIC_API_URL,
            revoked=[
                RevokedCredential(credential_id=verify_url(code), revoked_at=revoked_at)
                for code, revoked_at in certificate_selectors.revoked_certificates()
            ],
        )
        response = Response()
        patch_cache_control(response, public=True, max_age=REVOCATION_LIST_MAX_AGE)
        patch_vary_headers(response, ["Accept"])
        if request.accepted_renderer.format == JwtRenderer.format:
            # Signed per request (its iat/exp move), so no ETag: a 304 would keep a stale exp.
            response.data = sign_revocation_list(document, signing.signing_key(), signing.key_id())
            return response
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        etag = f'"{hashlib.sha256(canonical).hexdigest()[:32]}"'
        response["ETag"] = etag
        conditional = get_conditional_response(request, etag=etag, response=response)
        if conditional is not response:
            return conditional  # 304, with the ETag and cache headers
        response.data = document
        return response
