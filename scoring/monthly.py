"""One month's facts for the monthly reports (per contract and for the institution), in a fixed number of queries.

The month is ``logistics.quarters.Month``, computed in the institution's time zone: an inspection belongs to the
month of its inspection date (a local date, as in the quarter); a complaint, a rectification order and its
verification to the month their moment falls in, in Asia/Shanghai (23:30 on 31 March there is March, although it
is 15:30 UTC). The figures are *final* for a contract when its evaluation of the month's quarter is final, else
they are running data and may still change (an inspection amended, a complaint upheld later).

What each figure counts (the rules where ARCHITECTURE.md is silent):

- **Inspections** by kind: submitted inspections of the month (drafts never count); the mean is over those
  with a score. **Coverage**: the month's planned rounds, due / done / late / missed
  (``inspections.selectors.coverage_by_contract``): an open window is not yet due.
- **Failed items**: failed checklist items of the office's inspections (daily, weekly, monthly joint, special);
  the vendor's self-checks are not counted, as in the quarter's clauses.
- **Rectification orders** (withdrawn ones left out): *opened* = issued in the month; *closed* = verified in
  the month (whenever issued); *overdue* = overdue for at least one day of the month (up to now for the running
  month): past its deadline, not answered in time, and not rectified before the month began.
- **Complaints** (quarantined automated posts left out): *received* = filed in the month; *upheld* = of those,
  upheld against the vendor (so far).
- **Feedback**: the month's score of the monthly feedback forms (``feedback.selectors.month_scores``).
- **Work orders** (the service desk, ``inspections.selectors_desk`` over the month, up to now for the running
  month): repair requests received in the month under the contract of their latest round; the rounds dispatched
  in the month with their on-time response and completion (a clock still running is not judged yet), the late
  rounds, the escalations and the redo rounds; the callbacks made in the month and their satisfaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from contracts.models import Contract
from contracts.selectors import contracts_active_in
from inspections import desk_rules, rules, selectors_desk
from inspections.choices import InspectionKind, ItemResultChoice, RectificationStatus
from inspections.models import Complaint, Inspection, InspectionStatus, ItemResult, RectificationOrder
from inspections.selectors import Coverage, coverage_by_contract
from logistics.quarters import Month
from scoring.models import Evaluation, EvaluationStatus
from scoring.report_data import KINDS

#: kinds with planned rounds (the office's three and the vendor's self-check)
PLANNED_KINDS = (InspectionKind.DAILY, InspectionKind.WEEKLY, InspectionKind.MONTHLY_JOINT, InspectionKind.SELF)
TOP_FAILED = 5
WORST_ITEMS = 10
TWO_PLACES = Decimal("0.01")


def _mean(total: Decimal | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(total) / count).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class KindFigures:
    kind: str
    count: int = 0
    scored: int = 0
    score_sum: Decimal = Decimal(0)
    coverage: Coverage | None = None  # None: no plan of this kind

    @property
    def label(self) -> str:
        return InspectionKind(self.kind).label

    @property
    def mean(self) -> Decimal | None:
        return _mean(self.score_sum, self.scored)

    @property
    def planned(self) -> bool:
        return self.kind in PLANNED_KINDS


@dataclass(frozen=True)
class FailedItem:
    code: str
    text: str
    text_en: str
    severity: str
    count: int
    contracts: tuple[str, ...] = ()  # the contract numbers (the institution's list)


@dataclass(frozen=True)
class Rectifications:
    opened: int = 0
    closed: int = 0
    overdue: int = 0

    def __add__(self, other: Rectifications) -> Rectifications:
        return Rectifications(self.opened + other.opened, self.closed + other.closed, self.overdue + other.overdue)


@dataclass(frozen=True)
class Complaints:
    received: int = 0
    upheld: int = 0

    def __add__(self, other: Complaints) -> Complaints:
        return Complaints(self.received + other.received, self.upheld + other.upheld)


@dataclass
class ContractMonth:
    contract: Contract
    evaluation_status: str | None  # of the month's quarter; None: not computed yet
    kinds: list[KindFigures]
    failed: int
    top_failed: list[FailedItem]
    rectifications: Rectifications
    complaints: Complaints
    feedback: Any = None  # feedback.selectors.MonthScore, or None when the contract had no form this month
    desk: desk_rules.DeskFigures = field(default_factory=desk_rules.DeskFigures)  # the service desk's month

    @property
    def work_orders(self) -> int:
        """Repair requests received in the month."""
        return sum(kinds.get("repair", 0) for kinds in self.desk.received.values())

    @property
    def final(self) -> bool:
        return self.evaluation_status == EvaluationStatus.FINAL

    @property
    def evaluation_status_label(self) -> str:
        return EvaluationStatus(self.evaluation_status).label if self.evaluation_status else ""

    @property
    def inspections(self) -> int:
        """The office's inspections (the self-checks are the vendor's own, counted by their rounds)."""
        return sum(k.count for k in self.kinds if k.kind != InspectionKind.SELF)

    @property
    def mean(self) -> Decimal | None:
        """Mean score of the office's scored inspections (the self-checks are the vendor's own)."""
        office = [k for k in self.kinds if k.kind != InspectionKind.SELF]
        return _mean(sum((k.score_sum for k in office), Decimal(0)), sum(k.scored for k in office))

    @property
    def office_coverage(self) -> Coverage | None:
        rounds = [k.coverage for k in self.kinds if k.coverage is not None and k.kind != InspectionKind.SELF]
        return sum(rounds, Coverage()) if rounds else None

    @property
    def self_coverage(self) -> Coverage | None:
        return next((k.coverage for k in self.kinds if k.kind == InspectionKind.SELF), None)


@dataclass
class MonthlyFacts:
    month: Month
    rows: list[ContractMonth]
    worst_items: list[FailedItem]
    generated_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def desk(self) -> desk_rules.DeskFigures:
        """The service desk's month for the institution: the contracts' figures added up."""
        return desk_rules.total(row.desk for row in self.rows)

    @property
    def work_orders(self) -> int:
        return sum(row.work_orders for row in self.rows)

    @property
    def final(self) -> bool:
        """Every contract's quarter is final (and there is at least one contract)."""
        return bool(self.rows) and all(row.final for row in self.rows)

    @property
    def final_count(self) -> int:
        return sum(row.final for row in self.rows)

    # --- the institution's totals -------------------------------------------------------------------------
    @property
    def inspections(self) -> int:
        return sum(row.inspections for row in self.rows)

    @property
    def mean(self) -> Decimal | None:
        office = [k for row in self.rows for k in row.kinds if k.kind != InspectionKind.SELF]
        return _mean(sum((k.score_sum for k in office), Decimal(0)), sum(k.scored for k in office))

    @property
    def office_coverage(self) -> Coverage | None:
        rounds = [row.office_coverage for row in self.rows if row.office_coverage is not None]
        return sum(rounds, Coverage()) if rounds else None

    @property
    def self_coverage(self) -> Coverage | None:
        rounds = [row.self_coverage for row in self.rows if row.self_coverage is not None]
        return sum(rounds, Coverage()) if rounds else None

    @property
    def failed(self) -> int:
        return sum(row.failed for row in self.rows)

    @property
    def rectifications(self) -> Rectifications:
        return sum((row.rectifications for row in self.rows), Rectifications())

    @property
    def complaints(self) -> Complaints:
        return sum((row.complaints for row in self.rows), Complaints())

    @property
    def feedback_mean(self) -> Decimal | None:
        """The mean of the contracts' monthly feedback scores (contracts nobody scored left out)."""
        scores = [row.feedback.score for row in self.rows if row.feedback and row.feedback.score is not None]
        return _mean(sum(scores, Decimal(0)), len(scores))

    @property
    def feedback_answered(self) -> int:
        return sum(row.feedback.answered for row in self.rows if row.feedback is not None)

    @property
    def feedback_expected(self) -> int:
        return sum(row.feedback.expected for row in self.rows if row.feedback is not None)


