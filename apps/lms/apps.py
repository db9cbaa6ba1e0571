from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "apps.lms"
    label = "lms"
    verbose_name = "Learning"

    def ready(self) -> None:
        from apps.lms import signals  # noqa: F401  (registers the receivers)
