"""Leaving and taking one's data: data exports (POST/GET /auth/export) and the body of
DELETE /auth/me (docs/decisions/0022)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.api.throttling import DataExportThrottle
from apps.accounts.models import DataExport, DataExportStatus, User
from gigsy.api.inputs import StrictInput
from gigsy.api.pagination import paginated
from gigsy.api.representation import represent
from gigsy.api.responses import error_responses
from gigsy.api.schema import PAGE_PARAMETERS, page_of


class DeleteAccountInput(StrictInput):
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, help_text="The account's current password."
    )


class DataExportOutput(serializers.Serializer):
    """One data export: a zip archive of what every part of Gigsy holds about me."""

    id = serializers.UUIDField(read_only=True)
    status = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it became ready (or failed)."
    )
    expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Until when the archive can be downloaded (DATA_EXPORT_LINK_HOURS after it "
        "is ready); then it is deleted.",
    )
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ChoiceField(
            choices=DataExportStatus.choices,
            help_text="`pending` while it is prepared (an email with its link follows), `ready` "
            "to download until `expires_at`, `failed` (ask again), `expired` (deleted).",
        )
    )
    def get_status(self, export: DataExport) -> str:
        return selectors.export_status(export)

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text="Absolute link to the zip archive for `<a href>` (no Authorization "
            "header), working until `expires_at`; null unless `ready`.",
        )
    )
    def get_download_url(self, export: DataExport) -> str | None:
        return selectors.export_download_link(export)


def _signed_in(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # IsAuthenticated lets only a signed-in user in
        raise NotAuthenticated()
    return user


class DataExportView(APIView):
    def get_throttles(self) -> list[BaseThrottle]:
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(DataExportThrottle())
        return throttles

    @extend_schema(
        request=None,
        responses={202: DataExportOutput, **error_responses(401, 409, 429)},
        summary="Ask for a copy of my data: a zip archive of what every part of Gigsy holds "
        "about me, built in the background and linked from an email (one at a time; "
        "THROTTLE_DATA_EXPORT)",
    )
    def post(self, request: Request) -> Response:
        export = services.request_data_export(user=_signed_in(request))
        return Response(represent(DataExportOutput, export), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(DataExportOutput), **error_responses(400, 401, 404)},
        summary="My data exports, newest first, each with a download link while it is ready",
    )
    def get(self, request: Request) -> Response:
        exports = selectors.data_exports(user_id=_signed_in(request).pk)
        return paginated(request, self, exports, DataExportOutput)
