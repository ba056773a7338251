"""Satisfaction (pure rule, with its two database forms): an answer rated 4 or 5 of 5 is satisfied.

The survey pages, the scoring facts, the reports and the benchmark all read the rule from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Q

HUNDRED = Decimal(100)

#: the lowest rating (of 1-5) that counts as satisfied
SATISFIED_FROM = 4


def is_satisfied(value: int) -> bool:
    return value >= SATISFIED_FROM


def answer_counts() -> dict[str, Count]:
    """``annotate(**answer_counts())`` / ``aggregate(...)`` over survey answers: ``total`` and ``satisfied``."""
    return {"total": Count("pk"), "satisfied": Count("pk", filter=Q(value__gte=SATISFIED_FROM))}


def satisfaction_rate(values: Iterable[int]) -> Decimal | None:
    """100 x share of satisfied answers; None when there is no answer (the component has no data)."""
    values = list(values)
    return rate_from_counts(sum(1 for v in values if is_satisfied(v)), len(values))


def rate_from_counts(satisfied: int, total: int) -> Decimal | None:
    return None if total == 0 else HUNDRED * satisfied / total
