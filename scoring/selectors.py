"""Reads of the scoring app: a quarter's facts for many contracts at once, aggregated in the database.

``quarter_facts`` runs a fixed number of queries whatever the number of contracts: one aggregate of the
stored inspection scores by contract and kind, one of the upheld complaints by severity, one of the survey
answers, the feedback months, the service desk's work order rounds, and (for the clauses) the failed items,
the upheld complaints, the overdue rectifications and the missed self-checks.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import clause_kinds
from contracts import clauses as clause_engine
from contracts.choices import EvidenceType, LedgerKind
from contracts.models import Contract, LedgerLine, Settlement
from contracts.selectors import contracts_active_in
from feedback import selectors as feedback_selectors
from inspections import calculations as inspection_calculations
from inspections import rules as rectification_rules
from inspections import selectors_desk
from inspections.choices import InspectionKind, ItemResultChoice, RoundStatus
from inspections.models import (
    OFFICE_KINDS,
    Complaint,
    Inspection,
    InspectionStatus,
    ItemResult,
    RectificationOrder,
    RectificationSource,
    RectificationStatus,
    SurveyAnswer,
)
from inspections.satisfaction import answer_counts
from logistics.quarters import Quarter, institution_tz, local_date
from logistics.quarters import today as local_today
from logistics.templatetags.logistics_tags import money
from scoring import calculations, components
from scoring.choices import ObjectionStatus, ObjectionTarget
from scoring.models import Evaluation, EvaluationComponent, EvaluationScheme, Objection


@dataclass
class ContractFacts:
    contract: Contract
    facts: calculations.Facts
    failed_items: list[clause_engine.FailedItem] = field(default_factory=list)
    upheld_complaints: list[clause_engine.UpheldComplaint] = field(default_factory=list)
    overdue_rectifications: list[clause_engine.OverdueRectification] = field(default_factory=list)
    missed_self_checks: list[clause_engine.MissedSelfCheck] = field(default_factory=list)
    late_work_orders: list[clause_engine.LateWorkOrder] = field(default_factory=list)


def _in_quarter(quarter: Quarter) -> Q:
    return Q(inspected_on__gte=quarter.first_day, inspected_on__lte=quarter.last_day)


def quarter_facts(
    quarter: Quarter, contracts: Iterable[Contract], *, with_clause_facts: bool = True, as_of: dt.date | None = None
) -> dict[int, ContractFacts]:
    contracts = list(contracts)
    ids = [c.pk for c in contracts]
    scores: dict[int, dict[str, calculations.ScoreStats]] = defaultdict(dict)
    for row in (
        Inspection.objects.filter(
            _in_quarter(quarter),
            contract_id__in=ids,
            status=InspectionStatus.SUBMITTED,
            score__isnull=False,
            kind__in=list(components.BY_INSPECTION_KIND),
        )
        .values("contract_id", "kind")
        .annotate(n=Count("pk"), total=Sum("score"))
        .order_by()
    ):
        scores[row["contract_id"]][components.BY_INSPECTION_KIND[row["kind"]].facts_field] = calculations.ScoreStats(
            row["n"], Decimal(row["total"])
        )

    complaints = Complaint.objects.filter(
        contract_id__in=ids, upheld=True, quarantined=False, counts_in=quarter.key
    )  # the quarter a complaint counts in is decided when it is upheld (inspections.services.complaints)
    penalties: dict[int, dict[str, int]] = defaultdict(dict)
    for row in complaints.values("contract_id", "severity").annotate(n=Count("pk")).order_by():
        penalties[row["contract_id"]][row["severity"]] = row["n"]

    surveys: dict[int, tuple[int, int]] = {}
    for row in (
        SurveyAnswer.objects.filter(response__contract_id__in=ids, response__survey__quarter=quarter.key)
        .values("response__contract_id")
        .annotate(**answer_counts())
        .order_by()
    ):
        surveys[row["response__contract_id"]] = (row["total"], row["satisfied"])
    months = feedback_selectors.quarter_months(quarter, ids)
    desk = selectors_desk.desk_figures(quarter, ids, _desk_as_of(as_of), rounds_only=True)

    out = {}
    for contract in contracts:
        stats = scores.get(contract.pk, {})
        answers, satisfied = surveys.get(contract.pk, (0, 0))
        facts = calculations.Facts(
            daily=stats.get("daily", calculations.ScoreStats()),
            weekly=stats.get("weekly", calculations.ScoreStats()),
            monthly=stats.get("monthly", calculations.ScoreStats()),
            self_checks=stats.get("self_checks", calculations.ScoreStats()),
            complaints_normal=penalties.get(contract.pk, {}).get("normal", 0),
            complaints_serious=penalties.get(contract.pk, {}).get("serious", 0),
            survey_answers=answers,
            survey_satisfied=satisfied,
            feedback_months=tuple(
                calculations.MonthFeedback(m.month.key, m.points, m.max_points, m.answered, m.expected)
                for m in months.get(contract.pk, [])
            ),
            desk_rate=desk[contract.pk].score(),
            desk=_desk_counts(desk[contract.pk]),
        )
        out[contract.pk] = ContractFacts(contract, facts)
    if with_clause_facts:
        _clause_facts(quarter, out, complaints, as_of or local_today())
        _missed_self_checks(quarter, out)
        for contract_id, figures in desk.items():
            out[contract_id].late_work_orders = [_late_work_order(r) for r in figures.late_rounds]
    return out


def _desk_as_of(as_of: dt.date | None) -> dt.datetime | None:
    """The moment the desk's clocks are read at for a quarter read "as of" a day: the end of that day."""
    if as_of is None:
        return None
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=institution_tz())


