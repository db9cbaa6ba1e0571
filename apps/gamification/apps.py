from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "apps.gamification"
    label = "gamification"
    verbose_name = "Gamification"
