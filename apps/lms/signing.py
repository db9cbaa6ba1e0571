"""The certificate signing key from settings (dev: a local file), its key id and the JWKS.

Key rotation: a new `CERTIFICATE_SIGNING_KEY` gets a new `CERTIFICATE_KEY_ID`, and the old key's
public JWK (`manage.py certificate_key public-jwk`, run before the switch) goes into
`CERTIFICATE_RETIRED_JWKS`, so the JWKS keeps verifying what the old key signed.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings

from apps.lms.credentials import JWKS, SigningKey, load_signing_key, public_jwks
from apps.lms.links import jwks_url


def signing_key() -> SigningKey:
    return _load(
        settings.CERTIFICATE_SIGNING_KEY or "",
        settings.VAR_DIR / "keys" / "certificate-signing.pem",
    )


@functools.lru_cache(maxsize=4)
def _load(pem: str, fallback_path: Path) -> SigningKey:
    # Parsed once per process and key: keyed on the setting, so a changed setting takes effect.
    return load_signing_key(pem or None, fallback_path=fallback_path)


def key_id(name: str | None = None) -> str:
    """The `kid` credentials carry: the JWKS URL plus `#name` (default `CERTIFICATE_KEY_ID`).

    OB 3.0: the kid should dereference to the public key.
    """
    return f"{jwks_url()}#{name or settings.CERTIFICATE_KEY_ID}"


def jwks() -> JWKS:
    """The current public key, then the retired ones (`CERTIFICATE_RETIRED_JWKS`)."""
    return public_jwks(signing_key(), key_id(), retired=settings.CERTIFICATE_RETIRED_JWKS)
