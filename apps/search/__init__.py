"""Bounded context `search` (schema `search`).

Owns: embeddings, vector and keyword indexes, hybrid search, recommendations.
"""
