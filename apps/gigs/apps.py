import structlog
from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A secret with one of these in it is a placeholder (the sandbox's development default says
# "development-only"), as gigsy/settings/prod.py judges SECRET_KEY.
_PLACEHOLDER_MARKERS = ("development", "change-me", "changeme", "test-only")


def _placeholder(secret: str) -> bool:
    return any(marker in secret.lower() for marker in _PLACEHOLDER_MARKERS)


def check_payment_settings() -> None:
    """Refuse to start with an unknown payment provider, and production with one that is not
    safely configured (as gigsy/settings/prod.py refuses weak secrets): a sandbox secret from
    the source would let anyone sign a "payment", and Stripe without its keys takes none."""
    provider = settings.PAYMENTS_PROVIDER
    if provider not in ("sandbox", "stripe"):
        raise ImproperlyConfigured(
            f"PAYMENTS_PROVIDER must be sandbox or stripe, not {provider!r}."
        )
    if settings.DJANGO_ENV != "prod":
        return
    if provider == "stripe":
        key, webhook_secret = settings.STRIPE_API_KEY, settings.STRIPE_WEBHOOK_SECRET
        if (
            not key
            or not webhook_secret.startswith("whsec_")
            or _placeholder(key)
            or _placeholder(webhook_secret)
        ):
            raise ImproperlyConfigured(
                "PAYMENTS_PROVIDER=stripe needs STRIPE_API_KEY (sk_... or rk_...) and "
                "STRIPE_WEBHOOK_SECRET (whsec_..., the webhook endpoint's signing secret), not "
                "placeholders."
            )
        return
    secret = settings.SANDBOX_WEBHOOK_SECRET
    if len(secret) < 32 or _placeholder(secret):
        raise ImproperlyConfigured(
            "PAYMENTS_PROVIDER=sandbox in production needs SANDBOX_WEBHOOK_SECRET set to a random "
            "value of 32+ characters (python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            "); a deployment that takes real money sets PAYMENTS_PROVIDER=stripe."
        )
    # Accepted on purpose (a staging box), and said at every start where operators read logs.
    structlog.get_logger("apps.gigs.payments").warning(
        "payments_sandbox",
        detail="PAYMENTS_PROVIDER=sandbox: no real money moves; anyone can confirm a payment.",
    )


class GigsConfig(AppConfig):
    name = "apps.gigs"
    label = "gigs"
    verbose_name = "Gigs"

    def ready(self) -> None:
        check_payment_settings()
        # Payment-intake listeners register themselves when their service is imported: here,
        # so a webhook finds them in every process (web, worker), whatever was imported before.
        # escrow: a milestone's payment succeeded or failed; money: a payout was paid or failed.
        from apps.gigs.services import escrow, money  # noqa: F401
