"""Open Badges 3.0 achievement credentials: build, sign (VC-JWT), verify offline.

Pure functions over plain data (no models, no database, no settings), so every issuing context
and anyone verifying offline use the same code.

Format (1EdTech Open Badges 3.0, the revision aligned with VC Data Model 2.0):
- the credential is an `OpenBadgeCredential` with the contexts `credentials/v2` and
  `ob/v3p0/context-3.0.3.json`, checked against 1EdTech's JSON Schema for AchievementCredential;
- it is signed with the spec's *JSON Web Token Proof Format* (section 8.2, "VC-JWT"): the JWT
  payload **is** the credential (its members at the top level, no `vc` wrapper; that wrapper was
  the VC 1.1 form) plus the registered claims `iss` = `issuer.id`, `jti` = `id`,
  `nbf` = `validFrom`, `sub` = `credentialSubject.id`. The JOSE header is exactly
  `{alg, kid, typ: "JWT"}` (the spec allows no other headers);
- `verify_credential` checks a token offline against a published JWKS (signature, known `kid`,
  algorithm bound to the key, claims consistent with the credential);
- revocation: `build_open_badge(revocation_list_url=...)` points `credentialStatus` at a
  1EdTech Revocation List (see `revocation_list`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gigsy.credentials.jose import (
    CredentialVerificationError,
    decode,
    encode,
    iso_utc,
    parse_datetime,
)
from gigsy.credentials.keys import JWKS, SigningKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
# Learner ids are integers here; a name-based UUID turns them into URNs without exposing an
# email. Pseudonymous, not secret: anyone who knows the issuer URL and a user id can recompute it.
_SUBJECT_NAMESPACE = uuid.UUID("6b1c0f7e-3a52-5d8e-9a57-2f3c8e1d4b90")
_JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp")


class RevokedCredentialError(ValueError):
    """A revoked achievement must not be issued (or re-issued) as a signed credential."""


@dataclass(frozen=True)
class AchievementFacts:
    """An achievement credential for one subject, as the issuing context states it.

    Contexts copy these out of their own models: lms from a certificate (a course completed),
    gamification from a badge award. Texts are final (the context words them); this package
    only lays them out.
    """

    credential_id: str  # the credential's `id`: a resolvable URL that never changes once issued
    subject_id: str  # the earner's user id on this platform
    subject_name: str  # the earner's display name, as printed
    achievement_id: str  # URL of the achievement, the same for every earner
    achievement_type: str  # OB 3.0 vocabulary: "CertificateOfCompletion", "Badge", ...
    achievement_name: str
    achievement_description: str
    criteria_narrative: str
    credential_name: str
    tags: tuple[str, ...]  # the skills it attests
    issued_at: datetime  # timezone-aware; published in UTC, whole seconds
    revoked: bool = False
    # Who created the achievement (a course's author), named in `achievement.creator`; without
    # one the issuer is named as its creator.
    creator_id: str | None = None  # the creator's user id on this platform
    creator_name: str = ""


def build_open_badge(
    facts: AchievementFacts,
    *,
    issuer_url: str,
    issuer_name: str,
    revocation_list_url: str | None = None,
) -> dict[str, Any]:
    """The achievement as an OB 3.0 `OpenBadgeCredential` (unsigned JSON document).

    - `id` is `facts.credential_id`: the credential's identity (the JWT's `jti`, the entry in a
      revocation list).
    - `issuer` is a Profile whose `id` and `url` are `issuer_url`. `achievement.creator` is a
      Profile for `facts.creator_id` (a pseudonymous `urn:uuid:`, see `creator_profile_id`,
      and `facts.creator_name`) when given, otherwise the issuer.
    - `credentialSubject.id` is a pseudonymous `urn:uuid:` derived from issuer and subject id
      (never the email); the display name travels as a plain `name` identifier, as printed.
    - `credentialStatus` (`1EdTechRevocationList`) is added only when `revocation_list_url` is
      given; that URL must then serve a revocation list naming this credential once revoked.
    Raises `RevokedCredentialError` for a revoked achievement.
    """
    if facts.revoked:
        raise RevokedCredentialError(f"credential {facts.credential_id} is revoked")
    valid_from = iso_utc(facts.issued_at)
    issuer = {"id": issuer_url, "type": ["Profile"], "name": issuer_name, "url": issuer_url}
    achievement: dict[str, Any] = {
        "id": facts.achievement_id,
        "type": ["Achievement"],
        "achievementType": facts.achievement_type,
        "name": facts.achievement_name,
        "description": facts.achievement_description,
        "criteria": {"narrative": facts.criteria_narrative},
        "creator": issuer,
    }
    if facts.creator_id is not None:
        achievement["creator"] = {
            "id": creator_profile_id(facts.creator_id, issuer_url=issuer_url),
            "type": ["Profile"],
            "name": facts.creator_name,
        }
    if facts.tags:
        achievement["tag"] = list(facts.tags)
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.credential_name,
        "issuer": issuer,
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": {
            "id": subject_id(facts.subject_id, issuer_url=issuer_url),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": facts.subject_name,
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


def subject_id(user_id: str, *, issuer_url: str) -> str:
    """A stable `urn:uuid:` for a user at this issuer (a UUID user id is used as is)."""
    try:
        return uuid.UUID(user_id).urn
    except ValueError:
        # "learner" is part of the hash input: changing it would change every subject id.
        return uuid.uuid5(_SUBJECT_NAMESPACE, f"{issuer_url}|learner|{user_id}").urn


def creator_profile_id(user_id: str, *, issuer_url: str) -> str:
    """A stable `urn:uuid:` for a user as the creator of achievements at this issuer (never
    the email; not the same URN as the user's `subject_id`)."""
    return uuid.uuid5(_SUBJECT_NAMESPACE, f"{issuer_url}|creator|{user_id}").urn


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
        "nbf": int(parse_datetime(credential["validFrom"]).timestamp()),
        "sub": credential["credentialSubject"]["id"],
    }
    return encode(payload, key, kid)


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
    payload = decode(token, jwks, require=["iss", "jti", "nbf", "sub"], leeway=leeway_seconds)
    credential = {name: value for name, value in payload.items() if name not in _JWT_CLAIMS}
    _check_claims(payload, credential, issuer)
    return credential


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
            "nbf": int(parse_datetime(credential["validFrom"]).timestamp()),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise CredentialVerificationError(f"incomplete credential: {exc}") from exc
    for claim, value in expected.items():
        if payload[claim] != value:
            raise CredentialVerificationError(f"claim {claim!r} does not match the credential")
    if issuer is not None and issuer_id != issuer:
        raise CredentialVerificationError(f"issued by {issuer_id!r}, not {issuer!r}")
