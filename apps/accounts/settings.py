"""Accounts' settings: defaults read from the environment, merged into django.conf.settings at
start-up (gigsy/contexts.py). The environment-specific settings modules may still set any of them.
"""

from __future__ import annotations

import environ

env = environ.Env()

# Rates of accounts' throttle scopes (apps/accounts/api/throttling.py), added to the kernel's.
REST_FRAMEWORK = {
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env.str("THROTTLE_LOGIN_IP", default="30/min"),
        "login_account": env.str("THROTTLE_LOGIN_ACCOUNT", default="10/min"),
        "register": env.str("THROTTLE_REGISTER", default="20/hour"),
        # Verification links resent (and email changes asked for), per account.
        "email_verification": env.str("THROTTLE_EMAIL_VERIFICATION", default="5/hour"),
        # Data exports asked for, per account (each one collects everything from every context).
        "data_export": env.str("THROTTLE_DATA_EXPORT", default="3/day"),
    },
}

# How long a data export's archive, and the link mailed for it, can be downloaded (then the
# beat sweep below deletes the archive): docs/decisions/0022.
DATA_EXPORT_LINK_HOURS = env.int("DATA_EXPORT_LINK_HOURS", default=24)

# Periodic work: added to the kernel's CELERY_BEAT_SCHEDULE.
CELERY_BEAT_SCHEDULE = {
    # Deletes expired export archives; re-queues exports whose task was lost, fails stuck ones.
    "accounts.sweep_data_exports": {
        "task": "accounts.sweep_data_exports",
        "schedule": 600.0,
        "options": {"expires": 600.0},
    },
}

# How long an emailed verification link works (sign-up, resend, email change): 3 days.
EMAIL_VERIFICATION_TIMEOUT_SECONDS = env.int("EMAIL_VERIFICATION_TIMEOUT_SECONDS", default=259200)

# `role` (sign-up) and `roles` (held) share one choice set: one OpenAPI component for both.
SPECTACULAR_SETTINGS = {
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "apps.accounts.models.Role",
        "DataExportStatusEnum": "apps.accounts.models.DataExportStatus",
    }
}