def _desk_counts(figures: Any) -> calculations.DeskCounts:
    return calculations.DeskCounts(
        response_kept=figures.response_kept,
        response_judged=figures.response_judged,
        completion_kept=figures.completion_kept,
        completion_judged=figures.completion_judged,
        response_rate=figures.response_rate,
        completion_rate=figures.completion_rate,
    )


def _minute(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment, institution_tz()).strftime("%Y-%m-%d %H:%M") if moment else ""


def _late_work_order(job: Any) -> clause_engine.LateWorkOrder:
    """A round whose completion clock was missed, as the clause prices it (``inspections.desk_rules.RoundFacts``)."""
    return clause_engine.LateWorkOrder(
        job.round_id,
        job.ref,
        due=_minute(job.completion_due),
        completed=_minute(job.completed_at),
        on=local_date(job.completion_due),
    )


def _clause_facts(quarter: Quarter, out: dict[int, ContractFacts], complaints: QuerySet, as_of: dt.date) -> None:
    ids = list(out)
    failed = (
        ItemResult.objects.filter(
            result=ItemResultChoice.FAIL,
            inspection__contract_id__in=ids,
            inspection__status=InspectionStatus.SUBMITTED,
            inspection__kind__in=OFFICE_KINDS,  # the office's findings cost money; self-checks never do
            inspection__inspected_on__gte=quarter.first_day,
            inspection__inspected_on__lte=quarter.last_day,
        )
        .values_list(
            "pk",
            "inspection_id",
            "inspection__contract_id",
            "item__code",
            "item__severity",
            "inspection__inspected_on",
            "inspection__number",
        )
        .order_by("inspection_id", "pk")
    )
    # 150,000 rows at N=3000: read in chunks from the driver's buffer, never as one list of Python rows
    # (a server-side cursor would do it too, but PostgreSQL then plans for the first rows: twice as slow)
    sql, params = failed.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            for pk, inspection_id, contract_id, code, severity, day, number in rows:
                reference = f"JC-{(number or inspection_id):06d}/{code}"  # as Inspection.reference
                out[contract_id].failed_items.append(
                    clause_engine.FailedItem(pk, sys.intern(severity), reference, on=_date(day))
                )
    for row in complaints.values("pk", "contract_id", "created_at", "upheld_at").order_by("pk"):
        filed_before = row["created_at"] < quarter.start  # counts here, filed in an earlier (final) quarter
        out[row["contract_id"]].upheld_complaints.append(
            clause_engine.UpheldComplaint(
                row["pk"],
                f"TS-{row['pk']:06d}",
                on=local_date(row["upheld_at"]),
                carried_from=Quarter.containing(row["created_at"]).key if filed_before else "",
            )
        )
    as_of = min(as_of, quarter.last_day)
    candidates = (
        RectificationOrder.objects.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("deadline")),
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=quarter.start),
            contract_id__in=ids,
            deadline__lt=quarter.end,
        )
        # one complaint, one job: an order once opened for a complaint is not a second job (nor a withdrawn one)
        .exclude(source=RectificationSource.COMPLAINT)
        .exclude(status=RectificationStatus.WITHDRAWN)
        .values("pk", "contract_id", "deadline", "resolved_at", "status", "answered_at")
        .order_by("pk")
    )
    for row in candidates:
        resolved = rectification_rules.clock_stopped_at(
            row["status"], row["answered_at"], row["resolved_at"], row["deadline"]
        )
        span = inspection_calculations.overdue_span_in(
            local_date(row["deadline"]),
            local_date(resolved) if resolved else None,
            as_of,
            quarter.first_day,
            quarter.last_day,
        )
        if span is not None:
            out[row["contract_id"]].overdue_rectifications.append(
                clause_engine.OverdueRectification(
                    row["pk"], (span[1] - span[0]).days + 1, f"ZG-{row['pk']:06d}", first=span[0]
                )
            )


