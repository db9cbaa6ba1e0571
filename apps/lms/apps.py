from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "apps.lms"
    label = "lms"
    verbose_name = "Learning"
