"""A test URLconf: the real routes plus two views that use CSRF protection, under /api/."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gigsy.api.responses import error_responses
from gigsy.urls import urlpatterns as real_urlpatterns


def plain_view(request: HttpRequest) -> JsonResponse:
    """A plain Django view (not exempt): the CSRF middleware guards its POSTs."""
    return JsonResponse({"ok": True})


class SessionView(APIView):
    """A DRF view authenticated by the session cookie: DRF enforces CSRF itself."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: None, **error_responses(403)})
    def post(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/test-plain", plain_view),
    path("api/v1/test-session", SessionView.as_view()),
    path("test-plain", plain_view),
    *real_urlpatterns,
]
