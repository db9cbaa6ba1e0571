"""Bounded context `gigs` (schema `gigs`).

Owns: gig postings, applications, contracts, milestones, escrow ledger, reviews, disputes.
"""
