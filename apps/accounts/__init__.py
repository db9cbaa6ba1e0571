"""Bounded context `accounts`: users, roles, JWT auth. Schema `accounts`."""
