"""Compact JWS with the header `{alg, kid, typ: "JWT"}`, verified against a published JWKS.

Shared by credentials and revocation lists: the key is the one whose `kid` the token's header
names (current or retired), and the algorithm comes from that published key, never from the
token's header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt

from gigsy.credentials.keys import JWKS, SigningKey, algorithm_for


class CredentialVerificationError(Exception):
    """The token is not validly signed by a key of the given JWKS (or not what it claims)."""


def encode(payload: dict[str, Any], key: SigningKey, kid: str) -> str:
    return jwt.encode(
        payload, key, algorithm=algorithm_for(key), headers={"kid": kid, "typ": "JWT"}
    )


def decode(token: str, jwks: JWKS, *, require: list[str], leeway: int) -> dict[str, Any]:
    """The verified payload of `token`, signed by the key of `jwks` its header's `kid` names."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise CredentialVerificationError(f"malformed token: {exc}") from exc
    kid = header.get("kid")
    matches = [k for k in jwks.get("keys", []) if kid is not None and k.get("kid") == kid]
    if len(matches) != 1:
        raise CredentialVerificationError(f"unknown key id {kid!r}")
    jwk = matches[0]
    if jwk.get("use", "sig") != "sig":
        raise CredentialVerificationError(f"key {kid!r} is not a signing key")
    try:
        public = jwt.PyJWK(jwk)
        return jwt.decode(
            token,
            public.key,
            algorithms=[public.algorithm_name],
            options={"require": require, "verify_aud": False},
            leeway=leeway,
        )
    except jwt.PyJWTError as exc:
        raise CredentialVerificationError(str(exc)) from exc


def iso_utc(moment: datetime) -> str:
    """`moment` in UTC with a `Z`, whole seconds (a JWT's `nbf` must equal `validFrom`)."""
    if moment.tzinfo is None:
        raise ValueError("issued_at and revoked_at must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"date-time without a time zone: {value!r}")
    return moment
