"""The Celery task that sends one message, at most once per idempotency key."""

from __future__ import annotations

import smtplib
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from gigsy.mail.models import SentMail
from gigsy.mail.rendering import render_message

SEND_TASK = "mail.send"


@shared_task(
    name=SEND_TASK,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_mail_task(*, key: str, to: str, template: str, context: dict[str, Any]) -> bool:
    """Send the message unless its key was sent already. The key's row is locked while the
    message goes out and marked sent in the same transaction, so a redelivery (a second
    worker, a retry after a lost ack) waits and then finds it sent. True if sent now."""
    with transaction.atomic():
        SentMail.objects.bulk_create([SentMail(key=key, template=template)], ignore_conflicts=True)
        record = SentMail.objects.select_for_update().get(key=key)
        if record.sent_at is not None:
            return False
        render_message(to=to, template=template, context=context).send()
        record.sent_at = timezone.now()
        record.save(update_fields=["sent_at"])
    return True