def feedback_scores(month: Month, contract_ids: Iterable[int]) -> dict[int, Any]:
    """The month's feedback-form scores of the contracts (contract id -> ``feedback.selectors.MonthScore``)."""
    from feedback.selectors import month_scores

    return month_scores(month, list(contract_ids))


def month_contracts(month: Month, contract_ids: Iterable[int] | None = None) -> list[Contract]:
    """The contracts a month's report covers: not drafts, in force for at least one day of the month."""
    contracts = contracts_active_in(month)  # takes any period with first_day and last_day
    if contract_ids is not None:
        contracts = contracts.filter(pk__in=list(contract_ids))
    return list(contracts.select_related("vendor", "category").order_by("category__sort_order", "number"))


def overdue_in(month: Month, as_of: dt.datetime) -> Q:
    """Orders overdue for at least one day of the month before ``as_of``: past the deadline, not answered in
    time (``inspections.rules``: the wait for the inspector is not the vendor's), not rectified before the
    month began (a rectification after the deadline stops the clock there)."""
    return (
        Q(deadline__lt=as_of)
        & ~rules.answered_in_time_q()
        & (Q(resolved_at__isnull=True) | (Q(resolved_at__gt=F("deadline")) & Q(resolved_at__gt=month.start)))
    )


def month_facts(
    month: Month, contract_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> MonthlyFacts:
    """The month's figures for the contracts (all in force in the month when ``contract_ids`` is None), one row per
    contract, in a fixed number of queries whatever their number: the contracts, inspections, coverage, failed
    items, rectification orders, complaints and evaluations (one each), the feedback forms' and the service
    desk's (``inspections.selectors_desk``)."""
    now = now or timezone.now()
    contracts = month_contracts(month, contract_ids)
    ids = [c.pk for c in contracts]
    if not ids:
        return MonthlyFacts(month=month, rows=[], worst_items=[])

    in_month = Q(inspected_on__gte=month.first_day, inspected_on__lte=month.last_day)
    inspections: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in (
        Inspection.objects.filter(in_month, contract_id__in=ids, status=InspectionStatus.SUBMITTED)
        .values("contract_id", "kind")
        .annotate(n=Count("pk"), scored=Count("score"), total=Sum("score"))
        .order_by()
    ):
        inspections[row["contract_id"]][row["kind"]] = row
    coverage = coverage_by_contract(month.first_day, month.last_day, ids, now=now)

    failed_rows = list(
        ItemResult.objects.filter(
            inspection__inspected_on__gte=month.first_day,
            inspection__inspected_on__lte=month.last_day,
            inspection__contract_id__in=ids,
            inspection__status=InspectionStatus.SUBMITTED,
            result=ItemResultChoice.FAIL,
        )
        .exclude(inspection__kind=InspectionKind.SELF)
        .values("inspection__contract_id", "item__code", "item__text", "item__text_en", "item__severity")
        .annotate(n=Count("pk"))
        .order_by("-n", "item__code", "item__text")
    )
    failed: dict[int, list[FailedItem]] = defaultdict(list)
    for row in failed_rows:
        failed[row["inspection__contract_id"]].append(
            FailedItem(row["item__code"], row["item__text"], row["item__text_en"], row["item__severity"], row["n"])
        )

    issued = Q(issued_at__gte=month.start, issued_at__lt=month.end)
    verified = Q(status=RectificationStatus.VERIFIED, verified_at__gte=month.start, verified_at__lt=month.end)
    overdue = overdue_in(month, min(now, month.end))
    orders = {
        row["contract_id"]: Rectifications(row["opened"], row["closed"], row["overdue"])
        for row in RectificationOrder.objects.filter(contract_id__in=ids)
        .exclude(status=RectificationStatus.WITHDRAWN)
        .filter(issued | verified | overdue)
        .values("contract_id")
        .annotate(
            opened=Count("pk", filter=issued),
            closed=Count("pk", filter=verified),
            overdue=Count("pk", filter=overdue),
        )
        .order_by()
    }

    complaints = {
        row["contract_id"]: Complaints(row["received"], row["upheld_n"])
        for row in Complaint.objects.filter(
            contract_id__in=ids, quarantined=False, created_at__gte=month.start, created_at__lt=month.end
        )
        .values("contract_id")
        .annotate(received=Count("pk"), upheld_n=Count("pk", filter=Q(upheld=True)))
        .order_by()
    }

    statuses = dict(
        Evaluation.objects.filter(contract_id__in=ids, quarter=month.quarter.key).values_list("contract_id", "status")
    )
    feedback = feedback_scores(month, ids)
    desk = selectors_desk.desk_figures(month, ids, as_of=now)

    rows = []
    for contract in contracts:
        by_kind = inspections.get(contract.pk, {})
        rounds = coverage.get(contract.pk, {})
        kinds = [
            KindFigures(
                kind=kind,
                count=by_kind.get(kind, {}).get("n", 0),
                scored=by_kind.get(kind, {}).get("scored", 0),
                score_sum=Decimal(by_kind.get(kind, {}).get("total") or 0),
                coverage=rounds.get(kind),
            )
            for kind in KINDS
            if kind in by_kind or kind in rounds
        ]
        items = failed.get(contract.pk, [])
        rows.append(
            ContractMonth(
                contract=contract,
                evaluation_status=statuses.get(contract.pk),
                kinds=kinds,
                failed=sum(item.count for item in items),
                top_failed=items[:TOP_FAILED],
                rectifications=orders.get(contract.pk, Rectifications()),
                complaints=complaints.get(contract.pk, Complaints()),
                feedback=feedback.get(contract.pk),
                desk=desk[contract.pk],
            )
        )
    return MonthlyFacts(month=month, rows=rows, worst_items=worst_items(failed_rows, {c.pk: c for c in contracts}))


def worst_items(failed_rows: list[dict[str, Any]], contracts: dict[int, Contract]) -> list[FailedItem]:
    """The institution's most failed checklist items of the month, with the contracts they failed on."""
    totals: dict[tuple[str, str, str, str], int] = defaultdict(int)
    numbers: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for row in failed_rows:
        key = (row["item__code"], row["item__text"], row["item__text_en"], row["item__severity"])
        totals[key] += row["n"]
        numbers[key].append(contracts[row["inspection__contract_id"]].number)
    ranked = sorted(totals.items(), key=lambda pair: (-pair[1], pair[0][0], pair[0][1]))[:WORST_ITEMS]
    return [FailedItem(*key, count=n, contracts=tuple(sorted(set(numbers[key])))) for key, n in ranked]
