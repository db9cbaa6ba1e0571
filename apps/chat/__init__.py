"""Bounded context `chat` (schema `chat`).

Owns: conversations, messages (MongoDB), presence, notifications.
"""
