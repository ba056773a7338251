"""Reads of the monthly feedback forms: a month's scores for many contracts (two queries), a quarter's months
(one query), the office's month page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from feedback import scores
from feedback.choices import RequestStatus
from feedback.models import FeedbackRequest
from logistics.quarters import Month, Quarter, months_of

SUBMITTED = Q(status=RequestStatus.SUBMITTED)


@dataclass(frozen=True)
class MonthScore:
    month: Month
    score: Decimal | None  # 100 x points / max over the submitted forms, 2 decimals; None: nobody answered
    answered: int
    expected: int
    points: int = 0
    max_points: int = 0
    comments: list[str] = field(default_factory=list)


def _totals(requests: QuerySet, *group: str) -> QuerySet:
    return (
        requests.values(*group)
        .annotate(
            expected=Count("pk"),
            answered=Count("pk", filter=SUBMITTED),
            points=Sum("points", filter=SUBMITTED),
            max_points=Sum("max_points", filter=SUBMITTED),
        )
        .order_by()
    )


def month_scores(month: Month, contract_ids: Iterable[int] | None = None) -> dict[int, MonthScore]:
    """Each contract's score of ``month`` (contracts without a form sent are absent), with the comments."""
    requests = FeedbackRequest.objects.filter(month=month.key)
    if contract_ids is not None:
        requests = requests.filter(contract_id__in=list(contract_ids))
    comments: dict[int, list[str]] = defaultdict(list)
    for contract_id, comment in (
        requests.filter(SUBMITTED).exclude(comment="").order_by("submitted_at").values_list("contract_id", "comment")
    ):
        comments[contract_id].append(comment)
    out = {}
    for row in _totals(requests, "contract_id"):
        points, max_points = row["points"] or 0, row["max_points"] or 0
        out[row["contract_id"]] = MonthScore(
            month=month,
            score=scores.percent(points, max_points),
            answered=row["answered"],
            expected=row["expected"],
            points=points,
            max_points=max_points,
            comments=comments.get(row["contract_id"], []),
        )
    return out


def quarter_months(quarter: Quarter, contract_ids: Iterable[int]) -> dict[int, list[MonthScore]]:
    """Each contract's three months of ``quarter`` that had forms sent, in order (one query; no comments)."""
    keys = {m.key: m for m in months_of(quarter)}
    requests = FeedbackRequest.objects.filter(month__in=list(keys), contract_id__in=list(contract_ids))
    out: dict[int, list[MonthScore]] = defaultdict(list)
    for row in sorted(_totals(requests, "contract_id", "month"), key=lambda r: r["month"]):
        points, max_points = row["points"] or 0, row["max_points"] or 0
        out[row["contract_id"]].append(
            MonthScore(
                month=keys[row["month"]],
                score=scores.percent(points, max_points),
                answered=row["answered"],
                expected=row["expected"],
                points=points,
                max_points=max_points,
            )
        )
    return dict(out)


def month_requests(month: Month) -> QuerySet:
    """The month's forms for the office's page: who was asked about which contract, and where it stands."""
    return (
        FeedbackRequest.objects.filter(month=month.key)
        .select_related("contract__vendor", "contract__category", "respondent__department")
        .order_by("contract__number", "respondent__department__code")
    )
