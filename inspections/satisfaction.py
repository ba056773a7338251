"""Satisfaction rate (pure): 100 x share of answers rated 4 or 5."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

HUNDRED = Decimal(100)


def satisfaction_rate(values: Iterable[int]) -> Decimal | None:
    """None when there is no answer (the component has no data)."""
    values = list(values)
    if not values:
        return None
    satisfied = sum(1 for v in values if v >= 4)
    return HUNDRED * satisfied / len(values)


def rate_from_counts(satisfied: int, total: int) -> Decimal | None:
    return None if total == 0 else HUNDRED * satisfied / total
