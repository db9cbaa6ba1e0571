"""An environment-specific settings module that sets one of a context's settings itself."""

from tests.platform.settings_with_throwaway import *  # noqa: F403

THROWAWAY_GREETING = "set by the settings module"
