"""Numbers of a series (考评结果通知书 KP-2026-0003, 付款审批单 FK-2026-0001): a prefix, the year, a running count."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Length


def next_in_series(queryset: QuerySet, prefix: str, *, field: str = "number", width: int = 4) -> str:
    """The number after the greatest ``field`` of ``queryset`` that starts with ``prefix`` (``prefix`` + 0001 for
    the first). The longest, then the greatest, comes last: KP-2026-10000 follows KP-2026-9999. Two callers at
    the same moment may get the same number; the unique constraint refuses the second, which tries again."""
    last = (
        queryset.filter(**{f"{field}__startswith": prefix})
        .annotate(digits=Length(field))
        .order_by("-digits", f"-{field}")
        .values_list(field, flat=True)
    ).first()
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:0{width}d}"
