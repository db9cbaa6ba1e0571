"""Error codes the accounts context answers with (the JWT layer's own codes are the kernel's).

Each member says which statuses carry it, what it means and what a client should do
(gigsy.errors.DescribedCodes; docs/errors.md is generated from them)."""

from gigsy.errors import DescribedCodes, error_codes


@error_codes
class AccountsError(DescribedCodes):
    EMAIL_TAKEN = (
        "email_taken",
        409,
        "An account with this email exists (`fields.email` says so too).",
        "Offer to sign in, or to use another email.",
    )
    NO_ACTIVE_ACCOUNT = (
        "no_active_account",
        401,
        "Wrong email or password, or the account is deactivated (deliberately not told apart).",
        "Say the email or password is wrong; offer to try again.",
    )
    LAST_ROLE = (
        "last_role",
        409,
        "The role to remove is the account's only role: an account keeps at least one.",
        "Say another role must be added first.",
    )
    ROLE_NOT_HELD = (
        "role_not_held",
        404,
        "The account does not hold this role (nor has asked for it).",
        "Refresh the list of roles (`GET /api/v1/auth/me`).",
    )
    INVALID_RESET_TOKEN = (
        "invalid_reset_token",
        400,
        "The password reset link is malformed, forged, expired (PASSWORD_RESET_TIMEOUT_SECONDS), "
        "already used, or the password changed since it was sent.",
        "Say the link no longer works and offer to request a new one.",
    )
    INVALID_VERIFICATION_TOKEN = (
        "invalid_verification_token",
        400,
        "The email verification link is malformed, forged, expired "
        "(EMAIL_VERIFICATION_TIMEOUT_SECONDS), already used, or the address it was sent to is "
        "no longer the one waiting to be verified.",
        "Say the link no longer works; a signed-in user can ask for a new one "
        "(POST /api/v1/auth/email/verify/resend, or the email change again).",
    )
    EMAIL_ALREADY_VERIFIED = (
        "email_already_verified",
        409,
        "The account's email address is verified already: no link is sent.",
        "Refresh the user (`email_verified` in /auth/me) and drop the prompt to verify.",
    )
    EXPORT_IN_PROGRESS = (
        "export_in_progress",
        409,
        "A data export of this account is still being prepared: one at a time.",
        "Wait for the email with its link (or watch `GET /api/v1/auth/export`), then ask again "
        "if needed.",
    )
    OPERATOR_CANNOT_DELETE_SELF = (
        "operator_cannot_delete_self",
        403,
        "Operator (staff) accounts are not deleted through the API: another operator removes "
        "them in the admin.",
        "Hide the delete-account action for operators; ask another operator.",
    )
    DELETION_BLOCKED = (
        "deletion_blocked",
        409,
        "The account cannot be deleted yet: `details.blockers` lists why, each with the "
        "`context` it comes from, a `code` and a `message` (e.g. an open contract or money in "
        "escrow).",
        "Show the messages; the user settles each one first, then tries again.",
    )
