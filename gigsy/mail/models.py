"""Messages already sent, by idempotency key (schema `mail`): a redelivered task sends nothing."""

from __future__ import annotations

from django.db import models


class SentMail(models.Model):
    """One message a context asked for; `sent_at` is set in the step that sends it.

    Holds no body and no template context (a reset link is a credential): only what an
    operator needs to tell whether a message went out."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=200, unique=True)
    template = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"mail"."sent"'

    def __str__(self) -> str:
        return f"{self.template} {self.key}"
