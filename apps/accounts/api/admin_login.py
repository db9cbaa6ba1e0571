"""The admin's login form, spending the API login's budgets (apps/accounts/api/throttling.py).

Without it /admin/login/ was an unthrottled password oracle beside a throttled API (the
security sweep: 25 wrong passwords in 15 s, then the right one signed in). Every submitted
form spends one attempt of the client address's budget and, when it names an account, one of
that account's budget, before the password is checked; over either, the admin's own form comes
back with the error (a 200 page, as for a wrong password) and the password is not checked at
all, so even the right one is refused until the window passes. Installed as the admin site's
`login_form` by AccountsConfig.ready().
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from apps.accounts.api.throttling import spend_login_attempt


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": (
            "Too many login attempts for this account or from this address. "
            "Try again in %(wait)s seconds."
        ),
    }

    def clean(self) -> dict[str, Any]:
        if self.request is not None:
            wait = spend_login_attempt(self.request, self.cleaned_data.get("username"))
            if wait is not None:
                # A form error on the admin's HTML page, not an API error code.
                raise ValidationError(
                    self.error_messages["throttled"], params={"wait": max(1, math.ceil(wait))}
                )
        return super().clean()
