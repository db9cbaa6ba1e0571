"""Verifiable credentials issued by the platform (shared kernel; imports no app).

One issuer, one signing key (plus retired ones), one JWKS and one revocation list for every
context that issues credentials: lms certificates today, gamification badges later. Contexts
describe an achievement credential for a subject (`open_badges.AchievementFacts`); this package
builds and signs it. It knows nothing of courses or badges.

    keys             signing keys: load, generate, public JWK(S) (pure)
    jose             compact JWS signing and verification against a JWKS (pure)
    open_badges      the Open Badges 3.0 credential and its VC-JWT form (pure)
    revocation_list  the 1EdTech Revocation List document and its signed form (pure)
    registry         where contexts register the revoked credentials they know of
    issuer           the platform as issuer: key and kid from settings, the JWKS, signing,
                     the platform-wide revocation list

Settings keep their historical names: CERTIFICATE_SIGNING_KEY, CERTIFICATE_KEY_ID,
CERTIFICATE_RETIRED_JWKS, CERTIFICATE_ISSUER_NAME (docs/decisions/0011).
"""
