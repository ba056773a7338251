"""The clause engine: a contract's terms versions + one quarter's facts -> ledger lines, warnings and flags.

Pure code (no ORM, no settings): plain dataclasses in, plain dataclasses out, every amount a Decimal. What
each kind of clause does is defined once, in ``contracts.clause_kinds``; this module decides which version
prices what and adds the lines up.

Rules
- The quarter's fee comes in with the facts (``contracts.terms.fee_basis``: each day in force priced by the
  version in force that day, rounded once).
- Event clauses price each fact by the version in force on the fact's date: a failed item by its
  inspection date, a complaint by the day it was upheld, an overdue rectification by each overdue day (an
  order overdue across a supplementary agreement gets one line per version), a late work order round by the
  day its completion clock passed. Score clauses, warnings,
  flags and the cap use the version in force on the contract's last day in force in the quarter
  (``pricing_day``); their percentages apply to the quarter's fee.
- Each ledger line's amount is rounded half-up to 0.01 once, at the end of its own computation, and names
  the version whose clause priced it.
- Deductions are summed, then capped by the ``deduction_cap`` clause (p% of the quarter's fee, rounded
  once); ``cap_applied`` is what the cap removed. Bonuses are not capped.
- payable = fee - deductions + cap_applied + bonuses.
- Score clauses need a score; without one (no evaluation) they do not fire. Lines of amount zero are not
  written.
- ``terminate_after_warnings``: when at least N warnings fall within the last M quarters (this one
  included), termination is recommended: a flag for the office, never an automatic termination.
- ``renewal_preference``: grade A in at least k of the last n quarters (this one included).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from contracts import clause_kinds
from contracts.choices import LedgerKind
from contracts.clause_kinds import explain, money

__all__ = ["explain", "money"]

ZERO = Decimal(0)
ONE_DAY = dt.timedelta(days=1)


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


@dataclass(frozen=True)
class TermsSpec:
    """A terms version: in force from ``effective_from`` until the next version's, with its clauses."""

    id: int
    number: int
    effective_from: dt.date
    clauses: Sequence[ClauseSpec]


@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class FailedItem:
    id: int
    severity: str  # minor / major / serious
    ref: str  # e.g. "JC-000123/C03"
    on: dt.date | None = None  # the inspection date (None: priced by the version of the pricing day)


@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class UpheldComplaint:
    id: int
    ref: str
    on: dt.date | None = None  # the day it was upheld
    carried_from: str = ""  # the quarter it was filed in, when it was upheld after that one was final


@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class OverdueRectification:
    id: int
    days: int  # overdue days in the quarter, consecutive from ``first``
    ref: str
    first: dt.date | None = None  # the first of them (None: all priced by the version of the pricing day)

    def split(self, first: dt.date, last: dt.date | None) -> OverdueRectification | None:
        """The overdue days between ``first`` and ``last`` (None: no end), or None."""
        lo = max(self.first, first)
        hi = self.first + dt.timedelta(days=self.days - 1)
        if last is not None:
            hi = min(hi, last)
        days = (hi - lo).days + 1
        return OverdueRectification(self.id, days, self.ref, lo) if days > 0 else None


@dataclass(frozen=True, slots=True)
class MissedSelfCheck:
    """A vendor's self-check round its plan made due and the window passed without (inspections.Round)."""

    id: int
    ref: str  # e.g. "XJ-000123"
    on: dt.date | None = None  # the round's day


@dataclass(frozen=True, slots=True)
class LateWorkOrder:
    """A work order round of the quarter whose completion clock was missed (``inspections.desk_rules``): completed
    after it, or not completed by it. The times are the institution's, as the vendor and the office read them."""

    id: int  # the round (inspections.WorkOrderRound)
    ref: str  # e.g. "GD-000123 #2": the work order and its round
    due: str  # "2026-10-12 17:30"
    completed: str = ""  # "" when it was not completed by the time its clock passed (nor since, as counted)
    on: dt.date | None = None  # the day its completion clock passed


@dataclass(frozen=True)
class QuarterFacts:
    quarter: str  # "2026Q3"
    fee: Decimal
    score: Decimal | None = None
    grade: str | None = None
    failed_items: Sequence[FailedItem] = ()
    upheld_complaints: Sequence[UpheldComplaint] = ()
    overdue_rectifications: Sequence[OverdueRectification] = ()
    missed_self_checks: Sequence[MissedSelfCheck] = ()
    late_work_orders: Sequence[LateWorkOrder] = ()
    # earlier quarters' warnings, and the office's own warnings of this quarter
    warnings_by_quarter: Mapping[str, int] = field(default_factory=dict)
    grades_by_quarter: Mapping[str, str] = field(default_factory=dict)  # earlier quarters only


