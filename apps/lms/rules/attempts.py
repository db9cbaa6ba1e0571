"""When an open quiz attempt stops being answerable: one rule for the service that grades it,
the sweep that settles it and the screens that show it."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.lms.models import RevealAnswers

# Network and clock skew allowance on the time limit.
GRACE = timedelta(seconds=2)


def expired(*, deadline: datetime | None, now: datetime) -> bool:
    """An attempt with a deadline is expired once the deadline and the grace have passed."""
    return deadline is not None and now > deadline + GRACE


def answers_revealed(
    *, policy: str, passed: bool, attempts_left: int | None, answering: bool
) -> bool:
    """Whether a learner's reviews show the right answers and explanations (ADR 0018).

    `policy` is the quiz's `reveal_answers`; `passed`: the learner passed the quiz in any
    cycle; `attempts_left`: None when unlimited; `answering`: an attempt is open and not
    expired. With the default, answers show once they can no longer help: the learner passed,
    or has no attempt left and none open."""
    if policy == RevealAnswers.ALWAYS:
        return True
    if policy == RevealAnswers.NEVER:
        return False
    return passed or (attempts_left == 0 and not answering)
