"""Error codes the accounts context answers with (the JWT layer's own codes are the kernel's)."""

from enum import StrEnum

from gigsy.errors import error_codes


@error_codes
class AccountsError(StrEnum):
    EMAIL_TAKEN = "email_taken"
    NO_ACTIVE_ACCOUNT = "no_active_account"
