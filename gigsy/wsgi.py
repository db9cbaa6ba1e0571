"""WSGI entry point: all HTTP in production runs here under gunicorn gthread workers
(see docs/architecture.md#processes for why HTTP does not go through ASGI)."""

from django.core.wsgi import get_wsgi_application

from gigsy.settings import select

select()
application = get_wsgi_application()
