"""`manage.py check --deploy` on the production settings has teeth: the suite's passing run
(tests/platform/test_settings.py) would fail if a deployment weakened what it checks."""

from __future__ import annotations

import secrets

import pytest

from tests.platform.test_settings import PROD_EMAIL_URL, ed25519_pem, manage


def deploy_check(**env: str):
    return manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="api.gigsy.example",
        CERTIFICATE_SIGNING_KEY=ed25519_pem(),
        EMAIL_URL=PROD_EMAIL_URL,
        **env,
    )


@pytest.mark.parametrize(
    ("env", "warning"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
    ],
    ids=["no-hsts", "no-https-redirect"],
)
def test_a_weakened_deployment_fails_the_check(env, warning):
    result = deploy_check(**env)

    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_the_compose_environment_passes_the_check():
    """The variables docker-compose.prod.yml sets on top of the required ones."""
    result = deploy_check(
        NUM_PROXIES="1",
        LOG_FORMAT="json",
        PUBLIC_API_URL="https://api.gigsy.example",
        DEFAULT_FROM_EMAIL="Gigsy <no-reply@gigsy.example>",
        PUBLIC_APP_URL="https://app.gigsy.example",
        CORS_ALLOWED_ORIGINS="https://app.gigsy.example",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout
