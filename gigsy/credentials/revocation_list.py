"""The 1EdTech Revocation List (the status method OB 3.0 `credentialStatus` names), and the same
list signed with the issuer's key so a verifier can trust a cached copy until it expires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gigsy.credentials.jose import CredentialVerificationError, decode, encode, iso_utc
from gigsy.credentials.keys import JWKS, SigningKey

_LIST_CLAIMS = ("iss", "iat", "exp")
# How long a signed revocation list stays valid: the longest a verifier relying on a cached copy
# can miss a revocation.
REVOCATION_LIST_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class RevokedCredential:
    """One entry of the revocation list."""

    credential_id: str  # the credential's `id` (e.g. a certificate's verify URL)
    revoked_at: datetime  # timezone-aware


def revocation_list(
    *, list_url: str, issuer_url: str, revoked: Sequence[RevokedCredential]
) -> dict[str, Any]:
    """The document served at the list's URL (1EdTech Revocation List Status Method).

    Each entry is `{id, revoked: true}` as the method defines it, plus `revokedAt` (UTC, whole
    seconds), an extension member verifiers that do not know it ignore. The reason for a
    revocation is an operator's note and is never published.
    """
    return {
        "id": list_url,
        "issuer": issuer_url,
        "revokedCredentials": [
            {"id": entry.credential_id, "revoked": True, "revokedAt": iso_utc(entry.revoked_at)}
            for entry in revoked
        ],
    }


def sign_revocation_list(
    document: dict[str, Any],
    key: SigningKey,
    kid: str,
    *,
    now: datetime | None = None,
    lifetime: timedelta = REVOCATION_LIST_LIFETIME,
) -> str:
    """A `revocation_list(...)` document as a compact JWS: its members plus `iss` (= `issuer`),
    `iat` and `exp`, header `{alg, kid, typ: "JWT"}` like a credential's."""
    clash = [claim for claim in _LIST_CLAIMS if claim in document]
    if clash:
        raise ValueError(f"revocation list already has JWT claim names {clash}")
    issued = int((now or datetime.now(UTC)).timestamp())
    payload = {
        **document,
        "iss": document["issuer"],
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
    }
    return encode(payload, key, kid)


def verify_revocation_list(
    token: str, jwks: JWKS, *, issuer: str | None = None, leeway_seconds: int = 60
) -> dict[str, Any]:
    """Verify a signed revocation list against a published JWKS; return the list document.

    Rejects what `verify_credential` rejects (unknown `kid`, wrong algorithm, bad signature),
    an expired list, and a token that is not a revocation list of its `iss`. Raises
    `CredentialVerificationError`.
    """
    payload = decode(token, jwks, require=list(_LIST_CLAIMS), leeway=leeway_seconds)
    document = {name: value for name, value in payload.items() if name not in _LIST_CLAIMS}
    if not isinstance(document.get("revokedCredentials"), list) or not document.get("id"):
        raise CredentialVerificationError("not a revocation list")
    if payload["iss"] != document.get("issuer"):
        raise CredentialVerificationError("claim 'iss' does not match the list's issuer")
    if issuer is not None and payload["iss"] != issuer:
        raise CredentialVerificationError(f"issued by {payload['iss']!r}, not {issuer!r}")
    return document
