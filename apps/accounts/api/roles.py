"""A user's roles (docs/decisions/0020): add one (learner and client at once, instructor and
mentor on an operator's approval) or give one up. The answer is the account, as /auth/me."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.api.serializers import RoleInput, UserOutput
from apps.accounts.api.views import _signed_in
from apps.accounts.models import Role
from gigsy.api.inputs import parse
from gigsy.api.representation import represent
from gigsy.api.responses import error_responses


class RoleListView(APIView):
    @extend_schema(
        request=RoleInput,
        responses={200: UserOutput, **error_responses(400, 401)},
        summary="Add a role: learner and client are held at once; instructor and mentor are "
        "requested (`requested_roles`) until an operator approves",
    )
    def post(self, request: Request) -> Response:
        user = services.add_role(user=_signed_in(request), **parse(RoleInput, request))
        return Response(represent(UserOutput, user))


class RoleDetailView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "role", str, OpenApiParameter.PATH, enum=Role.values, description="A role."
            )
        ],
        responses={200: UserOutput, **error_responses(401, 404, 409)},
        summary="Give up a role, or withdraw a request for one (an account keeps one role)",
    )
    def delete(self, request: Request, role: str) -> Response:
        user = services.remove_role(user=_signed_in(request), role=role)
        return Response(represent(UserOutput, user))
