"""Outgoing email: one path for every context.

`send_mail_after_commit(to=..., template=..., context=..., key=...)` renders
`<template>.subject.txt`, `<template>.txt` and `<template>.html` (found like any Django
template, e.g. apps/accounts/templates/accounts/password_reset.txt) and sends them through
Django's email framework from a Celery task queued after the caller's transaction commits.
The task retries on SMTP/network errors; `key` (unique per message) makes a redelivered task
send nothing (gigsy.mail.models.SentMail).

Where mail goes is `EMAIL_URL` (gigsy/settings/base.py): files under var/mail/ in
development, Django's in-memory outbox in tests, SMTP in production.
"""

from __future__ import annotations

from typing import Any


def send_mail_after_commit(*, to: str, template: str, context: dict[str, Any], key: str) -> None:
    # Imported here: this package is imported before apps are ready (settings, AppConfig).
    from gigsy.mail.tasks import send_mail_task
    from gigsy.tasks import enqueue_after_commit

    enqueue_after_commit(send_mail_task, key=key, to=to, template=template, context=context)


def forget_messages(*, key_prefix: str) -> int:
    """Delete the records of messages whose key starts with `key_prefix` (a deleted account's
    mail, docs/decisions/0022): a record holds no address or body, but a key may name what the
    message was about. Returns how many were deleted. A task still queued for one of them would
    find no record and send: callers erase only what no longer goes out."""
    from gigsy.mail.models import SentMail

    if not key_prefix:
        raise ValueError("a key prefix is required: an empty one would forget every message")
    deleted, _ = SentMail.objects.filter(key__startswith=key_prefix).delete()
    return deleted


__all__ = ["forget_messages", "send_mail_after_commit"]
