from django.urls import path

from gigsy.ws import HealthConsumer

websocket_urlpatterns = [
    path("ws/throwaway/echo", HealthConsumer.as_asgi()),
]
