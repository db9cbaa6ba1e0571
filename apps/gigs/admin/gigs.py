"""Operator screens: gigs."""
