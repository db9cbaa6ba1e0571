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


__all__ = ["send_mail_after_commit"]
