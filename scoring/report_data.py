"""What the reports and the dashboard show, gathered in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Min, Q, Sum
from django.utils import timezone

from contracts.models import Contract, FormalWarning, LedgerLine, Settlement
from contracts.selectors import contracts_expiring
from inspections.choices import ComplaintSeverity, ItemResultChoice, RectificationStatus
from inspections.models import (
    Complaint,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RectificationOrder,
    SurveyAnswer,
    SurveyResponse,
)
from inspections.satisfaction import answer_counts, rate_from_counts
from logistics.quarters import Quarter
from logistics.selectors import certificates_expiring
from scoring import selectors
from scoring.models import Evaluation, Objection

#: the kinds in the order the reports (quarterly and monthly) list them
KINDS = (
    InspectionKind.DAILY,
    InspectionKind.WEEKLY,
    InspectionKind.MONTHLY_JOINT,
    InspectionKind.SELF,
    InspectionKind.SPECIAL,
    InspectionKind.EXTERNAL,
)
TREND_QUARTERS = 8


@dataclass
class ContractReport:
    evaluation: Evaluation
    quarter: Quarter
    trend: list[tuple[str, Decimal | None]]
    kinds: list[dict[str, Any]]
    top_failed: list[dict[str, Any]]
    rectifications: dict[str, int]
    complaints: dict[str, Any]
    satisfaction: dict[str, Any]
    settlement: Settlement | None
    ledger: list[LedgerLine]
    warnings: list[FormalWarning]
    self_check: dict[str, Any]
    objections: list[Objection] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=timezone.now)


def _in_quarter(quarter: Quarter, prefix: str = "") -> Q:
    return Q(**{f"{prefix}inspected_on__gte": quarter.first_day, f"{prefix}inspected_on__lte": quarter.last_day})


def contract_report(evaluation: Evaluation) -> ContractReport:
    quarter = Quarter.parse(evaluation.quarter)
    contract = evaluation.contract
    keys = [q.key for q in quarter.back(TREND_QUARTERS)]
    scores = dict(Evaluation.objects.filter(contract=contract, quarter__in=keys).values_list("quarter", "score"))
    trend = [(key, scores.get(key)) for key in keys if key in scores or key == quarter.key]

    submitted = Inspection.objects.filter(_in_quarter(quarter), contract=contract, status=InspectionStatus.SUBMITTED)
    stats = {
        row["kind"]: row
        for row in submitted.values("kind").annotate(n=Count("pk"), mean=Avg("score"), low=Min("score")).order_by()
    }
    lowest: dict[str, list[Any]] = defaultdict(list)
    for inspection in (
        submitted.filter(score__isnull=False)
        .order_by("kind", "score", "inspected_on")
        .values("kind", "score", "inspected_on", "pk")
    ):
        if len(lowest[inspection["kind"]]) < 3:
            lowest[inspection["kind"]].append(inspection)
    kinds = [
        {
            "kind": kind,
            "label": InspectionKind(kind).label,
            "n": stats[kind]["n"],
            "mean": stats[kind]["mean"],
            "lowest": lowest.get(kind, []),
        }
        for kind in KINDS
        if kind in stats
    ]

    top_failed = list(
        ItemResult.objects.filter(
            _in_quarter(quarter, "inspection__"),
            inspection__contract=contract,
            inspection__status=InspectionStatus.SUBMITTED,
            result=ItemResultChoice.FAIL,
        )
        .exclude(inspection__kind=InspectionKind.SELF)
        .values("item__code", "item__text", "item__text_en", "item__severity")
        .annotate(n=Count("pk"))
        .order_by("-n", "item__code")[:10]
    )

    orders = RectificationOrder.objects.filter(
        contract=contract, issued_at__gte=quarter.start, issued_at__lt=quarter.end
    )
    now = timezone.now()
    rectifications = orders.aggregate(
        opened=Count("pk"),
        on_time=Count("pk", filter=Q(status=RectificationStatus.VERIFIED, resolved_at__lte=F("deadline"))),
        late=Count("pk", filter=Q(status=RectificationStatus.VERIFIED, resolved_at__gt=F("deadline"))),
        overdue=Count("pk", filter=~Q(status=RectificationStatus.VERIFIED) & Q(deadline__lt=now)),
    )

    complaints = Complaint.objects.filter(
        contract=contract, quarantined=False, created_at__gte=quarter.start, created_at__lt=quarter.end
    )
    complaint_stats = complaints.aggregate(received=Count("pk"), mean_rating=Avg("rating"))
    # upheld: those that count in this quarter (its score and money), wherever they were filed
    complaint_stats |= Complaint.objects.filter(
        contract=contract, quarantined=False, upheld=True, counts_in=quarter.key
    ).aggregate(upheld_n=Count("pk"), serious_n=Count("pk", filter=Q(severity=ComplaintSeverity.SERIOUS)))
    by_site = list(complaints.values("site__name").annotate(n=Count("pk")).order_by("-n")[:8])

    answers = SurveyAnswer.objects.filter(response__contract=contract, response__survey__quarter=quarter.key)
    survey = answers.aggregate(**answer_counts())
    responses = SurveyResponse.objects.filter(contract=contract, survey__quarter=quarter.key).count()
    satisfaction = {
        "answers": survey["total"],
        "responses": responses,
        "rate": rate_from_counts(survey["satisfied"], survey["total"]),
        "source": selectors.satisfaction_shown(evaluation),
    }

    settlement = Settlement.objects.filter(contract=contract, quarter=quarter.key).first()
    ledger = list(
        LedgerLine.objects.filter(contract=contract, quarter=quarter.key)
        .select_related("clause__terms", "settlement__terms")
        .order_by("kind", "id")
    )
    warnings = list(
        FormalWarning.objects.filter(contract=contract, withdrawn_at__isnull=True).order_by("-quarter", "-pk")[:8]
    )
    return ContractReport(
        evaluation=evaluation,
        quarter=quarter,
        trend=trend,
        kinds=kinds,
        top_failed=top_failed,
        rectifications=rectifications,
        complaints={**complaint_stats, "by_site": by_site},
        satisfaction=satisfaction,
        settlement=settlement,
        ledger=ledger,
        warnings=warnings,
        self_check=self_check_reliability(contract, quarter),
        objections=list(evaluation.objections.order_by("filed_at", "pk")),
    )


def self_check_reliability(contract: Contract, quarter: Quarter) -> dict[str, Any]:
    """The vendor's self-checks against the office's daily inspections, for the same days and items:
    how often they agree, and how many problems the office found that the self-check called a pass."""
    rows = (
        ItemResult.objects.filter(
            _in_quarter(quarter, "inspection__"),
            inspection__contract=contract,
            inspection__status=InspectionStatus.SUBMITTED,
            inspection__kind__in=[InspectionKind.DAILY, InspectionKind.SELF],
        )
        .exclude(result=ItemResultChoice.NA)
        .values_list("inspection__inspected_on", "item__code", "inspection__kind", "result")
    )
    office: dict[tuple, set[str]] = defaultdict(set)
    own: dict[tuple, set[str]] = defaultdict(set)
    for day, code, kind, result in rows:
        (own if kind == InspectionKind.SELF else office)[(day, code)].add(
            "ok" if result == ItemResultChoice.PASS else "problem"
        )
    pairs = agree = missed = 0
    for key, verdicts in office.items():
        if key not in own:
            continue
        pairs += 1
        office_problem = "problem" in verdicts
        own_problem = "problem" in own[key]
        agree += office_problem == own_problem
        missed += office_problem and not own_problem
    return {"pairs": pairs, "agreement": Decimal(100) * agree / pairs if pairs else None, "missed": missed}


@dataclass
class Summary:
    quarter: Quarter
    rows: list[dict[str, Any]]
    distribution: list[tuple[str, int]]
    deducted: Decimal
    awarded: Decimal
    payable: Decimal
    at_risk: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    trend: list[tuple[str, Decimal | None]]
    supervision: dict[str, Any] = field(default_factory=dict)
    generated_at: dt.datetime = field(default_factory=timezone.now)


def supervision(quarter: Quarter) -> dict[str, Any]:
    """The planned rounds of the quarter for leaders: per kind (the office's own duty first, then the vendors'
    self-checks) and the office's per inspector. Three queries."""
    from inspections.selectors import Coverage, coverage_by_contract, coverage_by_inspector
    from logistics.models import User

    totals: dict[str, Coverage] = defaultdict(Coverage)
    for by_kind in coverage_by_contract(quarter.first_day, quarter.last_day).values():
        for kind, cov in by_kind.items():
            totals[kind] = totals[kind] + cov
    order = [InspectionKind.DAILY, InspectionKind.WEEKLY, InspectionKind.MONTHLY_JOINT, InspectionKind.SELF]
    kinds = [
        {
            "kind": kind,
            "label": InspectionKind(kind).label,
            "office": kind != InspectionKind.SELF,
            "coverage": totals[kind],
        }
        for kind in order
        if kind in totals
    ]
    per_inspector = coverage_by_inspector(quarter.first_day, quarter.last_day)
    names = {u.pk: u for u in User.objects.filter(pk__in=per_inspector)}
    inspectors = sorted(
        (
            {"name": names[pk].get_full_name() or names[pk].username, "coverage": cov}
            for pk, cov in per_inspector.items()
        ),
        key=lambda row: (row["coverage"].percent if row["coverage"].percent is not None else Decimal(101), row["name"]),
    )
    return {"kinds": kinds, "inspectors": inspectors}