# --- Outputs --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)  # one per piece of evidence: tens of thousands per close
class Line:
    kind: str  # deduction / bonus
    amount: Decimal
    clause_id: int
    evidence_type: str  # item_result / complaint / rectification / round / work_order / score
    evidence_id: int | None
    evidence_key: str
    evidence_ref: str
    explanation: dict[str, Any]  # {"code": ..., "params": {...}}, worded at display time
    terms_id: int = 0  # the version whose clause priced it


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
    flags: dict[str, dict[str, Any]]  # "termination" / "renewal" -> the reason
    terms_id: int = 0  # the version of the score clauses, warnings, flags and the cap

    @property
    def cap_binds(self) -> bool:
        return self.cap_applied > 0

    @property
    def termination_recommended(self) -> bool:
        return "termination" in self.flags

    @property
    def termination_reason(self) -> dict[str, Any] | None:
        return self.flags.get("termination")

    @property
    def renewal_preferred(self) -> bool:
        return "renewal" in self.flags

    @property
    def renewal_reason(self) -> dict[str, Any] | None:
        return self.flags.get("renewal")


# --- The engine -----------------------------------------------------------------------------------------
def _slices(ordered: Sequence[TermsSpec], facts: QuarterFacts, pricing: int) -> list[QuarterFacts]:
    """The facts each version prices: those dated within its days (undated ones: the pricing version's)."""
    if len(ordered) == 1:
        return [facts]
    starts = [terms.effective_from for terms in ordered]

    def owner(day: dt.date | None) -> int:
        return pricing if day is None else max(0, bisect.bisect_right(starts, day) - 1)

    items: list[list[FailedItem]] = [[] for _ in ordered]
    complaints: list[list[UpheldComplaint]] = [[] for _ in ordered]
    overdue: list[list[OverdueRectification]] = [[] for _ in ordered]
    missed: list[list[MissedSelfCheck]] = [[] for _ in ordered]
    late: list[list[LateWorkOrder]] = [[] for _ in ordered]
    for check in facts.missed_self_checks:
        missed[owner(check.on)].append(check)
    for job in facts.late_work_orders:
        late[owner(job.on)].append(job)
    for item in facts.failed_items:
        items[owner(item.on)].append(item)
    for complaint in facts.upheld_complaints:
        complaints[owner(complaint.on)].append(complaint)
    for order in facts.overdue_rectifications:
        if order.first is None:
            overdue[pricing].append(order)
            continue
        for index, terms in enumerate(ordered):
            first = dt.date.min if index == 0 else terms.effective_from
            last = ordered[index + 1].effective_from - ONE_DAY if index + 1 < len(ordered) else None
            part = order.split(first, last)
            if part is not None:
                overdue[index].append(part)
    return [
        replace(
            facts,
            failed_items=items[i],
            upheld_complaints=complaints[i],
            overdue_rectifications=overdue[i],
            missed_self_checks=missed[i],
            late_work_orders=late[i],
        )
        for i in range(len(ordered))
    ]


def apply_terms(terms: Sequence[TermsSpec], facts: QuarterFacts, *, pricing_day: dt.date) -> Outcome:
    """Price a quarter's facts by the contract's terms versions (every version that could be in force in the
    quarter; ``pricing_day`` is the contract's last day in force in it)."""
    if not terms:
        raise ValueError("a contract without terms cannot be priced")
    ordered = sorted(terms, key=lambda t: t.effective_from)
    pricing = max(0, bisect.bisect_right([t.effective_from for t in ordered], pricing_day) - 1)
    slices = _slices(ordered, facts, pricing)
    lines: list[Line] = []
    warnings: list[WarningOutcome] = []
    cap: Decimal | None = None
    flagging: list[tuple[clause_kinds.ClauseKind, ClauseSpec]] = []
    for index, version in enumerate(ordered):
        for clause in version.clauses:
            kind = clause_kinds.get(clause.kind)
            if kind is None:
                raise ValueError(f"unknown kind of clause: {clause.kind!r}")
            if kind.role == "event":
                priced = kind.lines(clause, slices[index])
            elif index != pricing:
                continue
            elif kind.role == "score":
                priced = kind.lines(clause, facts)
            else:
                if kind.role == "cap":
                    cap = kind.cap(clause, facts)
                elif kind.role == "warning":
                    reason = kind.warning(clause, facts)
                    if reason is not None:
                        warnings.append(WarningOutcome(clause.id, reason))
                elif kind.role == "flag":
                    flagging.append((kind, clause))
                continue
            lines.extend(
                Line(
                    p.kind,
                    p.amount,
                    clause.id,
                    p.evidence_type,
                    p.evidence_id,
                    p.evidence_key,
                    p.evidence_ref,
                    p.explanation,
                    version.id,
                )
                for p in priced
            )
    flags: dict[str, dict[str, Any]] = {}
    for kind, clause in flagging:  # after the warnings: the termination ladder counts this quarter's
        raised = kind.flag(clause, facts, len(warnings))
        if raised is not None:
            flags[raised[0]] = raised[1]

    deductions = sum((line.amount for line in lines if line.kind == LedgerKind.DEDUCTION), ZERO)
    bonuses = sum((line.amount for line in lines if line.kind == LedgerKind.BONUS), ZERO)
    cap_applied = max(ZERO, deductions - cap) if cap is not None else ZERO
    return Outcome(
        fee=facts.fee,
        lines=lines,
        deductions=deductions,
        cap=cap,
        cap_applied=cap_applied,
        bonuses=bonuses,
        payable=facts.fee - deductions + cap_applied + bonuses,
        warnings=warnings,
        flags=flags,
        terms_id=ordered[pricing].id,
    )
