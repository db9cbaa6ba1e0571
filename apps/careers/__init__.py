"""Bounded context `careers` (schema `careers`).

Owns: profiles, skills, portfolio items, mentorship.
"""
