"""Operator screens, one module per area; importing them registers them with the admin site."""
