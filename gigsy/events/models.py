"""Outbox, inbox and dead letters of the event bus (schema `events`)."""

from __future__ import annotations

from django.db import models


class OutboxEvent(models.Model):
    """An event committed with the producer's transaction, waiting for the relay."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True)
    event_type = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    payload = models.BinaryField()
    correlation_id = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        db_table = '"events"."outbox"'
        indexes = [
            # The relay's hot query: unsent rows in commit order.
            models.Index(
                fields=["id"],
                name="events_outbox_unsent_idx",
                condition=models.Q(sent_at__isnull=True),
            ),
            models.Index(fields=["sent_at"], name="events_outbox_sent_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class InboxEntry(models.Model):
    """(consumer, event) pairs already handled: written in the handler's transaction."""

    id = models.BigAutoField(primary_key=True)
    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = '"events"."inbox"'
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="events_inbox_once"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} {self.event_id}"


class DeadLetter(models.Model):
    """An event a consumer gave up on after its last allowed delivery."""

    id = models.BigAutoField(primary_key=True)
    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    error = models.TextField()
    deliveries = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replay_error = models.TextField(blank=True, default="")

    class Meta:
        db_table = '"events"."dead_letter"'
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "event_id"], name="events_dead_letter_once"
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_type} {self.event_id}"
