"""ASGI entry point: WebSockets under /ws/ through Channels (run by uvicorn).

In production nginx sends only /ws/ here and all other HTTP to gunicorn. With
`ASGI_SERVE_HTTP=1` (what `make run` sets) this process also answers plain HTTP so the
frontend sees one origin during development.
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

from gigsy.settings import select

select()
django_asgi_app = get_asgi_application()

# Imported after Django is set up: consumers may touch models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from gigsy.routing import websocket_urlpatterns  # noqa: E402


async def http_not_served_here(scope: dict, receive: Any, send: Any) -> None:
    """Production ASGI process: plain HTTP belongs to gunicorn (421 Misdirected Request)."""
    body = b'{"error": {"code": "misdirected_request", "message": "HTTP is served by gunicorn."}}'
    await send(
        {
            "type": "http.response.start",
            "status": 421,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


serve_http = os.environ.get("ASGI_SERVE_HTTP", "0") == "1"
application = ProtocolTypeRouter(
    {
        "http": django_asgi_app if serve_http else http_not_served_here,
        # Browsers connect from the frontend's origin (CORS_ALLOWED_ORIGINS) or our own host.
        "websocket": OriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
            [*settings.CORS_ALLOWED_ORIGINS, *settings.ALLOWED_HOSTS],
        ),
    }
)
