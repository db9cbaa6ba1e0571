from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib import admin

        from apps.accounts.api.admin_login import ThrottledAdminLoginForm

        # /admin/login/ spends the API login's per-account and per-address budgets.
        admin.site.login_form = ThrottledAdminLoginForm
