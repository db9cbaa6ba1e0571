"""Operator screens: disputes, resolved with a split and a written reason."""
