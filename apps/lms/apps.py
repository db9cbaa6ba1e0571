from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "apps.lms"
    label = "lms"
    verbose_name = "Learning"

    def ready(self) -> None:
        from apps.lms import signals  # noqa: F401  (registers the receivers)
        from apps.lms.certificates.selectors import revoked_credentials
        from gigsy.credentials.registry import register_revocation_source

        # Revoked certificates join the platform's one revocation list (the kernel imports no app).
        register_revocation_source("lms.certificates", revoked_credentials)
