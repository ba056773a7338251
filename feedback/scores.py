"""The monthly feedback score (pure): 100 x points / max over the forms submitted for a contract's month (the
forms pooled: a respondent who scored 80 of 100 and one who scored 45 of 50 make 125 of 150, 83.33); the
quarter's value from the forms is the mean of its months that have one (a month nobody answered drops out)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def exact(points: int, max_points: int) -> Fraction | None:
    return Fraction(100 * points, max_points) if max_points else None


def rounded(value: Fraction) -> Decimal:
    """Half-up to 0.01 (value >= 0)."""
    return (Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100).quantize(CENT)


def percent(points: int, max_points: int) -> Decimal | None:
    value = exact(points, max_points)
    return None if value is None else rounded(value)


def quarter_value(months: Iterable[tuple[int, int]]) -> tuple[Fraction | None, int]:
    """The mean of the months' exact scores, from (points, max) per month; (None, 0) when no month has one."""
    values = [exact(points, max_points) for points, max_points in months if max_points]
    if not values:
        return None, 0
    return sum(values, Fraction(0)) / len(values), len(values)
