"""Tests: the real services on this machine, a separate Redis database, fast password hashing."""

from gigsy.observability.logging import configure_logging

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, REST_FRAMEWORK, SIMPLE_JWT, env

DJANGO_ENV = "test"
DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-any-deployment-abcdefghijklmnopqrstuvwxyz"
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Keep test keys out of the dev database's Redis keyspace.
REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "gigsy-test"
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [REDIS_URL]
CELERY_BROKER_URL = REDIS_URL

# Sent mail lands in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Generous defaults so ordinary tests never trip a throttle; throttle tests set their own.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "anon": "10000/min",
    "user": "10000/min",
    "login_ip": "10000/min",
    "login_account": "10000/min",
    "register": "10000/min",
}

LOGGING = configure_logging(level="DEBUG", fmt="json")
# Static files are found in the apps; no collectstatic run is needed for tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Each events test gets its own stream and subject prefix (tests/events/conftest.py); these
# make retries and redeliveries fast enough to observe.
EVENTS_STREAM = env.str("EVENTS_STREAM", default="GIGSY_TEST")
EVENTS_SUBJECT_PREFIX = env.str("EVENTS_SUBJECT_PREFIX", default="gigsytest")
EVENTS_MAX_DELIVERIES = 3
EVENTS_RETRY_BASE_SECONDS = 0.05
EVENTS_ACK_WAIT_SECONDS = 1.0
EVENTS_RELAY_MAX_BACKOFF_SECONDS = 0.5
