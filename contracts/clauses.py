"""The clause engine: a contract's clauses + one quarter's facts -> ledger lines, warnings and flags.

Pure code (no ORM, no settings): plain dataclasses in, plain dataclasses out, every amount a Decimal.

Rules
- The quarter's fee is the annual fee / 4, prorated by days for a contract active for part of the quarter
  (x active days / days in the quarter), rounded half-up to 0.01 once.
- Each ledger line's amount is rounded half-up to 0.01 once, at the end of its own computation.
- Deductions are summed, then capped by the ``deduction_cap`` clause (p% of the quarter's fee, rounded
  once); ``cap_applied`` is what the cap removed. Bonuses are not capped.
- payable = fee - deductions + cap_applied + bonuses.
- ``score_below`` / ``score_at_least`` / ``warning_below`` need a score; without one (no evaluation) they
  do not fire. Lines of amount zero are not written.
- ``terminate_after_warnings``: when at least N warnings fall within the last M quarters (this one
  included), termination is recommended: a flag for the office, never an automatic termination.
- ``renewal_preference``: grade A in at least k of the last n quarters (this one included).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from logistics.quarters import Quarter

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Inputs ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClauseSpec:
    id: int
    kind: str
    threshold: Decimal | None = None
    percent: Decimal | None = None
    amount: Decimal | None = None
    amount_minor: Decimal | None = None
    amount_major: Decimal | None = None
    amount_serious: Decimal | None = None
    count: int | None = None
    window: int | None = None


@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class FailedItem:
    id: int
    severity: str  # minor / major / serious
    ref: str  # e.g. "INS-000123 / C03"


@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class UpheldComplaint:
    id: int
    ref: str


@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class OverdueRectification:
    id: int
    days: int
    ref: str


@dataclass(frozen=True)
class QuarterFacts:
    quarter: str  # "2026Q3"
    fee: Decimal
    score: Decimal | None = None
    grade: str | None = None
    failed_items: Sequence[FailedItem] = ()
    upheld_complaints: Sequence[UpheldComplaint] = ()
    overdue_rectifications: Sequence[OverdueRectification] = ()
    warnings_by_quarter: Mapping[str, int] = field(default_factory=dict)  # earlier quarters only
    grades_by_quarter: Mapping[str, str] = field(default_factory=dict)  # earlier quarters only


# --- Outputs --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class Line:
    kind: str  # deduction / bonus
    amount: Decimal
    clause_id: int
    evidence_type: str  # item_result / complaint / rectification / score
    evidence_id: int | None
    evidence_key: str
    evidence_ref: str
    explanation: dict[str, Any]  # {"code": ..., "params": {...}}, worded at display time


@dataclass(frozen=True)
class WarningOutcome:
    clause_id: int
    reason: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    fee: Decimal
    lines: list[Line]
    deductions: Decimal
    cap: Decimal | None
    cap_applied: Decimal
    bonuses: Decimal
    payable: Decimal
    warnings: list[WarningOutcome]
    termination_recommended: bool
    termination_reason: dict[str, Any] | None
    renewal_preferred: bool
    renewal_reason: dict[str, Any] | None

    @property
    def cap_binds(self) -> bool:
        return self.cap_applied > 0


def explain(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in params.items()}}


# --- The fee --------------------------------------------------------------------------------------------
def quarter_fee(
    annual_fee: Decimal,
    *,
    quarter_first: dt.date,
    quarter_last: dt.date,
    contract_start: dt.date,
    contract_end: dt.date,
) -> Decimal:
    """annual fee / 4 x active days / days in the quarter, rounded half-up to 0.01 once."""
    quarter_days = (quarter_last - quarter_first).days + 1
    first = max(quarter_first, contract_start)
    last = min(quarter_last, contract_end)
    active_days = max(0, (last - first).days + 1)
    return money(annual_fee / 4 * active_days / quarter_days)


# --- The engine -----------------------------------------------------------------------------------------
SEVERITY_FIELD = {"minor": "amount_minor", "major": "amount_major", "serious": "amount_serious"}


def apply_clauses(clauses: Sequence[ClauseSpec], facts: QuarterFacts) -> Outcome:
    lines: list[Line] = []
    warnings: list[WarningOutcome] = []
    cap_clause = next((c for c in clauses if c.kind == "deduction_cap"), None)
    score = facts.score

    for clause in clauses:
        if clause.kind == "per_failed_item":
            prices: dict[str, tuple[str, Decimal]] = {}  # per severity, shared by its lines (as str(rate) would be)
            for item in facts.failed_items:
                price = prices.get(item.severity)
                if price is None:
                    rate = getattr(clause, SEVERITY_FIELD.get(item.severity, "amount_minor")) or ZERO
                    price = prices[item.severity] = (str(rate), money(rate))
                rate, amount = price
                if amount > 0:
                    lines.append(
                        Line(
                            "deduction",
                            amount,
                            clause.id,
                            "item_result",
                            item.id,
                            f"item_result:{item.id}",
                            item.ref,
                            explain("per_failed_item", ref=item.ref, severity=item.severity, rate=rate),
                        )
                    )
        elif clause.kind == "per_upheld_complaint":
            amount = money(clause.amount or ZERO)
            for complaint in facts.upheld_complaints:
                if amount > 0:
                    lines.append(
                        Line(
                            "deduction",
                            amount,
                            clause.id,
                            "complaint",
                            complaint.id,
                            f"complaint:{complaint.id}",
                            complaint.ref,
                            explain("per_upheld_complaint", ref=complaint.ref, rate=clause.amount),
                        )
                    )
        elif clause.kind == "per_overdue_rectification_day":
            for order in facts.overdue_rectifications:
                amount = money((clause.amount or ZERO) * order.days)
                if amount > 0:
                    lines.append(
                        Line(
                            "deduction",
                            amount,
                            clause.id,
                            "rectification",
                            order.id,
                            f"rectification:{order.id}",
                            order.ref,
                            explain("per_overdue_day", ref=order.ref, days=order.days, rate=clause.amount),
                        )
                    )
        elif clause.kind == "score_below":
            if score is not None and score < clause.threshold:
                amount = money(facts.fee * clause.percent / HUNDRED)
                if amount > 0:
                    lines.append(
                        Line(
                            "deduction",
                            amount,
                            clause.id,
                            "score",
                            None,
                            f"score:{facts.quarter}",
                            facts.quarter,
                            explain(
                                "score_below",
                                score=score,
                                threshold=clause.threshold,
                                percent=clause.percent,
                                fee=facts.fee,
                            ),
                        )
                    )
        elif clause.kind == "score_at_least":
            if score is not None and score >= clause.threshold:
                if clause.amount is not None:
                    amount = money(clause.amount)
                    detail = explain("score_at_least_amount", score=score, threshold=clause.threshold, amount=amount)
                else:
                    amount = money(facts.fee * clause.percent / HUNDRED)
                    detail = explain(
                        "score_at_least_percent",
                        score=score,
                        threshold=clause.threshold,
                        percent=clause.percent,
                        fee=facts.fee,
                    )
                if amount > 0:
                    lines.append(
                        Line("bonus", amount, clause.id, "score", None, f"score:{facts.quarter}", facts.quarter, detail)
                    )
        elif clause.kind == "warning_below" and score is not None and score < clause.threshold:
            warnings.append(
                WarningOutcome(clause.id, explain("warning_below", score=score, threshold=clause.threshold))
            )

    deductions = sum((line.amount for line in lines if line.kind == "deduction"), ZERO)
    bonuses = sum((line.amount for line in lines if line.kind == "bonus"), ZERO)
    cap = money(facts.fee * cap_clause.percent / HUNDRED) if cap_clause is not None else None
    cap_applied = max(ZERO, deductions - cap) if cap is not None else ZERO
    payable = facts.fee - deductions + cap_applied + bonuses

    termination, termination_reason = False, None
    renewal, renewal_reason = False, None
    for clause in clauses:
        if clause.kind == "terminate_after_warnings":
            window = _window(facts, clause.window)
            count = sum(facts.warnings_by_quarter.get(q, 0) for q in window[:-1]) + len(warnings)
            if count >= clause.count:
                termination = True
                termination_reason = explain(
                    "terminate_after_warnings",
                    count=count,
                    needed=clause.count,
                    window=clause.window,
                    quarters=f"{window[0]}–{window[-1]}",
                )
        elif clause.kind == "renewal_preference":
            window = _window(facts, clause.window)
            grades = [facts.grades_by_quarter.get(q) for q in window[:-1]] + [facts.grade]
            excellent = sum(1 for g in grades if g == "A")
            if excellent >= clause.count:
                renewal = True
                renewal_reason = explain(
                    "renewal_preference",
                    count=excellent,
                    needed=clause.count,
                    window=clause.window,
                    quarters=f"{window[0]}–{window[-1]}",
                )

    return Outcome(
        fee=facts.fee,
        lines=lines,
        deductions=deductions,
        cap=cap,
        cap_applied=cap_applied,
        bonuses=bonuses,
        payable=payable,
        warnings=warnings,
        termination_recommended=termination,
        termination_reason=termination_reason,
        renewal_preferred=renewal,
        renewal_reason=renewal_reason,
    )


def _window(facts: QuarterFacts, size: int | None) -> list[str]:
    """The last ``size`` consecutive quarter keys, this one included, oldest first."""
    return [q.key for q in Quarter.parse(facts.quarter).back(max(1, size or 1))]
