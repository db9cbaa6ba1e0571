from django.apps import AppConfig


class GigsyConfig(AppConfig):
    """The shared kernel as an app: management commands and OpenAPI extensions."""

    name = "gigsy"
    verbose_name = "Gigsy platform"

    def ready(self) -> None:
        from gigsy.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
