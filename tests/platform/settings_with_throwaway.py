"""The test settings plus one context: what adding a context to INSTALLED_APPS looks like."""

from gigsy.settings.test import *  # noqa: F403
from gigsy.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.platform.throwaway_ctx.apps.ThrowawayConfig"]