def _missed_self_checks(quarter: Quarter, out: dict[int, ContractFacts]) -> None:
    """The vendors' self-check rounds missed in the quarter (a round done late, or excused, is not)."""
    from inspections.models import Round

    for pk, contract_id, day in (
        Round.objects.filter(
            contract_id__in=list(out),
            kind=InspectionKind.SELF,
            status=RoundStatus.MISSED,
            due_on__gte=quarter.first_day,
            due_on__lte=quarter.last_day,
        )
        .values_list("pk", "contract_id", "due_on")
        .order_by("due_on", "pk")
    ):
        out[contract_id].missed_self_checks.append(
            clause_engine.MissedSelfCheck(pk, f"XJ-{pk:06d}", on=_date(day))  # as Round.reference
        )


def _date(value: Any) -> dt.date:
    """A date column as a date (raw cursors on SQLite give text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def facts_summary(facts: ContractFacts) -> dict[str, int]:
    """The counts of the facts the clauses price, as the evaluation stores and shows them beside the money."""
    return {
        "failed_items": len(facts.failed_items),
        "upheld_complaints": len(facts.upheld_complaints),
        "carried_complaints": sum(1 for c in facts.upheld_complaints if c.carried_from),
        "overdue_rectifications": len(facts.overdue_rectifications),
        "overdue_days": sum(o.days for o in facts.overdue_rectifications),
    }


def satisfaction_of(evaluation: Evaluation) -> dict[str, Any]:
    """Where an evaluation's S came from, as stored with it: the source, the forms' share and the months (the
    surveys-only evaluations, and those computed before the monthly forms existed, store no detail)."""
    detail = (evaluation.explanation or {}).get("satisfaction")
    if detail:
        return detail
    return {"source": "surveys", "forms_share": None, "months": []}


def satisfaction_shown(evaluation: Evaluation) -> dict[str, Any]:
    """``satisfaction_of`` for a page or a PDF: the source in words and the surveys' share beside the forms'."""
    from scoring.choices import SatisfactionSource

    detail = dict(satisfaction_of(evaluation))
    detail["label"] = SatisfactionSource(detail["source"]).label
    if detail.get("forms_share") is not None:
        detail["surveys_share"] = str(Decimal(100) - Decimal(detail["forms_share"]))
    return detail


def evaluable_contracts(quarter: Quarter) -> QuerySet:
    return contracts_active_in(quarter).select_related("vendor", "category").order_by("number")


@dataclass(frozen=True)
class SchemeChoice:
    by_category: dict[int, EvaluationScheme]
    default: EvaluationScheme

    def for_contract(self, contract: Contract) -> EvaluationScheme:
        return self.by_category.get(contract.category_id, self.default)


def current_schemes() -> SchemeChoice:
    schemes = list(EvaluationScheme.objects.filter(is_current=True))
    default = next((s for s in schemes if s.category_id is None), None)
    if default is None:
        raise EvaluationScheme.DoesNotExist("no current default evaluation scheme")
    return SchemeChoice({s.category_id: s for s in schemes if s.category_id is not None}, default)


def scheme_data(scheme: EvaluationScheme, weights: dict[str, Decimal] | None = None) -> calculations.Scheme:
    return calculations.Scheme(
        weights=weights or scheme.weights,
        bands=scheme.bands,
        complaint_points_normal=scheme.complaint_points_normal,
        complaint_points_serious=scheme.complaint_points_serious,
        adjustment_bound=scheme.adjustment_bound,
        satisfaction_source=scheme.satisfaction_source,
        satisfaction_forms_share=scheme.satisfaction_forms_share,
    )


@dataclass(frozen=True)
class ComponentValue:
    """A component of an evaluation as a list shows it (read as values: 15,000 model instances for 3,000 contracts
    cost more than the rest of the page)."""

    code: str
    value: Decimal | None
    n: int
    weight: Decimal
    effective_weight: Decimal


def quarter_overview(quarter: Quarter, evaluations: QuerySet | None = None) -> list[dict[str, Any]]:
    """The evaluations of a quarter (all, or those of ``evaluations``, a filtered queryset) with their components,
    their rank in the whole quarter and the change from the previous quarter (three queries; four filtered)."""
    ordering = ("-score", "contract__number")
    filtered = evaluations is not None
    # the explanation and the facts are the evaluation page's and the report's, not a list's: at 3,000 contracts
    # decoding them was a third of the page
    evaluations = list(
        (evaluations if filtered else Evaluation.objects.all())
        .filter(quarter=quarter.key)
        .select_related("contract__vendor", "contract__category")
        .defer("explanation", "facts")
        .order_by(*ordering)
    )
    values = EvaluationComponent.objects.filter(evaluation__quarter=quarter.key)
    if filtered:
        values = values.filter(evaluation__in=[e.pk for e in evaluations])
    by_evaluation: dict[int, dict[str, ComponentValue]] = defaultdict(dict)
    for evaluation_id, *fields in values.values_list(
        "evaluation_id", "code", "value", "n", "weight", "effective_weight"
    ).order_by():
        by_evaluation[evaluation_id][fields[0]] = ComponentValue(*fields)
    if filtered:  # the rank stays the one in the whole quarter
        order = Evaluation.objects.filter(quarter=quarter.key).order_by(*ordering).values_list("pk", flat=True)
        ranks = {pk: rank for rank, pk in enumerate(order, start=1)}
    else:
        ranks = {e.pk: rank for rank, e in enumerate(evaluations, start=1)}
    previous = dict(
        Evaluation.objects.filter(
            quarter=quarter.previous().key, contract_id__in=[e.contract_id for e in evaluations]
        ).values_list("contract_id", "score")
    )
    warnings = dict(
        Contract.objects.filter(pk__in=[e.contract_id for e in evaluations])
        .annotate(n=Count("warnings", filter=Q(warnings__quarter=quarter.key, warnings__withdrawn_at__isnull=True)))
        .values_list("pk", "n")
    )
    settlements = {
        s.contract_id: s
        for s in Settlement.objects.filter(quarter=quarter.key, contract_id__in=[e.contract_id for e in evaluations])
    }
    objections = dict(
        Objection.objects.filter(evaluation__in=[e.pk for e in evaluations], status=ObjectionStatus.OPEN)
        .values("evaluation_id")
        .annotate(n=Count("pk"))
        .values_list("evaluation_id", "n")
        .order_by()
    )
    rows = []
    for evaluation in evaluations:
        components = by_evaluation.get(evaluation.pk, {})
        before = previous.get(evaluation.contract_id)
        rows.append(
            {
                "rank": ranks[evaluation.pk],
                "evaluation": evaluation,
                "components": components,
                "previous": before,
                "change": evaluation.score - before if before is not None else None,
                "warnings": warnings.get(evaluation.contract_id, 0),
                "settlement": settlements.get(evaluation.contract_id),
                "open_objections": objections.get(evaluation.pk, 0),
            }
        )
    return rows


MONEY_TOTALS = ("fee", "deductions", "cap_applied", "bonuses", "adjustments", "payable")


def overview_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The quarter's money summed over the rows shown (each from its settlement), with warnings and objections."""
    totals: dict[str, Any] = {name: Decimal(0) for name in MONEY_TOTALS}
    for row in rows:
        if row["settlement"] is not None:
            for name in MONEY_TOTALS:
                totals[name] += getattr(row["settlement"], name)
    totals["warnings"] = sum(row["warnings"] for row in rows)
    totals["open_objections"] = sum(row["open_objections"] for row in rows)
    return totals


