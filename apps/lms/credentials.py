"""Open Badges 3.0 credentials for course certificates: build, sign, publish the key, verify.

Pure functions over plain data (no models, no database), so services, tasks, views and anyone
verifying offline use the same code.

Format (1EdTech Open Badges 3.0, the revision aligned with VC Data Model 2.0):
- the credential is an `OpenBadgeCredential` with the contexts `credentials/v2` and
  `ob/v3p0/context-3.0.3.json`, checked against 1EdTech's JSON Schema for AchievementCredential;
- it is signed with the spec's *JSON Web Token Proof Format* (section 8.2, "VC-JWT"): the JWT
  payload **is** the credential (its members at the top level, no `vc` wrapper; that wrapper was
  the VC 1.1 form) plus the registered claims `iss` = `issuer.id`, `jti` = `id`,
  `nbf` = `validFrom`, `sub` = `credentialSubject.id`. The JOSE header is exactly
  `{alg, kid, typ: "JWT"}` (the spec allows no other headers);
- the algorithm follows the key: Ed25519 -> `EdDSA` (what `load_signing_key` generates),
  RSA (>= 2048 bits) -> `RS256`. The spec names RS256 as the interoperable minimum and 1EdTech's
  conformance suite certifies JWT proofs with RS256, so a production key meant for third-party
  wallets should be RSA; EdDSA verifies fine with any JOSE library given our JWKS.
- `public_jwks` publishes the public key(s), the current one and retired ones (key rotation);
  `verify_credential` checks a token offline against such a JWKS (signature, known `kid`,
  algorithm bound to the key, claims consistent with the credential).
- revocation: `build_open_badge(revocation_list_url=...)` points `credentialStatus` at a
  1EdTech Revocation List (`revocation_list`); the same list can be signed with the issuer's key
  (`sign_revocation_list`) so a verifier can trust a cached copy (`verify_revocation_list`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
# Learner ids are integers here; a name-based UUID turns them into URNs without exposing an
# email. Pseudonymous, not secret: anyone who knows the issuer URL and a user id can recompute it.
_SUBJECT_NAMESPACE = uuid.UUID("6b1c0f7e-3a52-5d8e-9a57-2f3c8e1d4b90")
_JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp")
_LIST_CLAIMS = ("iss", "iat", "exp")
_MIN_RSA_BITS = 2048
_GENERATED_RSA_BITS = 3072
# JWK members that carry private (or symmetric) key material (RFC 7518 section 6).
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
SIGNING_ALGORITHMS = ("EdDSA", "RS256")
# How long a signed revocation list stays valid: the longest a verifier relying on a cached copy
# can miss a revocation.
REVOCATION_LIST_LIFETIME = timedelta(days=1)

SigningKey: TypeAlias = Ed25519PrivateKey | RSAPrivateKey
JWKS: TypeAlias = dict[str, list[dict[str, Any]]]


class CredentialVerificationError(Exception):
    """The token is not a credential validly signed by a key of the given JWKS."""


class RevokedCertificateError(ValueError):
    """A revoked certificate must not be issued (or re-issued) as a signed credential."""


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate says, copied out of the lms models by the caller."""

    certificate_id: str
    verify_code: str
    learner_id: str
    learner_name: str
    course_id: str
    course_title: str
    course_summary: str
    skills: tuple[str, ...]
    issued_at: datetime  # timezone-aware; stored and published in UTC
    revoked: bool = False


@dataclass(frozen=True)
class RevokedCredential:
    """One entry of the revocation list."""

    credential_id: str  # the credential's `id` (its verify URL, which ends with the code)
    revoked_at: datetime  # timezone-aware


# --- the credential ----------------------------------------------------------------------------


