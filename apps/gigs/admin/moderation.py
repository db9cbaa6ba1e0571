"""Operator screens: moderation."""
