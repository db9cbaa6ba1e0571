"""Money rules, pure (no I/O): amounts in integer minor units, the platform fee, splits and
currencies (docs/decisions/0029). Decimal where a percentage meets an amount, never a float: a
float cannot hold 0.1 and would round a fee a cent the wrong way.

The ledger (apps/gigs/ledger/) and the services call these before anything is written, so a bad
amount is refused with a domain error instead of reaching the database's checks."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from apps.gigs.errors import GigsError
from gigsy.errors import ApplicationError

# The largest amount one movement may carry: JavaScript's largest safe integer, since the
# frontend reads amounts as JSON numbers (and far inside BIGINT, so sums of lines never wrap).
MAX_AMOUNT = 2**53 - 1
_CURRENCY = re.compile(r"[A-Z]{3}")
_HUNDRED = Decimal(100)


def _amount_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=GigsError.INVALID_AMOUNT, fields={field: [message]})


def check_amount(amount: object, *, field: str = "amount", allow_zero: bool = False) -> int:
    """`amount` as minor units: an int (not a bool, not a float or a Decimal), positive (or
    zero with `allow_zero`), at most MAX_AMOUNT; otherwise a 400 `invalid_amount`."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise _amount_error(field, "An amount is a whole number of minor units (cents).")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise _amount_error(
            field,
            "The amount must be zero or more."
            if allow_zero
            else "The amount must be more than zero.",
        )
    if amount > MAX_AMOUNT:
        raise _amount_error(field, f"The amount must be at most {MAX_AMOUNT}.")
    return amount


def check_percent(percent: Decimal | int | str) -> Decimal:
    """A percentage 0-100 as a Decimal. Floats are refused: `Decimal(0.1)` is not 0.1."""
    if isinstance(percent, bool) or not isinstance(percent, Decimal | int | str):
        raise TypeError("a fee percentage is a Decimal, an int or a decimal string, never a float")
    try:
        value = Decimal(percent)
    except InvalidOperation:
        raise ValueError(f"not a percentage: {percent!r}") from None
    if not value.is_finite() or not 0 <= value <= _HUNDRED:
        raise ValueError(f"a fee percentage is between 0 and 100, not {percent!r}")
    return value


def fee(amount: int, percent: Decimal | int | str) -> int:
    """The platform's fee on `amount` minor units at `percent`, rounded half-up to the minor
    unit (0.5 cent -> 1 cent). Never negative, never more than the amount, so the freelancer's
    share `amount - fee` balances the entry exactly."""
    amount = check_amount(amount, allow_zero=True)
    rate = check_percent(percent)
    with localcontext() as context:
        # Exact whatever the ambient precision: 16 digits of amount x 3 decimals of a percent.
        context.prec = 50
        exact = Decimal(amount) * rate / _HUNDRED
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_fee(amount: int, fee_amount: object) -> int:
    """A fee given with a release: minor units from 0 to the amount released."""
    value = check_amount(fee_amount, field="fee", allow_zero=True)
    if value > amount:
        raise _amount_error("fee", "The fee cannot be more than the amount released.")
    return value


def check_split(total: int, parts: Sequence[object], *, fields: Sequence[str]) -> list[int]:
    """A split of `total` (a dispute's held money) into `parts`, each zero or more, adding up
    to exactly `total`; otherwise a 400 `invalid_split` with `details.total`."""
    checked = [
        check_amount(part, field=name, allow_zero=True)
        for part, name in zip(parts, fields, strict=True)
    ]
    if sum(checked) != total:
        message = f"The parts must add up to {total}, the amount being split, not {sum(checked)}."
        raise ApplicationError(
            message,
            code=GigsError.INVALID_SPLIT,
            fields={name: [message] for name in fields},
            details={"total": total},
        )
    return checked


def check_currency(code: object, allowed: Iterable[str]) -> str:
    """An ISO 4217 code the platform takes (`allowed`, GIGS_CURRENCIES): three upper-case
    letters; otherwise a 400 `unsupported_currency`."""
    allowed = list(allowed)
    if not isinstance(code, str) or not _CURRENCY.fullmatch(code) or code not in allowed:
        message = f"The currency must be one of {', '.join(allowed)}."
        raise ApplicationError(
            message, code=GigsError.UNSUPPORTED_CURRENCY, fields={"currency": [message]}
        )
    return code


def unbalanced(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """The currencies whose (currency, signed amount) lines do not sum to zero, with their
    sums: empty for a balanced journal entry."""
    totals: defaultdict[str, int] = defaultdict(int)
    for currency, amount in lines:
        totals[currency] += amount
    return {currency: total for currency, total in totals.items() if total != 0}
