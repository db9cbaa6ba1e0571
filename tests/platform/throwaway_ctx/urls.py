from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path


def greeting(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"greeting": settings.THROWAWAY_GREETING})


urlpatterns = [
    path("throwaway/greeting", greeting),
]
