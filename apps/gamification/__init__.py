"""Bounded context `gamification` (schema `gamification`).

Owns: XP ledger, levels, badges, leaderboards, streaks.
"""
