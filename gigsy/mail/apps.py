import structlog
from django.apps import AppConfig
from django.conf import settings

# Backends that keep mail on this machine: fine in development, a misconfiguration in production
# unless meant (gigsy/settings/prod.py refuses an unset EMAIL_URL and memorymail://).
LOCAL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)


class MailConfig(AppConfig):
    """Outgoing email: one path for every context (gigsy/mail/__init__.py)."""

    name = "gigsy.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        # Every process says so at start, where operators read the logs.
        if settings.DJANGO_ENV == "prod" and settings.EMAIL_BACKEND in LOCAL_BACKENDS:
            structlog.get_logger("gigsy.mail").warning(
                "mail_not_delivered",
                email_backend=settings.EMAIL_BACKEND,
                detail="EMAIL_URL keeps messages on this machine: nobody receives them.",
            )
