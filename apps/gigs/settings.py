"""The gig marketplace's settings: defaults read from the environment, merged into
django.conf.settings at start-up (gigsy/contexts.py)."""

from __future__ import annotations

import environ

env = environ.Env()

# A submitted milestone the client neither approves nor sends back is approved this many days
# after its submission (Upwork's 14 days); the sweep runs every GIGS_AUTO_APPROVE_SWEEP_SECONDS.
GIGS_AUTO_APPROVE_DAYS = env.int("GIGS_AUTO_APPROVE_DAYS", default=14)
GIGS_AUTO_APPROVE_SWEEP_SECONDS = env.float("GIGS_AUTO_APPROVE_SWEEP_SECONDS", default=300.0)
# Reviews stay hidden until both parties reviewed or this many days passed since the contract
# ended (double-blind); a review can be written only within the window.
GIGS_REVIEW_WINDOW_DAYS = env.int("GIGS_REVIEW_WINDOW_DAYS", default=14)
# Released money stays pending this many days before a payout may take it (the window in which a
# chargeback or an operator's correction can still reach it); beat clears it hourly
# (apps/gigs/ledger/clearing.py).
GIGS_CLEARING_DAYS = env.int("GIGS_CLEARING_DAYS", default=5)
# The platform's fee on every release, a percentage of the amount released (a decimal string:
# "10", "7.5"), rounded half-up to the minor unit (apps/gigs/rules/money.py).
GIGS_PLATFORM_FEE_PERCENT = env.str("GIGS_PLATFORM_FEE_PERCENT", default="10")
# Currencies a gig may be priced in (ISO 4217).
GIGS_CURRENCIES = env.list("GIGS_CURRENCIES", default=["USD", "EUR", "GBP", "INR", "NGN", "KES"])
# The longest an hourly contract may run, in weekly milestones.
GIGS_MAX_WEEKS = env.int("GIGS_MAX_WEEKS", default=26)
# Browse pages (GET /api/v1/gigs) are cached this long; any gig change retires them at once,
# names and ratings may lag by this much (apps/gigs/catalog_cache.py). 0 turns the cache off.
GIGS_BROWSE_CACHE_SECONDS = env.int("GIGS_BROWSE_CACHE_SECONDS", default=60)

# Payments (apps/gigs/payments/, docs/decisions/0031): which provider takes the money. `sandbox`
# (development and tests) confirms payments through its own endpoint and signs its webhooks with
# SANDBOX_WEBHOOK_SECRET; `stripe` uses the Stripe API with the keys below.
PAYMENTS_PROVIDER = env.str("PAYMENTS_PROVIDER", default="sandbox")
# The development default is public: production refuses it while the sandbox is the provider
# (apps/gigs/apps.py).
SANDBOX_WEBHOOK_SECRET = env.str(
    "SANDBOX_WEBHOOK_SECRET", default="sandbox-webhook-secret-for-development-only"
)
# fnmatch patterns of payment, refund and payout references the sandbox fails ("fund:13:*").
SANDBOX_FAIL_REFERENCES = env.list("SANDBOX_FAIL_REFERENCES", default=[])
STRIPE_API_KEY = env.str("STRIPE_API_KEY", default="")
# The signing secret of the webhook endpoint (whsec_...), from the Stripe dashboard or CLI.
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Payouts as Stripe Connect transfers to the freelancer's connected account; off, Stripe takes
# payments and refunds only and payouts are refused.
STRIPE_CONNECT = env.bool("STRIPE_CONNECT", default=False)

CELERY_BEAT_SCHEDULE = {
    "gigs.auto_approve_milestones": {
        "task": "gigs.auto_approve_milestones",
        "schedule": GIGS_AUTO_APPROVE_SWEEP_SECONDS,
        "options": {"expires": GIGS_AUTO_APPROVE_SWEEP_SECONDS},
    },
    "gigs.publish_due_reviews": {
        "task": "gigs.publish_due_reviews",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    "gigs.clear_pending_funds": {
        "task": "gigs.clear_pending_funds",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
}

# Choice sets that share a field name get explicit OpenAPI component names.
SPECTACULAR_SETTINGS = {
    "ENUM_NAME_OVERRIDES": {
        "GigStatusEnum": "apps.gigs.models.GigStatus",
        "ApplicationStatusEnum": "apps.gigs.models.ApplicationStatus",
        "ContractStatusEnum": "apps.gigs.models.ContractStatus",
        "MilestoneStatusEnum": "apps.gigs.models.MilestoneStatus",
        "MoneyStatusEnum": "apps.gigs.models.MoneyStatus",
        "PricingEnum": "apps.gigs.models.Pricing",
        "ReportReasonEnum": "apps.gigs.models.ReportReason",
        "ReportStatusEnum": "apps.gigs.models.ReportStatus",
        "ReviewDirectionEnum": "apps.gigs.models.ReviewDirection",
        "ContractPartyEnum": "apps.gigs.rules.work.Party",
        "DisputeStatusEnum": "apps.gigs.models.DisputeStatus",
        "PaymentStatusEnum": "apps.gigs.models.PaymentStatus",
        "WebhookResultEnum": "apps.gigs.api.payment_serializers.WEBHOOK_RESULTS",
        "SandboxOutcomeEnum": "apps.gigs.api.payment_serializers.SANDBOX_OUTCOMES",
    },
}
