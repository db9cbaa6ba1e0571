"""Signing keys: load the issuer's private key, generate new ones, publish the public halves.

The algorithm follows the key: Ed25519 -> `EdDSA` (what a development key is), RSA (>= 2048
bits) -> `RS256`. Open Badges 3.0 names RS256 as the interoperable minimum and 1EdTech's
conformance suite certifies JWT proofs with RS256, so a production key meant for third-party
wallets should be RSA; EdDSA verifies fine with any JOSE library given our JWKS.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

_MIN_RSA_BITS = 2048
_GENERATED_RSA_BITS = 3072
# JWK members that carry private (or symmetric) key material (RFC 7518 section 6).
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
SIGNING_ALGORITHMS = ("EdDSA", "RS256")

SigningKey: TypeAlias = Ed25519PrivateKey | RSAPrivateKey
JWKS: TypeAlias = dict[str, list[dict[str, Any]]]


def load_signing_key(pem: str | None, *, fallback_path: Path) -> SigningKey:
    """The issuer's private key.

    `pem` (the `CERTIFICATE_SIGNING_KEY` setting) is an unencrypted PEM private key, Ed25519 or
    RSA >= 2048 bits; literal `\\n` sequences (as env vars often carry them) are accepted.
    Without it (development only; production settings refuse to start), an Ed25519 key is
    generated once and kept at `fallback_path` (mode 0600) so credentials signed before a
    restart still verify. Concurrent first starts agree on one key.
    """
    if pem and pem.strip():
        return _parse_private_pem(pem.replace("\\n", "\n").strip().encode(), source="the setting")
    try:
        return _parse_private_pem(fallback_path.read_bytes(), source=str(fallback_path))
    except FileNotFoundError:
        pass
    fallback_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = generate_signing_key()
    data = private_pem(key)
    tmp = fallback_path.with_name(f".{fallback_path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if another process got there first: then its key wins, never a mix.
        os.link(tmp, fallback_path)
    except FileExistsError:
        return _parse_private_pem(fallback_path.read_bytes(), source=str(fallback_path))
    finally:
        tmp.unlink(missing_ok=True)
    return key


def generate_signing_key(algorithm: str = "EdDSA") -> SigningKey:
    """A new private key for `algorithm`: Ed25519 for EdDSA, RSA 3072 bits for RS256."""
    if algorithm == "EdDSA":
        return Ed25519PrivateKey.generate()
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=_GENERATED_RSA_BITS)
    raise ValueError(f"algorithm must be one of {SIGNING_ALGORITHMS}, not {algorithm!r}")


def private_pem(key: SigningKey) -> bytes:
    """`key` as an unencrypted PKCS#8 PEM, the form `CERTIFICATE_SIGNING_KEY` takes."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _parse_private_pem(data: bytes, *, source: str) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        # The message names the source, never the key material.
        raise ValueError(
            f"certificate signing key from {source} is not an unencrypted PEM private key"
        ) from exc
    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, RSAPrivateKey) and key.key_size >= _MIN_RSA_BITS:
        return key
    raise ValueError(
        f"certificate signing key from {source} must be Ed25519 or RSA >= {_MIN_RSA_BITS} bits"
    )


def algorithm_for(key: SigningKey) -> str:
    """The JWS `alg` a key signs with."""
    return "EdDSA" if isinstance(key, Ed25519PrivateKey) else "RS256"


def public_jwk(key: SigningKey, kid: str) -> dict[str, Any]:
    """The public half of `key` as a JWK (never contains the private `d`)."""
    if isinstance(key, Ed25519PrivateKey):
        jwk = dict(OKPAlgorithm.to_jwk(key.public_key(), as_dict=True))
    else:
        jwk = dict(RSAAlgorithm.to_jwk(key.public_key(), as_dict=True))
    jwk.pop("d", None)  # cannot be there (public key); never publish it even so
    jwk.update(kid=kid, use="sig", alg=algorithm_for(key))
    return jwk


def public_jwks(key: SigningKey, kid: str, *, retired: Sequence[dict[str, Any]] = ()) -> JWKS:
    """The JWKS to publish: the current key first, then the retired ones.

    Keep a retired public key listed (under the exact `kid` its credentials carry) as long as
    credentials it signed should verify offline. Refuses a retired JWK with private members or
    a `kid` already listed.
    """
    keys = [public_jwk(key, kid)]
    for old in retired:
        if PRIVATE_JWK_MEMBERS & set(old) or not old.get("kid"):
            raise ValueError("retired keys must be public JWKs with a kid")
        if old["kid"] in {k["kid"] for k in keys}:
            raise ValueError(f"retired keys must have distinct kids; {old['kid']!r} is repeated")
        keys.append(dict(old))
    return {"keys": keys}
