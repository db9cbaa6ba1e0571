"""certificate.issued / certificate.revoked -> the held-credential read model."""
