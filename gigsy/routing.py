"""WebSocket routes. Contexts add theirs through `gigsy.ws` registrations in later issues."""

from django.urls import path

from gigsy.ws import HealthConsumer

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
]
