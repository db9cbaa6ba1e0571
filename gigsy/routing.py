"""WebSocket routes: the kernel's health route, then each context's `routing.py`
(`websocket_urlpatterns`, discovered by gigsy/contexts.py)."""

from django.urls import path

from gigsy.contexts import websocket_urlpatterns as context_websocket_urlpatterns
from gigsy.ws import HealthConsumer

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
    *context_websocket_urlpatterns(),
]
