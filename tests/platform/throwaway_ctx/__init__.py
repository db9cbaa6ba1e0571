"""A throw-away bounded context that lives outside apps/: tests/platform/test_context_kit.py
installs it (one INSTALLED_APPS line in tests/platform/settings_with_throwaway.py) to prove that
a context registers URLs, settings, beat entries, events, handlers, WebSocket routes and seeds
without any edit to gigsy/."""
