"""user.deleted -> erase or pseudonymize what gigs holds about the person."""
