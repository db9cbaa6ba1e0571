"""Writes of the gig marketplace, one module per area: gigs (posting), applications,
contracts (milestones as work), reviews, moderation, credentials (the read model)."""
