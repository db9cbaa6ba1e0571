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
    },
}
