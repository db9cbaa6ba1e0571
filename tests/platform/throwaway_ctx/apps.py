from django.apps import AppConfig


class ThrowawayConfig(AppConfig):
    name = "tests.platform.throwaway_ctx"
    label = "throwaway"
    verbose_name = "Throw-away context"