def facts_from_ledger(settlement_id: int) -> dict[str, int]:
    """The facts a settlement's ledger priced: one per piece of evidence a clause charged (the overdue days
    from the lines' explanations). What a final evaluation's facts must say when they were stored wrong."""
    from contracts.models import LedgerLine

    evidence: dict[str, set[int]] = {"item_result": set(), "complaint": set(), "rectification": set()}
    carried: set[int] = set()
    days: dict[int, int] = defaultdict(int)
    for evidence_type, evidence_id, explanation in (
        LedgerLine.objects.filter(settlement_id=settlement_id)
        .exclude(kind=LedgerKind.ADJUSTMENT)
        .values_list("evidence_type", "evidence_id", "explanation")
    ):
        if evidence_type in evidence:
            evidence[evidence_type].add(evidence_id)
        params = (explanation or {}).get("params") or {}
        if evidence_type == "rectification":
            days[evidence_id] += int(params.get("days") or 0)
        if (explanation or {}).get("code") == "per_upheld_complaint_late":
            carried.add(evidence_id)
    return {
        "failed_items": len(evidence["item_result"]),
        "upheld_complaints": len(evidence["complaint"]),
        "carried_complaints": len(carried),
        "overdue_rectifications": len(evidence["rectification"]),
        "overdue_days": sum(days.values()),
    }