def build_open_badge(
    facts: CertificateFacts,
    *,
    issuer_url: str,
    issuer_name: str,
    verify_url: str,
    achievement_id: str | None = None,
    criteria_narrative: str | None = None,
    revocation_list_url: str | None = None,
) -> dict[str, Any]:
    """The certificate as an OB 3.0 `OpenBadgeCredential` (unsigned JSON document).

    - `id` is `verify_url`: a resolvable HTTPS URL that stays the certificate's identity (the
      JWT's `jti`, the entry in a revocation list). It must not change once issued.
    - `issuer` is a Profile whose `id` and `url` are `issuer_url`.
    - `achievement.id` (the course as an achievement, same for every learner) is
      `achievement_id`, by default `{issuer_url}/courses/{course_id}`; pass the course's public
      URL when there is one.
    - `credentialSubject.id` is a pseudonymous `urn:uuid:` derived from issuer and learner id
      (never the email); the learner's display name travels as a plain `name` identifier, as
      on the printed certificate.
    - `credentialStatus` (`1EdTechRevocationList`) is added only when `revocation_list_url` is
      given; that URL must then serve `revocation_list(...)`.
    Raises `RevokedCertificateError` for a revoked certificate.
    """
    if facts.revoked:
        raise RevokedCertificateError(f"certificate {facts.certificate_id} is revoked")
    valid_from = _iso_utc(facts.issued_at)
    issuer = {"id": issuer_url, "type": ["Profile"], "name": issuer_name, "url": issuer_url}
    achievement: dict[str, Any] = {
        "id": achievement_id or f"{issuer_url.rstrip('/')}/courses/{facts.course_id}",
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": facts.course_title,
        "description": facts.course_summary.strip()
        or f"Certificate of completion of the course “{facts.course_title}”.",
        "criteria": {
            "narrative": criteria_narrative
            or (
                f"Complete every required lesson and assessment of the course "
                f"“{facts.course_title}” on {issuer_name}."
            )
        },
        "creator": issuer,
    }
    if facts.skills:
        achievement["tag"] = list(facts.skills)
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts.course_title}: certificate of completion",
        "issuer": issuer,
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": {
            "id": subject_id(facts.learner_id, issuer_url=issuer_url),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": facts.learner_name,
                }
            ],
            "achievement": achievement,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if revocation_list_url:
        credential["credentialStatus"] = {
            "id": revocation_list_url,
            "type": "1EdTechRevocationList",
        }
    return credential


def subject_id(learner_id: str, *, issuer_url: str) -> str:
    """A stable `urn:uuid:` for a learner at this issuer (a UUID learner id is used as is)."""
    try:
        return uuid.UUID(learner_id).urn
    except ValueError:
        return uuid.uuid5(_SUBJECT_NAMESPACE, f"{issuer_url}|learner|{learner_id}").urn


def revocation_list(
    *, list_url: str, issuer_url: str, revoked: Sequence[RevokedCredential]
) -> dict[str, Any]:
    """The document served at `revocation_list_url` (1EdTech Revocation List Status Method).

    Each entry is `{id, revoked: true}` as the method defines it, plus `revokedAt` (UTC, whole
    seconds), an extension member verifiers that do not know it ignore. The reason for a
    revocation is an operator's note and is never published.
    """
    return {
        "id": list_url,
        "issuer": issuer_url,
        "revokedCredentials": [
            {"id": entry.credential_id, "revoked": True, "revokedAt": _iso_utc(entry.revoked_at)}
            for entry in revoked
        ],
    }


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("issued_at and revoked_at must be timezone-aware")
    # Whole seconds: the JWT's `nbf` (whole seconds) must equal `validFrom`.
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- keys --------------------------------------------------------------------------------------


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
    public = key.public_key()
    if isinstance(key, Ed25519PrivateKey):
        jwk = dict(OKPAlgorithm.to_jwk(public, as_dict=True))
    else:
        jwk = dict(RSAAlgorithm.to_jwk(public, as_dict=True))
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


# --- signing and verification ------------------------------------------------------------------


def sign_credential(credential: dict[str, Any], key: SigningKey, kid: str) -> str:
    """The credential as a compact JWS (OB 3.0 section 8.2, VC-JWT).

    `kid` should be a URI that dereferences to the public JWK, e.g.
    `https://api.example.com/.well-known/jwks.json#certificates-2025`.
    """
    clash = [claim for claim in _JWT_CLAIMS if claim in credential]
    if clash:
        raise ValueError(f"credential already has JWT claim names {clash}")
    issuer = credential["issuer"]
    payload = {
        **credential,
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "nbf": int(_parse_datetime(credential["validFrom"]).timestamp()),
        "sub": credential["credentialSubject"]["id"],
    }
    return jwt.encode(
        payload, key, algorithm=algorithm_for(key), headers={"kid": kid, "typ": "JWT"}
    )


