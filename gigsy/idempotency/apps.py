from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    """Idempotency keys: a request runs once per key (gigsy/idempotency/__init__.py)."""

    name = "gigsy.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"
