"""Settings shared by every environment. Everything that varies comes from the environment.

`DJANGO_ENV` (dev, test, prod) selects `gigsy.settings.<env>`, which imports this module and
adjusts it; see `gigsy/settings/__init__.py`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env is a convenience for developers; production injects real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="dev")
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:3000"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=CORS_ALLOWED_ORIGINS)
# Response headers browser code may read on a cross-origin response (docs/decisions/0005).
CORS_EXPOSE_HEADERS = [
    "X-Request-ID",
    "Retry-After",
    "Content-Disposition",
    "ETag",
    "Location",
    "Idempotent-Replayed",
]
# Request headers browser code may send cross-origin: django-cors-headers' own, and the key of
# money-moving POSTs (gigsy/idempotency), without which the preflight refuses them.
CORS_ALLOW_HEADERS = (*cors_default_headers, "idempotency-key")
# A CSRF refusal under /api/ answers the JSON envelope; the admin keeps Django's page.
CSRF_FAILURE_VIEW = "gigsy.api.errors.csrf_failure"

# --- backing services (docs/architecture.md#backing-services) -------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/gigsy")
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
NATS_URL = env.str("NATS_URL", default="nats://127.0.0.1:4222")
MONGODB_URL = env.str("MONGODB_URL", default="mongodb://127.0.0.1:27017/gigsy")
# Unset means the local stand-ins: Qdrant local mode on disk, PostgreSQL full-text search.
QDRANT_URL = env.str("QDRANT_URL", default="")
QDRANT_LOCAL_PATH = env.path("QDRANT_LOCAL_PATH", default=VAR_DIR / "qdrant")
MEILISEARCH_URL = env.str("MEILISEARCH_URL", default="")
MEILISEARCH_API_KEY = env.str("MEILISEARCH_API_KEY", default="")

DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"].update(
    # Our backend lists schema-qualified tables so flushes and introspection see every context.
    ENGINE="gigsy.db.postgresql",
    CONN_MAX_AGE=env.int("DB_CONN_MAX_AGE", default=60),
    CONN_HEALTH_CHECKS=True,
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "gigsy",
        "TIMEOUT": 300,
    }
}

# --- email (gigsy/mail) ----------------------------------------------------------------------
# EMAIL_URL (django-environ): smtp://user:pass@host:587, smtp+tls://... (STARTTLS), smtp+ssl://,
# consolemail:// (print), filemail:///var/mail (.eml files, a path relative to the project;
# filemail:////abs/path for an absolute one), memorymail:// (in-memory). Unset: var/mail/.
EMAIL_URL = env.str("EMAIL_URL", default="")
_email: dict[str, Any] = (
    env.email_url_config(EMAIL_URL)
    if EMAIL_URL
    else {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}
)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = str(BASE_DIR / (_email.get("EMAIL_FILE_PATH") or "var/mail"))
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Gigsy <no-reply@gigsy.localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# The web app's address: links in emails point there (e.g. /reset-password?token=...).
PUBLIC_APP_URL = env.str("PUBLIC_APP_URL", default="http://localhost:3000").rstrip("/")
# How long a password reset link works (Django's PasswordResetTokenGenerator reads it).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)

# --- applications ----------------------------------------------------------------------------
# Django, third-party packages and the kernel. Every other INSTALLED_APPS entry is a bounded
# context: the kernel discovers its URLs, settings, beat entries, WebSocket routes and seed
# commands from its package (gigsy/contexts.py). A new third-party app goes here.
PLATFORM_APPS = [
    # First, so contexts' settings defaults are merged before any other app's ready() (the
    # admin's autodiscovery imports every context's admin module).
    "gigsy.apps.GigsyConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "gigsy.events",
    "gigsy.mail",
    "gigsy.idempotency",
]
INSTALLED_APPS = [
    *PLATFORM_APPS,
    "apps.accounts",
    "apps.careers",
    "apps.lms",
    "apps.gigs",
    "apps.gamification",
    "apps.chat",
    "apps.search",
]

MIDDLEWARE = [
    "gigsy.observability.middleware.RequestContextMiddleware",
    "gigsy.api.middleware.MaxBodySizeMiddleware",
    "gigsy.api.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gigsy.urls"
WSGI_APPLICATION = "gigsy.wsgi.application"
ASGI_APPLICATION = "gigsy.asgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Argon2id with costs for this machine (apps/accounts/rules.py); PBKDF2 stays so hashes made
# before issue 10 still verify, and are rehashed with Argon2id at the next successful login.
PASSWORD_HASHERS = [
    "apps.accounts.rules.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Every file URL in a response is an absolute link that works without a Bearer header and
# expires after this many seconds: the bucket's presigned URL with S3, else a link to the signed
# view of gigsy/files (docs/decisions/0017-file-links.md). /media/ itself is never served.
FILE_LINK_SECONDS = env.int("FILE_LINK_SECONDS", default=300)
# Object storage for uploads (lesson media, certificates, portfolio files) when a bucket is set:
# any S3-compatible service (AWS, MinIO, R2) through django-storages.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": None,
            "querystring_auth": True,  # private files, served through signed URLs
            "querystring_expire": FILE_LINK_SECONDS,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }

# Bodies larger than this are answered 413 before any view reads them (gigsy.api.middleware);
# file uploads (multipart) have their own, larger limit.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["gigsy.api.authentication.CachedJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["gigsy.api.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "gigsy.api.negotiation.ContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "gigsy.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "gigsy.api.throttling.AnonRateThrottle",
        "gigsy.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        # Contexts add their own scopes (apps/<ctx>/settings.py).
    },
    "DEFAULT_SCHEMA_CLASS": "gigsy.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "gigsy.api.errors.exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
}
# Behind nginx the client address is the first hop of X-Forwarded-For (throttles key on it).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES

SPECTACULAR_SETTINGS = {
    "TITLE": "Gigsy API",
    "DESCRIPTION": "Learn, prove skills, get matched to paid gigs, get paid through escrow.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Contexts name their own choice sets here (ENUM_NAME_OVERRIDES in apps/<ctx>/settings.py).
    # The error envelope's code: every code of the kernel and the contexts (gigsy/errors.py).
    "ENUM_NAME_OVERRIDES": {"ErrorCodeEnum": "gigsy.api.schema.error_code_choices"},
    # The error responses the kernel's machinery can answer, added to every operation they apply
    # to (400, 401, 404 past a list's last page, 406, 411, 413, 415, 429).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gigsy.api.schema.add_kernel_error_responses",
    ],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
}
# How long an authenticated user stays cached in Redis between explicit invalidations.
AUTH_USER_CACHE_SECONDS = env.int("AUTH_USER_CACHE_SECONDS", default=300)
# ...and in each worker's memory: how long another worker's change may take to be seen here.
AUTH_USER_LOCAL_SECONDS = env.float("AUTH_USER_LOCAL_SECONDS", default=2.0)

# Where the public reaches this API (printed on certificates and credentials).
PUBLIC_API_URL = env.str("PUBLIC_API_URL", default="http://127.0.0.1:8000")

# Certificates are Open Badges 3.0 credentials signed with this Ed25519 (or RSA) private key
# (PEM; "\n" escapes allowed). Unset in development: a key is generated under var/keys/.
CERTIFICATE_SIGNING_KEY = env.str("CERTIFICATE_SIGNING_KEY", default="")
CERTIFICATE_KEY_ID = env.str("CERTIFICATE_KEY_ID", default="certificates-1")


def _retired_jwks(raw: str) -> list[dict]:
    """CERTIFICATE_RETIRED_JWKS: a JSON list of JWK objects with distinct string kids."""
    if not raw.strip():
        return []
    try:
        keys = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CERTIFICATE_RETIRED_JWKS is not valid JSON: {exc}") from None
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise ImproperlyConfigured("CERTIFICATE_RETIRED_JWKS must be a JSON list of JWK objects.")
    kids = [k.get("kid") for k in keys]
    if not all(isinstance(kid, str) and kid for kid in kids) or len(set(kids)) != len(kids):
        raise ImproperlyConfigured(
            "Every JWK in CERTIFICATE_RETIRED_JWKS needs its own non-empty string kid."
        )
    return keys


# Key rotation: the public JWKs of earlier signing keys, a JSON list, each under the exact `kid`
# its credentials carry (`manage.py certificate_key public-jwk` prints the current one). The
# JWKS endpoint keeps publishing them so credentials signed before a rotation still verify.
CERTIFICATE_RETIRED_JWKS = _retired_jwks(env.str("CERTIFICATE_RETIRED_JWKS", default=""))
CERTIFICATE_ISSUER_NAME = env.str("CERTIFICATE_ISSUER_NAME", default="Gigsy")
# TrueType fonts for certificate PDFs; the built-in Helvetica only covers Latin-1 names.
CERTIFICATE_PDF_FONT = env.str("CERTIFICATE_PDF_FONT", default="")
CERTIFICATE_PDF_FONT_BOLD = env.str("CERTIFICATE_PDF_FONT_BOLD", default="")

# --- real-time ---------------------------------------------------------------------------------
CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
    "default": {
        # Measured ~5x faster group delivery than RedisChannelLayer here
        # (docs/architecture.md#backing-services).
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    }
}

# --- idempotency keys (gigsy/idempotency, docs/decisions/0030) -----------------------------------
# A key is remembered this long after its first request: a retry within it gets the first
# answer, after it the key is free again (Stripe keeps keys 24 hours).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
# A request still in progress after this long whose transaction is gone (the process died) may
# be taken over by a retry; a live one holds its record locked and is never taken over.
IDEMPOTENCY_STALE_SECONDS = env.int("IDEMPOTENCY_STALE_SECONDS", default=60)
# How often beat deletes expired keys.
IDEMPOTENCY_SWEEP_SECONDS = env.float("IDEMPOTENCY_SWEEP_SECONDS", default=3600.0)

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis broker: a task a killed worker had taken is handed out again after this long (kombu's
# default is an hour). Longer than any task runs or waits (retry countdowns): our tasks are
# idempotent, so a slow task delivered twice is harmless, a lost one is not.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=900)
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Contexts declare their periodic work in apps/<ctx>/settings.py (gigsy/contexts.py adds it);
# the kernel's own is here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Deletes idempotency keys older than IDEMPOTENCY_KEY_HOURS (gigsy/idempotency).
    "idempotency.sweep": {
        "task": "idempotency.sweep",
        "schedule": IDEMPOTENCY_SWEEP_SECONDS,
        "options": {"expires": IDEMPOTENCY_SWEEP_SECONDS},
    },
}
# Keep our structlog handlers: task log lines carry the same context as request lines.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- observability -----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console")  # console | json
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=True)
# Seconds each /readyz probe may take before that dependency counts as down.
READINESS_TIMEOUT = env.float("READINESS_TIMEOUT", default=1.5)

# --- events (gigsy/events, docs/architecture.md#events) ------------------------------------------
EVENTS_STREAM = env.str("EVENTS_STREAM", default="GIGSY")
EVENTS_SUBJECT_PREFIX = env.str("EVENTS_SUBJECT_PREFIX", default="gigsy")
# JetStream drops a repeated Nats-Msg-Id within this window. It must cover the relay's retry
# horizon (a send whose ack was lost is retried, after a crash possibly much later); the
# consumers' inbox catches anything older, so this is the first of two guards, not the only one.
EVENTS_DUPLICATE_WINDOW_SECONDS = env.int("EVENTS_DUPLICATE_WINDOW_SECONDS", default=6 * 3600)
EVENTS_STREAM_MAX_AGE_DAYS = env.int("EVENTS_STREAM_MAX_AGE_DAYS", default=7)
EVENTS_RELAY_BATCH = env.int("EVENTS_RELAY_BATCH", default=500)
EVENTS_RELAY_POLL_SECONDS = env.float("EVENTS_RELAY_POLL_SECONDS", default=1.0)
EVENTS_RELAY_MAX_BACKOFF_SECONDS = env.float("EVENTS_RELAY_MAX_BACKOFF_SECONDS", default=30.0)
EVENTS_OUTBOX_RETENTION_HOURS = env.int("EVENTS_OUTBOX_RETENTION_HOURS", default=72)
# A handler that fails this many deliveries is parked in the dead-letter table.
EVENTS_MAX_DELIVERIES = env.int("EVENTS_MAX_DELIVERIES", default=5)
EVENTS_ACK_WAIT_SECONDS = env.float("EVENTS_ACK_WAIT_SECONDS", default=30.0)
EVENTS_RETRY_BASE_SECONDS = env.float("EVENTS_RETRY_BASE_SECONDS", default=1.0)
