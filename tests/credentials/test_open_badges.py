"""gigsy.credentials, the pure parts: the Open Badges 3.0 document, VC-JWT signing, published
keys, key handling, key rotation, the (signed) revocation list."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gigsy.credentials.jose import CredentialVerificationError
from gigsy.credentials.keys import (
    generate_signing_key,
    load_signing_key,
    private_pem,
    public_jwk,
    public_jwks,
)
from gigsy.credentials.open_badges import (
    OB_CONTEXT,
    VC_CONTEXT,
    AchievementFacts,
    RevokedCredentialError,
    build_open_badge,
    sign_credential,
    subject_id,
    verify_credential,
)
from gigsy.credentials.revocation_list import (
    RevokedCredential,
    revocation_list,
    sign_revocation_list,
    verify_revocation_list,
)
from tests.credentials.samples import ACHIEVEMENT_URL, VERIFY_URL, sample_facts

ISSUER = "https://gigsy.example"
KID = "https://api.gigsy.example/.well-known/jwks.json#certificates-1"


def make_facts(**changes: object) -> AchievementFacts:
    return sample_facts(**changes)


def badge(**changes: object) -> dict:
    return build_open_badge(make_facts(**changes), issuer_url=ISSUER, issuer_name="Gigsy")


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def b64url_json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def b64url(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- the document ------------------------------------------------------------------------------


def test_open_badge_has_the_required_ob3_fields_and_types() -> None:
    credential = badge()

    assert credential["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == VERIFY_URL
    assert credential["name"] == "Python Basics: certificate of completion"
    assert credential["issuer"] == {
        "id": ISSUER,
        "type": ["Profile"],
        "name": "Gigsy",
        "url": ISSUER,
    }
    # UTC with a Z, whole seconds (so the JWT's nbf can equal it exactly).
    assert credential["validFrom"] == "2025-03-05T12:30:15Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["id"].startswith("urn:uuid:")
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    # The issuing context words the achievement; the kernel lays it out as given.
    assert achievement["id"] == ACHIEVEMENT_URL
    assert achievement["name"] == "Python Basics"
    assert achievement["description"] == "Variables, loops and tests."
    assert achievement["criteria"] == {"narrative": "Complete the course."}
    assert achievement["achievementType"] == "CertificateOfCompletion"
    assert achievement["creator"] == credential["issuer"]
    assert achievement["tag"] == ["python", "testing"]
    assert credential["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    assert "credentialStatus" not in credential


def test_subject_is_pseudonymous_and_stable_per_learner() -> None:
    first = badge()["credentialSubject"]
    again = badge(credential_id="https://other", achievement_id="https://a")["credentialSubject"]
    other = badge(subject_id="43")["credentialSubject"]

    assert first["id"] == again["id"]
    assert first["id"] != other["id"]
    assert "42" not in first["id"]
    assert first["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Ada Lovelace",
        }
    ]


def test_subject_id_never_changes_for_a_given_issuer_and_user() -> None:
    # Badges already issued carry this value: the derivation must stay exactly as it is.
    assert subject_id("42", issuer_url=ISSUER) == "urn:uuid:88663c45-2e1c-53e3-88fe-aa1b5f631510"
    uuid_user = "9f0c3a52-4d1e-4b8a-9b61-0c2f7d3e8a11"
    assert subject_id(uuid_user, issuer_url=ISSUER) == f"urn:uuid:{uuid_user}"


def test_no_tags_no_tag_member() -> None:
    assert "tag" not in badge(tags=())["credentialSubject"]["achievement"]


def test_revocation_list_is_referenced_when_configured() -> None:
    list_url = "https://api.gigsy.example/api/v1/certificates/revocations"
    credential = build_open_badge(
        make_facts(), issuer_url=ISSUER, issuer_name="Gigsy", revocation_list_url=list_url
    )

    assert credential["credentialStatus"] == {"id": list_url, "type": "1EdTechRevocationList"}
    revoked_at = datetime(2025, 4, 1, 9, 15, 30, 123456, tzinfo=UTC)
    document = revocation_list(
        list_url=list_url,
        issuer_url=ISSUER,
        revoked=[RevokedCredential(credential_id=credential["id"], revoked_at=revoked_at)],
    )
    assert document == {
        "id": list_url,
        "issuer": ISSUER,
        "revokedCredentials": [
            {"id": VERIFY_URL, "revoked": True, "revokedAt": "2025-04-01T09:15:30Z"}
        ],
    }
    with pytest.raises(ValueError, match="timezone"):
        revocation_list(
            list_url=list_url,
            issuer_url=ISSUER,
            revoked=[RevokedCredential(VERIFY_URL, datetime(2025, 4, 1, 9, 15))],
        )


def test_revoked_achievement_is_not_issued() -> None:
    with pytest.raises(RevokedCredentialError):
        badge(revoked=True)


def test_naive_issue_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        badge(issued_at=datetime(2025, 3, 5, 12, 0))


# --- signing and verification ------------------------------------------------------------------


def test_token_follows_the_ob3_jwt_proof_format(key: Ed25519PrivateKey) -> None:
    credential = badge()
    token = sign_credential(credential, key, KID)

    header_segment, payload_segment, _ = token.split(".")
    assert b64url_json(header_segment) == {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    payload = b64url_json(payload_segment)
    assert payload["iss"] == ISSUER
    assert payload["jti"] == VERIFY_URL
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == int(datetime(2025, 3, 5, 12, 30, 15, tzinfo=UTC).timestamp())
    # VC 2.0 style: the credential's members at the top level, no "vc" wrapper.
    assert "vc" not in payload
    assert {k: v for k, v in payload.items() if k not in {"iss", "jti", "sub", "nbf"}} == (
        credential
    )


def test_token_verifies_with_the_published_jwks(key: Ed25519PrivateKey) -> None:
    credential = badge()
    jwks = public_jwks(key, KID)

    assert verify_credential(sign_credential(credential, key, KID), jwks) == credential
    assert verify_credential(sign_credential(credential, key, KID), jwks, issuer=ISSUER)
    # A generic JOSE library verifies it with nothing but the JWKS.
    public = jwt.PyJWK(jwks["keys"][0]).key
    decoded = jwt.decode(sign_credential(credential, key, KID), public, algorithms=["EdDSA"])
    assert decoded["credentialSubject"] == credential["credentialSubject"]


def test_published_jwks_holds_only_the_public_key(key: Ed25519PrivateKey) -> None:
    (jwk,) = public_jwks(key, KID)["keys"]

    raw_public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert jwk["kid"] == KID
    assert jwk["use"] == "sig"
    assert jwk["alg"] == "EdDSA"
    assert base64.urlsafe_b64decode(jwk["x"] + "=") == raw_public
    assert "d" not in jwk


def test_tampered_payload_is_rejected(key: Ed25519PrivateKey) -> None:
    token = sign_credential(badge(), key, KID)
    header, payload_segment, signature = token.split(".")
    payload = b64url_json(payload_segment)
    payload["credentialSubject"]["achievement"]["name"] = "Quantum Computing"
    forged = f"{header}.{b64url(payload)}.{signature}"

    with pytest.raises(CredentialVerificationError):
        verify_credential(forged, public_jwks(key, KID))


def test_token_signed_by_another_key_is_rejected(key: Ed25519PrivateKey) -> None:
    intruder = Ed25519PrivateKey.generate()
    token = sign_credential(badge(), intruder, KID)

    with pytest.raises(CredentialVerificationError):
        verify_credential(token, public_jwks(key, KID))


def test_unknown_or_missing_kid_is_rejected(key: Ed25519PrivateKey) -> None:
    jwks = public_jwks(key, KID)
    with pytest.raises(CredentialVerificationError, match="unknown key id"):
        verify_credential(sign_credential(badge(), key, "someone-elses-key"), jwks)

    claims = {**badge(), "iss": ISSUER, "jti": VERIFY_URL, "sub": "urn:x", "nbf": 1}
    without_kid = jwt.encode(claims, key, algorithm="EdDSA")
    with pytest.raises(CredentialVerificationError, match="unknown key id"):
        verify_credential(without_kid, jwks)


def test_algorithm_comes_from_the_key_not_the_token(key: Ed25519PrivateKey) -> None:
    # An HS256 token "signed" with the public key bytes must not pass as EdDSA.
    jwk = public_jwks(key, KID)["keys"][0]
    claims = {**badge(), "iss": ISSUER, "jti": VERIFY_URL, "sub": "urn:x", "nbf": 1}
    forged = jwt.encode(claims, jwk["x"], algorithm="HS256", headers={"kid": KID})

    with pytest.raises(CredentialVerificationError):
        verify_credential(forged, {"keys": [jwk]})


def test_claims_must_match_the_credential(key: Ed25519PrivateKey) -> None:
    credential = badge()
    claims = {
        **credential,
        "iss": ISSUER,
        "jti": VERIFY_URL,
        "sub": "urn:uuid:00000000-0000-0000-0000-000000000000",  # not the subject's id
        "nbf": int(datetime(2025, 3, 5, 12, 30, 15, tzinfo=UTC).timestamp()),
    }
    token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": KID})

    with pytest.raises(CredentialVerificationError, match="'sub'"):
        verify_credential(token, public_jwks(key, KID))


def test_wrong_expected_issuer_is_rejected(key: Ed25519PrivateKey) -> None:
    token = sign_credential(badge(), key, KID)

    with pytest.raises(CredentialVerificationError, match="issued by"):
        verify_credential(token, public_jwks(key, KID), issuer="https://other.example")


def test_credential_not_yet_valid_is_rejected(key: Ed25519PrivateKey) -> None:
    future = datetime.now(UTC) + timedelta(days=1)
    token = sign_credential(badge(issued_at=future), key, KID)

    with pytest.raises(CredentialVerificationError):
        verify_credential(token, public_jwks(key, KID))


def test_retired_keys_stay_published_and_verify(key: Ed25519PrivateKey) -> None:
    old_key = Ed25519PrivateKey.generate()
    old_token = sign_credential(badge(), old_key, "certificates-0")
    retired = public_jwks(old_key, "certificates-0")["keys"]

    jwks = public_jwks(key, KID, retired=retired)

    assert [k["kid"] for k in jwks["keys"]] == [KID, "certificates-0"]
    assert verify_credential(old_token, jwks)["id"] == VERIFY_URL
    with pytest.raises(ValueError, match="public"):
        public_jwks(key, KID, retired=[{**retired[0], "d": "secret"}])


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "oth", "k"])
def test_retired_key_with_private_material_is_never_published(
    key: Ed25519PrivateKey, member: str
) -> None:
    (retired,) = public_jwks(Ed25519PrivateKey.generate(), "certificates-0")["keys"]

    with pytest.raises(ValueError, match="public"):
        public_jwks(key, KID, retired=[{**retired, member: "c2VjcmV0"}])


def test_retired_keys_need_their_own_kid(key: Ed25519PrivateKey) -> None:
    old = public_jwk(Ed25519PrivateKey.generate(), "certificates-0")

    with pytest.raises(ValueError, match="distinct"):
        public_jwks(key, KID, retired=[{**old, "kid": KID}])
    with pytest.raises(ValueError, match="distinct"):
        public_jwks(key, KID, retired=[old, dict(old)])
    with pytest.raises(ValueError, match="kid"):
        public_jwks(key, KID, retired=[{k: v for k, v in old.items() if k != "kid"}])


def test_after_two_rotations_every_generation_verifies_and_nothing_else() -> None:
    first, second, third = (generate_signing_key(alg) for alg in ("EdDSA", "RS256", "EdDSA"))
    tokens = [
        sign_credential(badge(), first, "certificates-1"),
        sign_credential(badge(), second, "certificates-2"),
        sign_credential(badge(), third, "certificates-3"),
    ]
    retired = [public_jwk(second, "certificates-2"), public_jwk(first, "certificates-1")]

    jwks = public_jwks(third, "certificates-3", retired=retired)

    assert [k["kid"] for k in jwks["keys"]] == [
        "certificates-3",
        "certificates-2",
        "certificates-1",
    ]
    assert [k["alg"] for k in jwks["keys"]] == ["EdDSA", "RS256", "EdDSA"]
    for token in tokens:
        assert verify_credential(token, jwks)["id"] == VERIFY_URL
    # A retired kid does not vouch for another key's signature.
    forged = sign_credential(badge(), Ed25519PrivateKey.generate(), "certificates-1")
    with pytest.raises(CredentialVerificationError):
        verify_credential(forged, jwks)


def test_rsa_key_signs_rs256() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = sign_credential(badge(), rsa_key, KID)
    jwks = public_jwks(rsa_key, KID)

    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert jwks["keys"][0]["kty"] == "RSA"
    assert "d" not in jwks["keys"][0]
    assert verify_credential(token, jwks)["id"] == VERIFY_URL


# --- key handling ------------------------------------------------------------------------------


def public_bytes(key: Ed25519PrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_development_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "certificate-signing.pem"

    first = load_signing_key(None, fallback_path=path)
    second = load_signing_key("", fallback_path=path)

    assert isinstance(first, Ed25519PrivateKey)
    assert public_bytes(first) == public_bytes(second)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["certificate-signing.pem"]


def test_pem_from_the_environment_with_escaped_newlines_loads(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    as_env_var = pem.strip().replace("\n", "\\n")
    assert "\n" not in as_env_var
    fallback = tmp_path / "unused.pem"

    loaded = load_signing_key(as_env_var, fallback_path=fallback)

    assert public_bytes(loaded) == public_bytes(key)
    assert not fallback.exists()


def test_bad_or_weak_pem_is_refused_without_echoing_it(tmp_path: Path) -> None:
    garbage = "-----BEGIN PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END PRIVATE KEY-----"
    with pytest.raises(ValueError, match="not an unencrypted PEM") as excinfo:
        load_signing_key(garbage, fallback_path=tmp_path / "k.pem")
    assert "bm90IGEga2V5" not in str(excinfo.value)

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (deliberately too weak)
    weak_pem = weak.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(ValueError, match="2048"):
        load_signing_key(weak_pem, fallback_path=tmp_path / "k.pem")


@pytest.mark.parametrize(("algorithm", "kty"), [("EdDSA", "OKP"), ("RS256", "RSA")])
def test_generated_keys_load_as_signing_keys(tmp_path: Path, algorithm: str, kty: str) -> None:
    key = generate_signing_key(algorithm)
    pem = private_pem(key).decode()

    loaded = load_signing_key(pem, fallback_path=tmp_path / "unused.pem")

    assert public_bytes(loaded) == public_bytes(key)
    assert public_jwk(loaded, KID)["kty"] == kty
    assert jwt.get_unverified_header(sign_credential(badge(), loaded, KID))["alg"] == algorithm


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="EdDSA"):
        generate_signing_key("HS256")


# --- the signed revocation list ----------------------------------------------------------------

LIST_URL = "https://api.gigsy.example/api/v1/certificates/revocations"


def a_revocation_list() -> dict:
    return revocation_list(
        list_url=LIST_URL,
        issuer_url=ISSUER,
        revoked=[RevokedCredential(VERIFY_URL, datetime(2025, 4, 1, 9, 15, tzinfo=UTC))],
    )


def test_signed_revocation_list_verifies_with_the_jwks(key: Ed25519PrivateKey) -> None:
    document = a_revocation_list()
    now = datetime.now(UTC)

    token = sign_revocation_list(document, key, KID, now=now)

    header_segment, payload_segment, _ = token.split(".")
    assert b64url_json(header_segment) == {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    payload = b64url_json(payload_segment)
    assert payload["iss"] == ISSUER
    assert payload["exp"] - payload["iat"] == 24 * 3600
    assert payload["iat"] == int(now.timestamp())
    assert verify_revocation_list(token, public_jwks(key, KID), issuer=ISSUER) == document


def test_signed_revocation_list_rejects_tampering_expiry_and_other_tokens(
    key: Ed25519PrivateKey,
) -> None:
    jwks = public_jwks(key, KID)
    token = sign_revocation_list(a_revocation_list(), key, KID)
    header, payload_segment, signature = token.split(".")
    emptied = {**b64url_json(payload_segment), "revokedCredentials": []}
    with pytest.raises(CredentialVerificationError):
        verify_revocation_list(f"{header}.{b64url(emptied)}.{signature}", jwks)

    stale = sign_revocation_list(
        a_revocation_list(), key, KID, now=datetime.now(UTC) - timedelta(days=2)
    )
    with pytest.raises(CredentialVerificationError, match="expired"):
        verify_revocation_list(stale, jwks)

    with pytest.raises(CredentialVerificationError, match="issued by"):
        verify_revocation_list(token, jwks, issuer="https://other.example")
    # A list is not a credential, and a credential is not a list.
    with pytest.raises(CredentialVerificationError):
        verify_credential(token, jwks)
    with pytest.raises(CredentialVerificationError):
        verify_revocation_list(sign_credential(badge(), key, KID), jwks)
