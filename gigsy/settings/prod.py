"""Production: refuses to start without real secrets; passes `manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured
from jwt import PyJWK, PyJWTError

from gigsy.observability.logging import configure_logging

from .base import *  # noqa: F403
from .base import (
    CERTIFICATE_KEY_ID,
    CERTIFICATE_RETIRED_JWKS,
    EMAIL_BACKEND,
    EMAIL_URL,
    LOG_LEVEL,
    SECRET_KEY,
    SIMPLE_JWT,
    env,
)

DJANGO_ENV = "prod"
DEBUG = False

_WEAK_KEY_MARKERS = ("django-insecure", "change-me", "changeme", "test-only")


def _is_weak(key: str) -> bool:
    return len(key) < 50 or len(set(key)) < 5 or any(m in key for m in _WEAK_KEY_MARKERS)


_HOW = '(generate one: python -c "import secrets; print(secrets.token_urlsafe(64))")'
if _is_weak(SECRET_KEY):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be set to a random value of at least 50 characters in production {_HOW}."
    )
if env.str("JWT_SIGNING_KEY", default="") and _is_weak(SIMPLE_JWT["SIGNING_KEY"]):
    raise ImproperlyConfigured(f"JWT_SIGNING_KEY is too weak for production {_HOW}.")
SIMPLE_JWT["SIGNING_KEY"] = SIMPLE_JWT["SIGNING_KEY"] or SECRET_KEY


def _is_private_key(pem: str) -> bool:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(pem.replace("\\n", "\n").encode(), password=None)
    except (ValueError, TypeError):
        return False
    return True


# Every replica must sign certificates with the same published key.
if not _is_private_key(env.str("CERTIFICATE_SIGNING_KEY", default="")):
    raise ImproperlyConfigured(
        "CERTIFICATE_SIGNING_KEY must hold the PEM private key certificates are signed with "
        "(generate: openssl genpkey -algorithm ed25519)."
    )

# Mail must reach people: unset, base.py writes it to files inside the container and nobody
# gets a reset or verification link. consolemail:// and filemail:// are accepted when set on
# purpose (a staging box), and every process then logs a warning at start (gigsy/mail/apps.py);
# memorymail:// is refused (messages would vanish with the worker's memory).
if not EMAIL_URL:
    raise ImproperlyConfigured(
        "EMAIL_URL must be set in production: smtp+tls://user:password@smtp.example.com:587 "
        "(STARTTLS), smtp+ssl://...:465, or an API provider's SMTP relay; consolemail:// to "
        "print messages instead of sending them."
    )
if EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend":
    raise ImproperlyConfigured(
        "EMAIL_URL=memorymail:// keeps messages in a process's memory, where nobody reads "
        "them: set an SMTP URL (or consolemail:// to print them)."
    )

# Retired keys are published: a private member would leak a key, and a retired kid equal to the
# current one (usually a rotation that forgot to bump CERTIFICATE_KEY_ID) would make the JWKS
# ambiguous. Kids are compared by their last `#` fragment, the part CERTIFICATE_KEY_ID sets.
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
for _index, _jwk in enumerate(CERTIFICATE_RETIRED_JWKS):
    _where = f"CERTIFICATE_RETIRED_JWKS[{_index}] (kid {_jwk['kid']!r})"
    _private = [member for member in _PRIVATE_JWK_MEMBERS if member in _jwk]
    if _private:
        raise ImproperlyConfigured(
            f"{_where} contains private key material ({', '.join(_private)}); list only public "
            "JWKs (manage.py certificate_key public-jwk prints one)."
        )
    if _jwk["kid"].rsplit("#", 1)[-1] == CERTIFICATE_KEY_ID:
        raise ImproperlyConfigured(
            f"{_where} reuses the current CERTIFICATE_KEY_ID {CERTIFICATE_KEY_ID!r}; give the "
            "new signing key a new CERTIFICATE_KEY_ID."
        )
    _public: PyJWK | None
    try:
        _public = PyJWK(_jwk)
    except PyJWTError:
        _public = None
    if _public is None or _public.algorithm_name not in ("EdDSA", "RS256"):
        raise ImproperlyConfigured(f"{_where} is not an Ed25519 or RSA public JWK.")

# TLS terminates at nginx, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and scrapers talk plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

LOGGING = configure_logging(level=LOG_LEVEL, fmt=env.str("LOG_FORMAT", default="json"))
