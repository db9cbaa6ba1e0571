"""How far a learner got, as one number the learner page and the gradebook agree on."""


def percent(*, achieved: int, total: int) -> int:
    """Whole percent of required items done, rounded down; nothing required counts as done."""
    return 100 if total == 0 else int(100 * achieved / total)
