"""Periodic milestone work: auto-approval of submitted milestones."""
