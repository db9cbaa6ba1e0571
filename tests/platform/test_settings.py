"""Production settings refuse weak secrets and pass Django's deployment checklist."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
        env={**clean, **env},
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
