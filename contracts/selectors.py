"""Reads of the contracts app."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from contracts.models import Contract, ContractStatus, FormalWarning, Settlement
from logistics.quarters import Quarter
from logistics.quarters import today as local_today

HISTORY_QUARTERS = 8


@dataclass(frozen=True)
class ClauseHistory:
    warnings_by_quarter: dict[str, int]
    grades_by_quarter: dict[str, str]


def clause_histories(
    contract_ids: list[int], quarter: Quarter, depth: int = HISTORY_QUARTERS
) -> dict[int, ClauseHistory]:
    """Warnings and grades of the ``depth`` quarters before ``quarter`` (for the warning and renewal clauses),
    for many contracts in two queries."""
    earlier = [q.key for q in quarter.back(depth + 1)[:-1]]
    warnings: dict[int, Counter] = defaultdict(Counter)
    for contract_id, key in FormalWarning.objects.filter(contract_id__in=contract_ids, quarter__in=earlier).values_list(
        "contract_id", "quarter"
    ):
        warnings[contract_id][key] += 1
    grades: dict[int, dict[str, str]] = defaultdict(dict)
    for contract_id, key, grade in (
        Settlement.objects.filter(contract_id__in=contract_ids, quarter__in=earlier)
        .exclude(grade="")
        .values_list("contract_id", "quarter", "grade")
    ):
        grades[contract_id][key] = grade
    return {
        pk: ClauseHistory(warnings_by_quarter=dict(warnings.get(pk, {})), grades_by_quarter=grades.get(pk, {}))
        for pk in contract_ids
    }


def contracts_settled_after(contract_ids: list[int], quarter: Quarter) -> set[int]:
    """The contracts that already have a settlement for a later quarter."""
    return set(
        Settlement.objects.filter(contract_id__in=contract_ids, quarter__gt=quarter.key).values_list(
            "contract_id", flat=True
        )
    )


def contracts_expiring(*, within_days: int, today: dt.date | None = None) -> QuerySet:
    """Active contracts ending within ``within_days`` days (soonest first)."""
    today = today or local_today()
    return (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE, end_date__gte=today, end_date__lte=today + dt.timedelta(days=within_days)
        )
        .select_related("vendor", "category")
        .order_by("end_date", "number")
    )


def contracts_active_in(quarter: Quarter) -> QuerySet:
    """Contracts that were in force for at least one day of the quarter and are not drafts."""
    in_force = Q(ended_on__isnull=True) | Q(ended_on__gte=quarter.first_day)
    return Contract.objects.exclude(status=ContractStatus.DRAFT).filter(
        in_force, start_date__lte=quarter.last_day, end_date__gte=quarter.first_day
    )
