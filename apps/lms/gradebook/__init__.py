"""The instructor gradebook: an lms area (read-only) with its own API."""
