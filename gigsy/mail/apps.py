from django.apps import AppConfig


class MailConfig(AppConfig):
    """Outgoing email: one path for every context (gigsy/mail/__init__.py)."""

    name = "gigsy.mail"
    label = "mail"
    verbose_name = "Mail"