# --- what a vendor may object to ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ObjectionOption:
    """One fact of a published quarter the vendor may object to, named so that a recompute keeps its name."""

    key: str
    target: str
    target_id: int | None
    evidence_type: str
    evidence_id: int | None
    reference: str
    amount: Decimal | None = None


def objection_options(evaluation: Evaluation) -> list[ObjectionOption]:
    """The score, every ledger line of the quarter's settlement, and the quarter's priced facts that no line
    names (a failed item, an upheld complaint, an overdue rectification order the clauses did not price). A
    fixed number of queries."""
    options = [
        ObjectionOption(
            key="score",
            target=ObjectionTarget.SCORE,
            target_id=None,
            evidence_type="score",
            evidence_id=None,
            reference=_("The score: %(score)s, grade %(grade)s")
            % {"score": evaluation.score, "grade": evaluation.grade},
        )
    ]
    priced = set()
    lines = (
        LedgerLine.objects.filter(contract_id=evaluation.contract_id, quarter=evaluation.quarter)
        .select_related("clause")
        .order_by("kind", "clause_id", "evidence_key")
    )
    for line in lines:
        priced.add((line.evidence_type, line.evidence_id))
        sign = {LedgerKind.DEDUCTION: "−", LedgerKind.BONUS: "+"}.get(line.kind, "")
        what = clause_kinds.label(line.clause.kind) if line.clause_id else _("Correction by the office")
        evidence = line.evidence_ref or line.get_evidence_type_display()
        options.append(
            ObjectionOption(
                key=f"line:{line.clause_id or 0}:{line.evidence_key}",
                target=ObjectionTarget.LEDGER_LINE,
                target_id=line.pk,
                evidence_type=line.evidence_type,
                evidence_id=line.evidence_id,
                reference=f"{what} · {evidence} · {sign}{money(line.amount)}",
                amount=line.amount,
            )
        )
    quarter = Quarter.parse(evaluation.quarter)
    facts = quarter_facts(quarter, [evaluation.contract])[evaluation.contract_id]
    # the priced facts no line names: the objection targets the record that the ruling corrects
    unpriced = (
        (
            facts.failed_items,
            EvidenceType.ITEM_RESULT,
            lambda item: _("Failed checklist item %(ref)s") % {"ref": item.ref},
        ),
        (
            facts.upheld_complaints,
            EvidenceType.COMPLAINT,
            lambda complaint: _("Upheld complaint %(ref)s") % {"ref": complaint.ref},
        ),
        (
            facts.overdue_rectifications,
            EvidenceType.RECTIFICATION,
            lambda order: (
                _("Overdue rectification order %(ref)s (%(days)d days)") % {"ref": order.ref, "days": order.days}
            ),
        ),
    )
    for records, kind, describe in unpriced:
        for record in records:
            if (kind, record.id) not in priced:
                options.append(
                    ObjectionOption(
                        f"{kind.value}:{record.id}",
                        ObjectionTarget(kind.value),
                        record.id,
                        kind,
                        record.id,
                        describe(record),
                    )
                )
    return options


def coverage_by_component(contract_id: int, quarter: Quarter) -> dict[str, Any]:
    """Component code (D, W, M, SELF) -> the coverage of its planned rounds in the quarter
    (``inspections.selectors.Coverage``; absent where the contract has no plan of that kind), so that a
    component computed from 3 of 13 due checks says so."""
    from inspections.selectors import coverage_by_contract

    by_kind = coverage_by_contract(quarter.first_day, quarter.last_day, [contract_id]).get(contract_id, {})
    return {
        component.code: by_kind[kind] for kind, component in components.BY_INSPECTION_KIND.items() if kind in by_kind
    }
