"""The money side of a milestone, pure (docs/decisions/0029): its transition table and when a
milestone is finished. The work side is rules/work.py; the two meet in services.

    fund            unfunded -> funding              the client asks the provider for a payment
    funding_failed  funding -> unfunded              the provider said no (the client may retry)
    confirm         funding -> funded                the provider's signed confirmation: the
                                                     work becomes active (replaces "start")
    release_part    funded|partially_released -> partially_released
    release         funded|partially_released -> released      (approval releases the rest)
    refund          funded|partially_released -> refunded      (cancellation by agreement)
    dispute         funded|partially_released -> disputed      (either party)
    resolve         disputed -> resolved                       (an operator's split)
"""

from __future__ import annotations

from apps.gigs.models import MilestoneStatus, MoneyStatus
from apps.gigs.rules.transitions import machine

HOLDS_MONEY = (MoneyStatus.FUNDED, MoneyStatus.PARTIALLY_RELEASED)

MONEY = machine(
    {
        "fund": ((MoneyStatus.UNFUNDED,), MoneyStatus.FUNDING),
        "funding_failed": ((MoneyStatus.FUNDING,), MoneyStatus.UNFUNDED),
        "confirm": ((MoneyStatus.FUNDING,), MoneyStatus.FUNDED),
        "release_part": (HOLDS_MONEY, MoneyStatus.PARTIALLY_RELEASED),
        "release": (HOLDS_MONEY, MoneyStatus.RELEASED),
        "refund": (HOLDS_MONEY, MoneyStatus.REFUNDED),
        "dispute": (HOLDS_MONEY, MoneyStatus.DISPUTED),
        "resolve": ((MoneyStatus.DISPUTED,), MoneyStatus.RESOLVED),
    }
)


def is_finished(*, status: str, money_status: str) -> bool:
    """A milestone no longer open in any way: released in full, refunded, resolved, or cancelled
    with no money in it. A contract completes when all of its milestones are finished."""
    if money_status in (MoneyStatus.RELEASED, MoneyStatus.REFUNDED, MoneyStatus.RESOLVED):
        return True
    return status == MilestoneStatus.CANCELLED and money_status == MoneyStatus.UNFUNDED
