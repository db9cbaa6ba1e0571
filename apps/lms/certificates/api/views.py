"""Certificates: mine, public verification, the PDF, the signed Open Badge; and the platform's
public keys and revocation list (gigsy.credentials), at the URLs certificates gave them."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from django.http import FileResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions
from rest_framework import serializers as drf
from rest_framework.exceptions import NotAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.lms.certificates import selectors
from apps.lms.certificates.api import serializers as s
from apps.lms.certificates.links import pdf_filename
from apps.lms.certificates.open_badge import signed_open_badge
from apps.lms.errors import LmsError
from apps.lms.models import Certificate
from gigsy.api.pagination import paginated
from gigsy.api.renderers import TextOrJSONRenderer
from gigsy.api.representation import represent
from gigsy.api.responses import error_responses, response_header
from gigsy.api.schema import PAGE_PARAMETERS, page_of
from gigsy.credentials import issuer
from gigsy.errors import ConflictError, NotFoundError

# Verifiers and caches may reuse the revocation list this long: a revocation reaches them
# within five minutes.
REVOCATION_LIST_MAX_AGE = 300


def _user_id(request: Request) -> int:
    """The signed-in user's id (IsAuthenticated, the default, has already refused anonymous)."""
    if request.user.pk is None:
        raise NotAuthenticated()
    return int(request.user.pk)


def _mine(certificate_id: int, request: Request) -> Certificate:
    mine = selectors.certificates_of(user_id=_user_id(request))
    certificate = mine.filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFoundError("No such certificate.")
    return certificate


class MyCertificatesView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.CertificateOutput), **error_responses(401)},
        summary="My certificates, newest first",
    )
    def get(self, request: Request) -> Response:
        certificates = selectors.certificates_of(user_id=_user_id(request)).select_related("course")
        return paginated(request, self, certificates, s.CertificateOutput)


class VerifyCertificateView(APIView):
    """Public: anyone holding a code can check it, no login."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: s.VerificationOutput, **error_responses(404)},
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
                    # Revoked codes are public (the revocation list names them all): whose
                    # certificate it was is not (ADR 0019).
                    "learner_name": None if certificate.revoked_at else certificate.learner_name,
                    "course_title": certificate.course_title,
                    "issued_at": certificate.issued_at,
                    "revoked_at": certificate.revoked_at,
                    "issuer": s.issuer_of(certificate),
                },
            )
        )


class CertificatePdfView(APIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            **error_responses(401, 404, 409),
        },
        parameters=[
            response_header(
                "Content-Disposition",
                statuses=[200],
                description='`inline; filename="certificate-<verify_code>.pdf"`',
            )
        ],
        summary="Download my certificate as PDF",
        description="With a Bearer header. A browser link (`<a href>`) uses the certificate's "
        "`pdf_url` instead, which needs none. `409 revoked` for a revoked certificate, "
        "`409 pdf_not_ready` while it renders.",
    )
    def get(self, request: Request, certificate_id: int) -> FileResponse:
        certificate = _mine(certificate_id, request)
        if certificate.revoked_at is not None:
            raise ConflictError("This certificate was revoked.", code=LmsError.REVOKED)
        if not certificate.pdf:
            raise ConflictError(
                "The PDF is still being rendered; try again shortly.", code=LmsError.PDF_NOT_READY
            )
        return FileResponse(
            certificate.pdf.open("rb"),
            content_type="application/pdf",
            filename=pdf_filename(certificate.verify_code),
        )


class JwksView(APIView):
    """Public: the keys that sign the platform's credentials, for offline verification."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: s.JwksOutput},
        summary="Public keys that sign Open Badge credentials",
    )
    def get(self, request: Request) -> Response:
        return Response(issuer.jwks())


class OpenBadgeView(APIView):
    @extend_schema(
        responses={
            200: s.OpenBadgeOutput,
            **error_responses(401, 404, 409),
        },
        summary="My certificate as a signed Open Badges 3.0 credential",
        description="Only for a certificate the platform issued (its `issuer.kind` is "
        "`platform`): `409 issuer_not_verified` for one issued by an instructor the platform "
        "had not verified, `409 revoked` for a revoked one.",
    )
    def get(self, request: Request, certificate_id: int) -> Response:
        certificate = _mine(certificate_id, request)
        if certificate.revoked_at is not None:
            raise ConflictError("This certificate was revoked.", code=LmsError.REVOKED)
        signed = signed_open_badge(certificate)
        return Response(
            {"credential": signed.credential, "jwt": signed.jwt, "jwks_url": issuer.jwks_url()}
        )


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
    """Public: the platform's revoked credentials (every source registered with
    gigsy.credentials.registry, certificates among them) as a 1EdTech Revocation List (OB 3.0
    `credentialStatus`).

    JSON by default; `Accept: application/jwt` (or `?format=jwt`) returns the same list signed
    with the platform's key (claims `iss`, `iat`, `exp`), verifiable with the JWKS, so a copy
    held by a cache or a verifier can be trusted until its `exp`.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    renderer_classes = [
        *cast(list[type[BaseRenderer]], api_settings.DEFAULT_RENDERER_CLASSES),
        JwtRenderer,
    ]

    @extend_schema(
        responses={
            (200, "application/json"): _REVOCATION_LIST,
            (200, "application/jwt"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="The same list as a compact JWS signed with a key of the JWKS.",
            ),
            304: OpenApiResponse(description="Not modified (If-None-Match, JSON only)"),
        },
        parameters=[
            response_header(
                "ETag",
                statuses=[200, 304],
                required=False,
                description="The JSON list's version, for If-None-Match (not sent with the JWT)",
            )
        ],
        summary="Revoked credentials, as a 1EdTech Revocation List (public)",
    )
    def get(self, request: Request) -> Any:
        document = issuer.platform_revocation_list()
        response = Response()
        patch_cache_control(response, public=True, max_age=REVOCATION_LIST_MAX_AGE)
        patch_vary_headers(response, ["Accept"])
        if request.accepted_renderer.format == JwtRenderer.format:
            # Signed per request (its iat/exp move), so no ETag: a 304 would keep a stale exp.
            response.data = issuer.sign_with_platform_key(document)
            return response
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        etag = f'"{hashlib.sha256(canonical).hexdigest()[:32]}"'
        response["ETag"] = etag
        conditional = get_conditional_response(request, etag=etag, response=response)
        if conditional is not response:
            return conditional  # 304, with the ETag and cache headers
        response.data = document
        return response
