"""A certificate as a signed Open Badges 3.0 credential from the platform (gigsy.credentials)."""

from __future__ import annotations

from apps.lms.certificates.facts import achievement_of, facts_of
from apps.lms.models import Certificate
from gigsy.credentials import issuer
from gigsy.credentials.issuer import SignedCredential


def signed_open_badge(certificate: Certificate) -> SignedCredential:
    """Signed when asked (with the current key), never stored. Raises `RevokedCredentialError`
    for a revoked certificate."""
    facts = achievement_of(facts_of(certificate), issuer_name=issuer.issuer_name())
    return issuer.issue_open_badge(facts)