def summary(quarter: Quarter) -> Summary:
    from scoring.selectors import current_schemes, quarter_overview

    rows = quarter_overview(quarter)
    grades = [b["grade"] for b in current_schemes().default.bands]
    counts = Counter(r["evaluation"].grade for r in rows)
    distribution = [(g, counts.get(g, 0)) for g in grades]
    money = Settlement.objects.filter(quarter=quarter.key).aggregate(
        d=Sum("deductions"), c=Sum("cap_applied"), b=Sum("bonuses"), p=Sum("payable")
    )
    deducted = (money["d"] or Decimal(0)) - (money["c"] or Decimal(0))
    at_risk = []
    contract_ids = [r["evaluation"].contract_id for r in rows]
    flagged = (
        Contract.objects.filter(pk__in=contract_ids)
        .annotate(warned=Count("warnings", filter=Q(warnings__quarter=quarter.key)))
        .filter(Q(termination_recommended=True) | Q(warned__gt=0))
        .select_related("vendor")
        .order_by("number")
    )
    for contract in flagged:
        reasons = []
        if contract.termination_recommended:
            reasons.append("termination")
        if contract.warned:  # only a formal warning really issued for this quarter (at its finalization)
            reasons.append("warning")
        at_risk.append({"contract": contract, "vendor": contract.vendor.legal_name, "reasons": reasons})
    for item in certificates_expiring(within_days=30):
        at_risk.append({"contract": None, "vendor": item.vendor_name, "reasons": ["certificate"], "item": item})
    for contract in contracts_expiring(within_days=60):
        at_risk.append({"contract": contract, "vendor": contract.vendor.legal_name, "reasons": ["contract_expiring"]})
    complaints = dict(
        Complaint.objects.filter(quarantined=False, created_at__gte=quarter.start, created_at__lt=quarter.end)
        .values("category__name")
        .annotate(n=Count("pk"))
        .values_list("category__name", "n")
    )
    upheld = dict(
        Complaint.objects.filter(quarantined=False, upheld=True, counts_in=quarter.key)
        .values("category__name")
        .annotate(n=Count("pk"))
        .values_list("category__name", "n")
    )
    satisfaction = {
        row["response__contract__category__name"]: row
        for row in SurveyAnswer.objects.filter(response__survey__quarter=quarter.key)
        .values("response__contract__category__name")
        .annotate(**answer_counts())
    }
    names = sorted(set(complaints) | set(satisfaction))
    by_category = [
        {
            "category": name,
            "complaints": complaints.get(name, 0),
            "upheld": upheld.get(name, 0),
            "answers": satisfaction.get(name, {}).get("total", 0),
            "rate": rate_from_counts(
                satisfaction.get(name, {}).get("satisfied", 0), satisfaction.get(name, {}).get("total", 0)
            ),
        }
        for name in names
    ]
    keys = [q.key for q in quarter.back(TREND_QUARTERS)]
    averages = dict(
        Evaluation.objects.filter(quarter__in=keys)
        .values("quarter")
        .annotate(a=Avg("score"))
        .values_list("quarter", "a")
    )
    trend = [(key, averages.get(key)) for key in keys if key in averages]
    return Summary(
        quarter,
        rows,
        distribution,
        deducted,
        money["b"] or Decimal(0),
        money["p"] or Decimal(0),
        at_risk,
        by_category,
        trend,
        supervision(quarter),
    )
