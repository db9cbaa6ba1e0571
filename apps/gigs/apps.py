from django.apps import AppConfig


class GigsConfig(AppConfig):
    name = "apps.gigs"
    label = "gigs"
    verbose_name = "Gigs"
