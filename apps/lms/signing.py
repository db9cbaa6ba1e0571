"""The certificate signing key, loaded once per process from settings (dev: a local file)."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings

from apps.lms.credentials import load_signing_key, public_jwks
from apps.lms.links import jwks_url


@functools.cache
def signing_key() -> Any:
    return load_signing_key(
        settings.CERTIFICATE_SIGNING_KEY or None,
        fallback_path=settings.VAR_DIR / "keys" / "certificate-signing.pem",
    )


def key_id() -> str:
    # OB 3.0: the kid should dereference to the public key.
    return f"{jwks_url()}#{settings.CERTIFICATE_KEY_ID}"


def jwks() -> dict[str, Any]:
    return public_jwks(signing_key(), key_id())
