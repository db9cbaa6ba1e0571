"""Production refuses to start without somewhere to send mail (EMAIL_URL), and says so in its
logs when mail is deliberately kept on the machine (docs/decisions/0024)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest

from tests.platform.test_settings import PROD_PAYMENTS, ROOT, ed25519_pem

# What a process prints once its settings are loaded and its apps are ready.
START = (
    "import django; from django.conf import settings; django.setup(); "
    "print(json.dumps([settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, "
    "settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER]))"
)


@pytest.fixture(autouse=True)
def _no_local_env_file() -> None:
    # base.py reads ROOT/.env for anything the environment lacks: a developer's EMAIL_URL there
    # would hide the missing one.
    env_file = ROOT / ".env"
    if env_file.exists() and "EMAIL_URL" in env_file.read_text():
        pytest.skip(".env sets EMAIL_URL")


def start_prod(**env: str) -> subprocess.CompletedProcess:
    """Import the production settings and set up Django in a fresh process whose environment
    holds only what production requires (plus `env`)."""
    minimal = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_ENV": "prod",
        "DJANGO_SETTINGS_MODULE": "gigsy.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "CERTIFICATE_SIGNING_KEY": ed25519_pem(),
        **PROD_PAYMENTS,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import json; {START}"],
        cwd=ROOT,
        env={**minimal, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def parse(result: subprocess.CompletedProcess) -> tuple[list, list[dict]]:
    """What START printed (a JSON list) and the JSON log lines (objects), wherever the log
    handler writes them."""
    output = f"{result.stdout}\n{result.stderr}".splitlines()
    lines = [json.loads(line) for line in output if line.startswith(("[", "{"))]
    (printed,) = [line for line in lines if isinstance(line, list)]
    return printed, [line for line in lines if isinstance(line, dict)]


def test_prod_refuses_to_start_without_email_url() -> None:
    result = start_prod()

    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL must be set in production" in result.stderr


def test_prod_refuses_mail_kept_in_memory() -> None:
    result = start_prod(EMAIL_URL="memorymail://")

    assert result.returncode != 0
    assert "EMAIL_URL=memorymail:// keeps messages in a process's memory" in result.stderr


def test_prod_sends_through_the_smtp_server_of_email_url_without_a_warning() -> None:
    result = start_prod(EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.com:587")

    assert result.returncode == 0, result.stderr
    printed, _ = parse(result)
    assert printed == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        587,
        True,
        "mailer",
    ]
    assert "mail_not_delivered" not in result.stdout + result.stderr


def test_prod_accepts_console_mail_when_asked_and_logs_a_warning() -> None:
    result = start_prod(EMAIL_URL="consolemail://")

    assert result.returncode == 0, result.stderr
    printed, logs = parse(result)
    assert printed[0] == "django.core.mail.backends.console.EmailBackend"
    warnings = [line for line in logs if line["event"] == "mail_not_delivered"]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "warning"
    assert warnings[0]["email_backend"] == "django.core.mail.backends.console.EmailBackend"
