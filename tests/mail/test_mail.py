"""One mail path: rendered from templates (subject, text, HTML), sent by a Celery task after
commit, at most once per idempotency key, retried when the mail server fails."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from gigsy.celery import app as celery_app
from gigsy.mail import send_mail_after_commit
from gigsy.mail.models import SentMail
from gigsy.mail.tasks import send_mail_task

pytestmark = pytest.mark.django_db
CONTEXT = {"display_name": "Ada <3", "link": "http://app.test/r?token=a&b", "valid_minutes": 60}
MESSAGE = {"to": "ada@example.com", "template": "accounts/password_reset", "context": CONTEXT}


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_message_is_rendered_as_text_and_html_with_a_one_line_subject(settings):
    settings.DEFAULT_FROM_EMAIL = "Gigsy <mail@gigsy.test>"
    assert send_mail_task.run(key="k1", **MESSAGE) is True

    (message,) = mail.outbox
    assert message.subject == "Reset your Gigsy password"
    assert message.to == ["ada@example.com"]
    assert message.from_email == "Gigsy <mail@gigsy.test>"
    # Plain text is not HTML-escaped; the HTML alternative is.
    assert "Hello Ada <3," in message.body
    assert "http://app.test/r?token=a&b" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "Ada &lt;3" in html
    assert 'href="http://app.test/r?token=a&amp;b"' in html


def test_a_redelivered_task_sends_nothing():
    assert send_mail_task.run(key="once", **MESSAGE) is True
    assert send_mail_task.run(key="once", **MESSAGE) is False

    assert len(mail.outbox) == 1
    record = SentMail.objects.get(key="once")
    assert record.sent_at is not None
    assert record.template == "accounts/password_reset"


def test_mail_is_sent_after_commit_and_never_for_a_rolled_back_transaction(
    eager, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_mail_after_commit(key="rolled-back", **MESSAGE)
        raise RuntimeError
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_mail_after_commit(key="committed", **MESSAGE)
        assert mail.outbox == []  # not before commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert SentMail.objects.filter(key="committed", sent_at__isnull=False).exists()


class FlakyBackend(BaseEmailBackend):
    failures_left = 0

    def send_messages(self, email_messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        mail.outbox.extend(email_messages)
        return len(email_messages)


def test_a_failing_mail_server_is_retried_and_the_message_goes_out_once(eager, settings):
    settings.EMAIL_BACKEND = "tests.mail.test_mail.FlakyBackend"
    FlakyBackend.failures_left = 2

    result = send_mail_task.apply(kwargs={"key": "flaky", **MESSAGE}, retries=0)
    # Eager retries run in place (countdown ignored): two failures, then the send.
    assert result.successful(), result.traceback
    assert FlakyBackend.failures_left == 0
    assert len(mail.outbox) == 1
    assert SentMail.objects.get(key="flaky").sent_at is not None
