"""Operator screens: contracts."""
