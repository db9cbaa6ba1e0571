"""Mail end to end with a real Celery worker (tests/mail/conftest.py): each flow commits, its
message goes through the Redis broker to a worker thread and lands in the test outbox, and the
emailed link finishes the flow. A redelivered send task sends nothing the second time."""

from __future__ import annotations

import re
import threading
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import User
from gigsy.mail.models import SentMail
from gigsy.mail.tasks import SEND_TASK, send_mail_task
from tests.conftest import obtain_tokens
from tests.factories import UserFactory
from tests.mail.conftest import MailWorker

pytestmark = pytest.mark.django_db(transaction=True)
AUTH = "/api/v1/auth"
PASSWORD = "a long enough passphrase 7"


def token_in(message: mail.EmailMessage, path: str) -> str:
    link = re.search(rf"http://app\.test{path}\?token=\S+", message.body)
    assert link is not None, message.body
    return parse_qs(urlparse(link.group(0)).query)["token"][0]


def signed_in(email: str, password: str = PASSWORD) -> tuple[APIClient, dict]:
    client = APIClient()
    tokens = obtain_tokens(client, email, password)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client, tokens


def sent_by_the_worker(worker: MailWorker, count: int) -> None:
    sends = [run for run in worker.runs if run.task == SEND_TASK and run.result is True]
    assert len(sends) >= count
    assert all(run.thread != threading.current_thread().name for run in sends)


def test_sign_up_mails_a_link_through_the_worker_and_the_link_verifies(
    api: APIClient, mail_worker: MailWorker, app_url: str
) -> None:
    response = api.post(
        f"{AUTH}/register",
        {
            "email": "grace@example.com",
            "password": PASSWORD,
            "display_name": "Grace",
            "role": "learner",
        },
        format="json",
    )
    assert response.status_code == 201, response.content

    (message,) = mail_worker.outbox(1)
    assert message.to == ["grace@example.com"]
    assert message.subject == "Verify your Gigsy email address"
    sent_by_the_worker(mail_worker, 1)
    verified = api.post(
        f"{AUTH}/email/verify", {"token": token_in(message, "/verify-email")}, format="json"
    )

    assert verified.status_code == 204
    me, _ = signed_in("grace@example.com")
    assert me.get(f"{AUTH}/me").json()["email_verified"] is True


def test_password_reset_mail_sets_a_new_password_and_ends_the_old_sessions(
    api: APIClient, mail_worker: MailWorker, app_url: str
) -> None:
    UserFactory(email="ada@example.com", password=PASSWORD)
    old, old_tokens = signed_in("ada@example.com")

    requested = api.post(f"{AUTH}/password/reset", {"email": "ada@example.com"}, format="json")
    assert requested.status_code == 202
    (message,) = mail_worker.outbox(1)
    assert message.to == ["ada@example.com"]
    sent_by_the_worker(mail_worker, 1)
    confirmed = api.post(
        f"{AUTH}/password/reset/confirm",
        {"token": token_in(message, "/reset-password"), "new_password": "a new passphrase 42"},
        format="json",
    )

    assert confirmed.status_code == 204
    assert old.get(f"{AUTH}/me").status_code == 401
    refreshed = api.post(f"{AUTH}/token/refresh", {"refresh": old_tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401
    signed_in("ada@example.com", "a new passphrase 42")


def test_an_email_change_mails_the_new_address_a_link_and_the_old_one_a_notice(
    mail_worker: MailWorker, app_url: str
) -> None:
    UserFactory(email="ada@example.com", password=PASSWORD)
    me, _ = signed_in("ada@example.com")

    asked = me.post(
        f"{AUTH}/email/change",
        {"new_email": "ada@new.example.com", "password": PASSWORD},
        format="json",
    )
    assert asked.status_code == 202
    messages = {tuple(m.to): m for m in mail_worker.outbox(2)}
    assert set(messages) == {("ada@new.example.com",), ("ada@example.com",)}
    notice = messages[("ada@example.com",)]
    assert "ada@new.example.com" in notice.body
    assert "token=" not in notice.body  # the old address gets no link
    sent_by_the_worker(mail_worker, 2)
    token = token_in(messages[("ada@new.example.com",)], "/verify-email")
    assert me.get(f"{AUTH}/me").json()["email"] == "ada@example.com"  # not before the link

    verified = APIClient().post(f"{AUTH}/email/verify", {"token": token}, format="json")

    assert verified.status_code == 204
    body = me.get(f"{AUTH}/me").json()
    assert (body["email"], body["pending_email"]) == ("ada@new.example.com", "")
    assert User.objects.get(email="ada@new.example.com").email_verified_at is not None


def test_a_redelivered_send_task_sends_one_message(mail_worker: MailWorker) -> None:
    """The broker hands the same message out again (a worker lost before its ack): the second
    run finds the key sent and sends nothing."""
    task_id = str(uuid.uuid4())
    kwargs = {
        "key": f"test.redelivery:{task_id}",
        "to": "ada@example.com",
        "template": "accounts/password_reset",
        "context": {"display_name": "Ada", "link": "http://app.test/r", "valid_minutes": 60},
    }

    send_mail_task.apply_async(kwargs=kwargs, task_id=task_id)
    send_mail_task.apply_async(kwargs=kwargs, task_id=task_id)

    first, second = mail_worker.runs_of(task_id, count=2)
    assert (first.result, second.result) == (True, False)
    (message,) = mail_worker.outbox(1)
    assert message.to == ["ada@example.com"]
    (record,) = SentMail.objects.filter(key=kwargs["key"])
    assert record.sent_at is not None
