"""Operator screens: applications."""
