"""Settings package: `gigsy.settings.<DJANGO_ENV>` (dev, test or prod) is the module to load.

Entry points call `gigsy.settings.select()` to point DJANGO_SETTINGS_MODULE at it.
"""

import os

ENVIRONMENTS = ("dev", "test", "prod")


def select() -> str:
    env = os.environ.get("DJANGO_ENV", "dev")
    if env not in ENVIRONMENTS:
        raise SystemExit(f"DJANGO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"gigsy.settings.{env}")
    return os.environ["DJANGO_SETTINGS_MODULE"]
