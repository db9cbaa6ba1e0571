from django.apps import AppConfig


class GigsyConfig(AppConfig):
    """The shared kernel as an app: management commands and OpenAPI extensions."""

    name = "gigsy"
    verbose_name = "Gigsy platform"

    def ready(self) -> None:
        # First app in INSTALLED_APPS, so contexts' settings exist before any other ready() runs.
        from gigsy.contexts import apply_settings_defaults

        apply_settings_defaults()
        from gigsy.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
