"""Key rotation and the revocation list, through the API and the management command."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import jwt
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.lms.certificates.services import issue_certificate, revoke_certificate
from apps.lms.models import Certificate
from gigsy.credentials import registry
from gigsy.credentials.jose import CredentialVerificationError
from gigsy.credentials.keys import generate_signing_key, load_signing_key, private_pem, public_jwk
from gigsy.credentials.open_badges import verify_credential
from gigsy.credentials.registry import register_revocation_source, unregister_revocation_source
from gigsy.credentials.revocation_list import RevokedCredential, verify_revocation_list
from tests.factories import UserFactory
from tests.lms.conftest import BuiltCourse, client_for, verify_instructor

pytestmark = pytest.mark.django_db

CERTIFICATES = "/api/v1/certificates"
REVOCATIONS = f"{CERTIFICATES}/revocations"
JWKS = f"{CERTIFICATES}/jwks.json"


def pem(algorithm: str = "EdDSA") -> str:
    return private_pem(generate_signing_key(algorithm)).decode()


def certificate_for(learner: Any, built: BuiltCourse) -> Certificate:
    certificate, _ = issue_certificate(user_id=learner.pk, course_id=built.course.pk)
    return certificate


def command(*args: str) -> str:
    out = StringIO()
    call_command("certificate_key", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def public_url(settings: Any) -> str:
    settings.PUBLIC_API_URL = "https://api.gigsy.example"
    return settings.PUBLIC_API_URL


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory(email="ops@example.com", is_staff=True)


# --- key rotation ------------------------------------------------------------------------------


def test_credentials_signed_before_a_rotation_verify_against_the_published_jwks(
    settings, public_url, built, instructor, learner, api
):
    verify_instructor(instructor)  # the platform signs badges of verified instructors' courses
    settings.CERTIFICATE_SIGNING_KEY = pem()
    settings.CERTIFICATE_KEY_ID = "certificates-1"
    settings.CERTIFICATE_RETIRED_JWKS = []
    certificate = certificate_for(learner, built)
    me = client_for(learner)
    old_token = me.get(f"{CERTIFICATES}/{certificate.pk}/badge").json()["jwt"]
    # Before switching keys, the operator saves the current key's public JWK.
    old_jwk = json.loads(command("public-jwk"))

    settings.CERTIFICATE_SIGNING_KEY = pem("RS256")
    settings.CERTIFICATE_KEY_ID = "certificates-2"
    settings.CERTIFICATE_RETIRED_JWKS = [old_jwk]
    jwks = api.get(JWKS).json()
    new_badge = me.get(f"{CERTIFICATES}/{certificate.pk}/badge").json()

    kids = [k["kid"] for k in jwks["keys"]]
    assert kids == [f"{public_url}{JWKS}#certificates-2", f"{public_url}{JWKS}#certificates-1"]
    assert [k["alg"] for k in jwks["keys"]] == ["RS256", "EdDSA"]
    assert all("d" not in k for k in jwks["keys"])
    assert jwt.get_unverified_header(old_token)["kid"] == kids[1]
    assert jwt.get_unverified_header(new_badge["jwt"])["kid"] == kids[0]
    assert verify_credential(old_token, jwks, issuer=public_url)["id"] == (
        f"{public_url}{CERTIFICATES}/verify/{certificate.verify_code}"
    )
    assert verify_credential(new_badge["jwt"], jwks)["id"] == new_badge["credential"]["id"]

    # Once the retired key is dropped from the JWKS, its credentials no longer verify.
    settings.CERTIFICATE_RETIRED_JWKS = []
    with pytest.raises(CredentialVerificationError, match="unknown key id"):
        verify_credential(old_token, api.get(JWKS).json())


def test_generate_prints_a_usable_private_key(tmp_path):
    for algorithm, kty in (("EdDSA", "OKP"), ("RS256", "RSA")):
        printed = command("generate", "--alg", algorithm)

        assert printed.startswith("-----BEGIN PRIVATE KEY-----")
        key = load_signing_key(printed, fallback_path=tmp_path / "unused.pem")
        assert public_jwk(key, "k")["kty"] == kty
    one_line = command("generate", "--one-line").strip()
    assert "\n" not in one_line
    assert load_signing_key(one_line, fallback_path=tmp_path / "unused.pem")
    assert not (tmp_path / "unused.pem").exists()
    assert command("generate") != command("generate")


def test_public_jwk_prints_the_current_key_under_its_kid(settings, public_url):
    private = pem("RS256")
    settings.CERTIFICATE_SIGNING_KEY = private
    settings.CERTIFICATE_KEY_ID = "certificates-7"
    key = load_signing_key(private, fallback_path=settings.VAR_DIR / "unused.pem")

    printed = json.loads(command("public-jwk"))

    assert printed == public_jwk(key, f"{public_url}{JWKS}#certificates-7")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(printed)
    named = json.loads(command("public-jwk", "--kid", "certificates-6"))
    assert named["kid"] == f"{public_url}{JWKS}#certificates-6"
    verbatim = json.loads(command("public-jwk", "--kid", "https://old.example/jwks.json#k1"))
    assert verbatim["kid"] == "https://old.example/jwks.json#k1"
    with pytest.raises(CommandError):
        command("public-jwk", "--kid", " ")


# --- the revocation list -----------------------------------------------------------------------


def test_revocation_list_names_revoked_certificates_only_and_needs_no_login(
    public_url, built, learner, other_learner, operator
):
    valid = certificate_for(learner, built)
    revoked = revoke_certificate(
        certificate=certificate_for(other_learner, built), by=operator, reason="plagiarism"
    )

    response = APIClient().get(REVOCATIONS)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "id": f"{public_url}{REVOCATIONS}",
        "issuer": public_url,
        "revokedCredentials": [
            {
                "id": f"{public_url}{CERTIFICATES}/verify/{revoked.verify_code}",
                "revoked": True,
                "revokedAt": revoked.revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
    }
    assert valid.verify_code not in response.content.decode()
    assert "plagiarism" not in response.content.decode()  # the reason stays internal


def test_revocation_list_is_cacheable_and_revalidates_with_its_etag(
    built, learner, other_learner, operator, api
):
    certificate_for(learner, built)
    empty = api.get(REVOCATIONS)
    assert empty.json()["revokedCredentials"] == []
    cache_control = {part.strip() for part in empty["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=300"}
    assert "Accept" in empty["Vary"]
    etag = empty["ETag"]

    unchanged = api.get(REVOCATIONS, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == etag
    assert "max-age=300" in unchanged["Cache-Control"]

    revoke_certificate(
        certificate=certificate_for(other_learner, built), by=operator, reason="fraud"
    )
    changed = api.get(REVOCATIONS, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert len(changed.json()["revokedCredentials"]) == 1


@pytest.mark.parametrize("ask", ["accept", "query"])
def test_signed_revocation_list_verifies_with_the_published_jwks(
    settings, public_url, built, learner, operator, api, ask
):
    settings.CERTIFICATE_SIGNING_KEY = pem()
    revoked = revoke_certificate(
        certificate=certificate_for(learner, built), by=operator, reason="error"
    )

    if ask == "accept":
        response = api.get(REVOCATIONS, HTTP_ACCEPT="application/jwt")
    else:
        response = api.get(REVOCATIONS, {"format": "jwt"})

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/jwt"
    assert "max-age=300" in response["Cache-Control"]
    document = verify_revocation_list(response.content.decode(), api.get(JWKS).json())
    assert document == api.get(REVOCATIONS).json()
    assert [entry["id"] for entry in document["revokedCredentials"]] == [
        f"{public_url}{CERTIFICATES}/verify/{revoked.verify_code}"
    ]


def test_badge_points_at_the_revocation_list(public_url, built, instructor, learner):
    verify_instructor(instructor)
    certificate = certificate_for(learner, built)

    credential = (
        client_for(learner).get(f"{CERTIFICATES}/{certificate.pk}/badge").json()["credential"]
    )

    assert credential["credentialStatus"] == {
        "id": f"{public_url}{REVOCATIONS}",
        "type": "1EdTechRevocationList",
    }
    assert APIClient().get(REVOCATIONS).json()["id"] == credential["credentialStatus"]["id"]


def test_errors_stay_json_envelopes_when_the_signed_list_is_asked_for(throttle_rates, api):
    throttle_rates(anon="1/min")
    assert api.get(REVOCATIONS, HTTP_ACCEPT="application/jwt").status_code == 200

    throttled = api.get(REVOCATIONS, HTTP_ACCEPT="application/jwt")

    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/json"
    assert throttled.json()["error"]["code"]


def test_the_list_is_the_platforms_and_names_every_registered_sources_revocations(
    settings, monkeypatch, public_url, built, learner, operator, api
):
    """Gamification badges will register their own source; the public list then names both."""
    settings.CERTIFICATE_SIGNING_KEY = pem()
    monkeypatch.setattr(registry, "_sources", registry.revocation_sources())
    badge_revoked_at = timezone.now() - timedelta(days=1)
    badge_id = f"{public_url}/api/v1/gamification/awards/17"
    register_revocation_source(
        "gamification.badges",
        lambda: [RevokedCredential(credential_id=badge_id, revoked_at=badge_revoked_at)],
    )
    certificate = revoke_certificate(
        certificate=certificate_for(learner, built), by=operator, reason="error"
    )

    document = api.get(REVOCATIONS).json()
    signed = api.get(REVOCATIONS, HTTP_ACCEPT="application/jwt").content.decode()

    assert [entry["id"] for entry in document["revokedCredentials"]] == [
        badge_id,  # revoked first
        f"{public_url}{CERTIFICATES}/verify/{certificate.verify_code}",
    ]
    assert verify_revocation_list(signed, api.get(JWKS).json()) == document
    unregister_revocation_source("gamification.badges")
    assert [entry["id"] for entry in api.get(REVOCATIONS).json()["revokedCredentials"]] == [
        f"{public_url}{CERTIFICATES}/verify/{certificate.verify_code}"
    ]
