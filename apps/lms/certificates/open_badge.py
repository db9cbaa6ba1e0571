"""A certificate as a signed Open Badges 3.0 credential from the platform (gigsy.credentials)."""

from __future__ import annotations

from apps.lms.certificates.facts import achievement_of, facts_of
from apps.lms.errors import LmsError
from apps.lms.models import Certificate
from gigsy.credentials import issuer
from gigsy.credentials.issuer import SignedCredential
from gigsy.errors import ConflictError


def signed_open_badge(certificate: Certificate) -> SignedCredential:
    """Signed when asked (with the current key), never stored. Only a certificate the platform
    issued (its course's creator was a verified instructor when it was issued) is signed: any
    other is a `ConflictError` `issuer_not_verified` (docs/decisions/0011). Raises
    `RevokedCredentialError` for a revoked certificate."""
    facts = facts_of(certificate)
    if not facts.issued_by_platform:
        raise ConflictError(
            f"This certificate was issued by the instructor {facts.creator_name or '(unknown)'}, "
            f"not by {issuer.issuer_name()}: {issuer.issuer_name()} had not verified the "
            "instructor when it was issued, so it signs no Open Badge for it. The certificate "
            "and its verification page stay valid.",
            code=LmsError.ISSUER_NOT_VERIFIED,
        )
    return issuer.issue_open_badge(achievement_of(facts, issuer_name=issuer.issuer_name()))
