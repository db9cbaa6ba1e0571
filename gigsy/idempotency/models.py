"""Requests already answered, by idempotency key (schema `idempotency`, docs/decisions/0030)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RecordState(models.TextChoices):
    IN_PROGRESS = "in_progress", "in progress"
    COMPLETED = "completed", "completed"


class IdempotencyRecord(models.Model):
    """One key of one caller: the request it was first sent with and, once answered, the answer.

    `method`, `path` and `fingerprint` (sha256 of the canonical JSON body) identify the request
    the key belongs to; a retry must match all three. `route` (the URL pattern, or the operation
    of an operator form) is for people reading the table. The answer (status, JSON body, the
    headers a client acts on) is replayed to every retry until the key expires."""

    id = models.BigAutoField(primary_key=True)
    scope = models.CharField(max_length=64)  # whose key: "user:<id>"
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=16)
    path = models.TextField()
    route = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(
        max_length=16, choices=RecordState.choices, default=RecordState.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the current attempt began: a takeover of a stale attempt moves it (created_at stays).
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"idempotency"."record"'
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key"], name="idempotency_record_scope_key_uniq"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_record_created")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
