"""What the throw-away context holds about a user, for the data export (gigsy.privacy finds
`export_user` by name; a context may also define `deletion_blockers` and `forget_addresses`)."""

from typing import Any


def export_user(user_id: int) -> dict[str, Any]:
    """The pings you sent to the throw-away context.

    Anything after the first paragraph is not in the archive's README."""
    return {"pings": [], "user id": user_id}
