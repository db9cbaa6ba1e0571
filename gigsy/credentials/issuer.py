"""The platform as the issuer of credentials: its signing key and key id from settings, the JWKS
it publishes, credentials signed with that key, and the one revocation list for every context.

Key rotation: a new `CERTIFICATE_SIGNING_KEY` gets a new `CERTIFICATE_KEY_ID`, and the old key's
public JWK (`manage.py certificate_key public-jwk`, run before the switch) goes into
`CERTIFICATE_RETIRED_JWKS`, so the JWKS keeps verifying what the old key signed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from gigsy.credentials.keys import JWKS, SigningKey, load_signing_key, public_jwks
from gigsy.credentials.open_badges import AchievementFacts, build_open_badge, sign_credential
from gigsy.credentials.registry import revoked_credentials
from gigsy.credentials.revocation_list import revocation_list, sign_revocation_list

# Public URLs, kept where certificates (the first credentials) published them: every kid and
# every badge's credentialStatus already issued points here. The lms certificates API serves
# them with the functions below.
JWKS_PATH = "/api/v1/certificates/jwks.json"
REVOCATIONS_PATH = "/api/v1/certificates/revocations"


@dataclass(frozen=True)
class SignedCredential:
    credential: dict[str, Any]  # the OpenBadgeCredential document
    jwt: str  # the same, signed as a VC-JWT


def issuer_url() -> str:
    return str(settings.PUBLIC_API_URL)


def issuer_name() -> str:
    return str(settings.CERTIFICATE_ISSUER_NAME)


def public_url(path: str) -> str:
    """`path` (starting with `/`) under the platform's public API URL."""
    return f"{issuer_url().rstrip('/')}{path}"


def jwks_url() -> str:
    return public_url(JWKS_PATH)


def revocations_url() -> str:
    return public_url(REVOCATIONS_PATH)


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


def issue_open_badge(facts: AchievementFacts) -> SignedCredential:
    """`facts` as an Open Badges 3.0 credential from this platform, pointing at the platform's
    revocation list, and signed with the current key. Raises `RevokedCredentialError`."""
    credential = build_open_badge(
        facts,
        issuer_url=issuer_url(),
        issuer_name=issuer_name(),
        revocation_list_url=revocations_url(),
    )
    return SignedCredential(
        credential=credential, jwt=sign_credential(credential, signing_key(), key_id())
    )


def platform_revocation_list() -> dict[str, Any]:
    """The revocation list of every registered source (`registry`), as served publicly."""
    return revocation_list(
        list_url=revocations_url(), issuer_url=issuer_url(), revoked=revoked_credentials()
    )


def sign_with_platform_key(document: dict[str, Any]) -> str:
    """A revocation list document signed with the current key (see `sign_revocation_list`)."""
    return sign_revocation_list(document, signing_key(), key_id())
