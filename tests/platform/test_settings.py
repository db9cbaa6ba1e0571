"""Production settings refuse weak secrets and pass Django's deployment checklist."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Production refuses to start without somewhere to send mail (tests/platform/test_prod_mail.py).
PROD_EMAIL_URL = "smtp+tls://mailer:s3cret@smtp.example.com:587"
# ...nor without a safely configured payment provider (apps/gigs/apps.py): placeholders that
# pass the check; nothing here calls Stripe.
PROD_PAYMENTS = {
    "PAYMENTS_PROVIDER": "stripe",
    "STRIPE_API_KEY": "sk_live_placeholder",
    "STRIPE_WEBHOOK_SECRET": "whsec_placeholder",
}


def ed25519_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **PROD_PAYMENTS, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "key",
    [None, "short", "django-insecure-" + "x" * 60, "a" * 64],
    ids=["missing", "short", "insecure-prefix", "one-character"],
)
def test_prod_refuses_to_start_without_a_real_secret_key(key):
    env = {"DJANGO_ENV": "prod"}
    if key is not None:
        env["SECRET_KEY"] = key

    result = manage("check", **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_prod_passes_the_deployment_checklist_without_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="api.gigsy.example",
        CERTIFICATE_SIGNING_KEY=ed25519_pem(),
        EMAIL_URL=PROD_EMAIL_URL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_prod_refuses_a_weak_jwt_signing_key():
    result = manage(
        "check", DJANGO_ENV="prod", SECRET_KEY=secrets.token_urlsafe(64), JWT_SIGNING_KEY="short"
    )
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY is too weak" in result.stderr


def test_prod_refuses_to_start_without_a_certificate_signing_key():
    result = manage("check", DJANGO_ENV="prod", SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "CERTIFICATE_SIGNING_KEY" in result.stderr


def test_unknown_environment_is_refused():
    result = manage("check", DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV must be one of" in result.stderr


def ed25519_jwk(kid: str, *, private: bool = False) -> str:
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from jwt.algorithms import OKPAlgorithm

    key = Ed25519PrivateKey.generate()
    jwk = OKPAlgorithm.to_jwk(key if private else key.public_key(), as_dict=True)
    return json.dumps([{**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"}])


def prod_check(**env: str) -> subprocess.CompletedProcess:
    return manage(
        "check",
        DJANGO_ENV="prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        CERTIFICATE_SIGNING_KEY=ed25519_pem(),
        CERTIFICATE_KEY_ID="certificates-2",
        EMAIL_URL=PROD_EMAIL_URL,
        **env,
    )


def test_prod_accepts_retired_public_jwks():
    result = prod_check(
        CERTIFICATE_RETIRED_JWKS=ed25519_jwk("https://api.gigsy.example/jwks.json#certificates-1")
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prod_refuses_a_retired_jwk_with_private_parts():
    import json

    retired = ed25519_jwk("certificates-1", private=True)
    result = prod_check(CERTIFICATE_RETIRED_JWKS=retired)
    assert result.returncode != 0
    assert "CERTIFICATE_RETIRED_JWKS[0]" in result.stderr
    assert "private key material (d)" in result.stderr
    assert json.loads(retired)[0]["d"] not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "kid", ["certificates-2", "https://api.gigsy.example/jwks.json#certificates-2"]
)
def test_prod_refuses_a_retired_jwk_that_reuses_the_current_kid(kid):
    result = prod_check(CERTIFICATE_RETIRED_JWKS=ed25519_jwk(kid))
    assert result.returncode != 0
    assert "reuses the current CERTIFICATE_KEY_ID 'certificates-2'" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "is not valid JSON"),
        ('{"keys": []}', "must be a JSON list"),
        ('[{"kty": "OKP"}]', "non-empty string kid"),
        ('[{"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "kid": "old"}]', "not an Ed25519"),
    ],
    ids=["not-json", "not-a-list", "no-kid", "not-a-key"],
)
def test_prod_refuses_malformed_retired_jwks(value, message):
    result = prod_check(CERTIFICATE_RETIRED_JWKS=value)
    assert result.returncode != 0
    assert message in result.stderr
