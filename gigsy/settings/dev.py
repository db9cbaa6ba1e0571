"""Local development: this machine's services, readable console logs, debug on."""

from gigsy.observability.logging import configure_logging

from .base import *  # noqa: F403
from .base import LOG_LEVEL, SECRET_KEY, SIMPLE_JWT, env

DJANGO_ENV = "dev"
DEBUG = env.bool("DEBUG", default=True)
# A fixed, obviously-insecure key keeps dev tokens valid across restarts; prod refuses it.
SECRET_KEY = SECRET_KEY or "django-insecure-dev-only-key-never-use-in-production-0123456789"
SIMPLE_JWT["SIGNING_KEY"] = SIMPLE_JWT["SIGNING_KEY"] or SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

LOGGING = configure_logging(level=LOG_LEVEL, fmt=env.str("LOG_FORMAT", default="console"))
# Serve static files straight from the apps in development (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
