"""Periodic review work: publishing reviews whose blind window passed."""
