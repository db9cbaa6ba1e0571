"""A message rendered from `<template>.subject.txt`, `<template>.txt` and `<template>.html`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_message(*, to: str, template: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    # A subject is one line: templates may end with a newline or wrap long text.
    subject = " ".join(render_to_string(f"{template}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