def verify_credential(
    token: str, jwks: JWKS, *, issuer: str | None = None, leeway_seconds: int = 60
) -> dict[str, Any]:
    """Verify a credential token offline against a published JWKS; return the credential.

    Rejects: a malformed token, a missing or unknown `kid`, a header `alg` other than the one
    the key is for, a bad signature (tampered payload, other key), a credential whose `validFrom`
    is still in the future, and claims that disagree with the credential (`iss`/`issuer.id`,
    `sub`/`credentialSubject.id`, `jti`/`id`, `nbf`/`validFrom`). With `issuer`, also requires
    that issuer. The key is the one whose `kid` the token's header names, current or retired, so
    credentials signed before a key rotation verify against the JWKS published after it.
    Raises `CredentialVerificationError`.
    """
    payload = _decode(token, jwks, require=["iss", "jti", "nbf", "sub"], leeway=leeway_seconds)
    credential = {name: value for name, value in payload.items() if name not in _JWT_CLAIMS}
    _check_claims(payload, credential, issuer)
    return credential


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
    return jwt.encode(
        payload, key, algorithm=algorithm_for(key), headers={"kid": kid, "typ": "JWT"}
    )


def verify_revocation_list(
    token: str, jwks: JWKS, *, issuer: str | None = None, leeway_seconds: int = 60
) -> dict[str, Any]:
    """Verify a signed revocation list against a published JWKS; return the list document.

    Rejects what `verify_credential` rejects (unknown `kid`, wrong algorithm, bad signature),
    an expired list, and a token that is not a revocation list of its `iss`. Raises
    `CredentialVerificationError`.
    """
    payload = _decode(token, jwks, require=list(_LIST_CLAIMS), leeway=leeway_seconds)
    document = {name: value for name, value in payload.items() if name not in _LIST_CLAIMS}
    if not isinstance(document.get("revokedCredentials"), list) or not document.get("id"):
        raise CredentialVerificationError("not a revocation list")
    if payload["iss"] != document.get("issuer"):
        raise CredentialVerificationError("claim 'iss' does not match the list's issuer")
    if issuer is not None and payload["iss"] != issuer:
        raise CredentialVerificationError(f"issued by {payload['iss']!r}, not {issuer!r}")
    return document


def _decode(token: str, jwks: JWKS, *, require: list[str], leeway: int) -> dict[str, Any]:
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
        # The algorithm comes from the published key, never from the token's header.
        return jwt.decode(
            token,
            public.key,
            algorithms=[public.algorithm_name],
            options={"require": require, "verify_aud": False},
            leeway=leeway,
        )
    except jwt.PyJWTError as exc:
        raise CredentialVerificationError(str(exc)) from exc


def _check_claims(payload: dict[str, Any], credential: dict[str, Any], issuer: str | None) -> None:
    types = credential.get("type") or []
    if "VerifiableCredential" not in types or not (
        {"OpenBadgeCredential", "AchievementCredential"} & set(types)
    ):
        raise CredentialVerificationError("not an OpenBadgeCredential")
    try:
        cred_issuer = credential["issuer"]
        issuer_id = cred_issuer["id"] if isinstance(cred_issuer, dict) else cred_issuer
        expected = {
            "iss": issuer_id,
            "sub": credential["credentialSubject"]["id"],
            "jti": credential["id"],
            "nbf": int(_parse_datetime(credential["validFrom"]).timestamp()),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise CredentialVerificationError(f"incomplete credential: {exc}") from exc
    for claim, value in expected.items():
        if payload[claim] != value:
            raise CredentialVerificationError(f"claim {claim!r} does not match the credential")
    if issuer is not None and issuer_id != issuer:
        raise CredentialVerificationError(f"issued by {issuer_id!r}, not {issuer!r}")


def _parse_datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"date-time without a time zone: {value!r}")
    return moment
