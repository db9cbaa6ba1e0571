"""Operator screens: the ledger (read-only), money audit records."""
