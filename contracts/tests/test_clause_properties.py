"""Properties of the clause engine (hypothesis; pure code, no database).

Clauses are drawn within the ranges the database enforces (contracts.models.Clause: percents and
thresholds 0..100, amounts >= 0, counts and windows >= 1, at most one cap); facts are any quarter's.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.clauses import (
    ClauseSpec,
    FailedItem,
    OverdueRectification,
    QuarterFacts,
    UpheldComplaint,
)
from contracts.tests.test_clause_engine import apply_clauses, quarter_fee

D = Decimal
CENT = D("0.01")
EXAMPLES = settings(max_examples=80, deadline=None, derandomize=True, database=None)

money = st.decimals(min_value=0, max_value=100000, places=2)
percent = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def clause(draw, id_: int, kind: str) -> ClauseSpec:
    if kind == "per_failed_item":
        return ClauseSpec(id_, kind, amount_minor=draw(money), amount_major=draw(money), amount_serious=draw(money))
    if kind in ("per_upheld_complaint", "per_overdue_rectification_day"):
        return ClauseSpec(id_, kind, amount=draw(money))
    if kind == "score_below":
        return ClauseSpec(id_, kind, threshold=draw(percent), percent=draw(percent))
    if kind == "score_at_least":
        if draw(st.booleans()):
            return ClauseSpec(id_, kind, threshold=draw(percent), amount=draw(money))
        return ClauseSpec(id_, kind, threshold=draw(percent), percent=draw(percent))
    if kind == "warning_below":
        return ClauseSpec(id_, kind, threshold=draw(percent))
    if kind == "deduction_cap":
        return ClauseSpec(id_, kind, percent=draw(percent))
    return ClauseSpec(id_, kind, count=draw(st.integers(1, 6)), window=draw(st.integers(1, 8)))


KINDS = [
    "per_failed_item",
    "per_upheld_complaint",
    "per_overdue_rectification_day",
    "score_below",
    "score_at_least",
    "warning_below",
    "terminate_after_warnings",
    "renewal_preference",
]


@st.composite
def clause_sets(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), max_size=8))
    if draw(st.booleans()):
        kinds.append("deduction_cap")  # one cap at most (a unique constraint)
    kinds = draw(st.permutations(kinds))
    return [draw(clause(i + 1, kind)) for i, kind in enumerate(kinds)]


@st.composite
def facts(draw):
    score = draw(st.none() | percent)
    return QuarterFacts(
        quarter=draw(st.sampled_from(["2026Q1", "2026Q3", "2027Q4"])),
        fee=draw(st.decimals(min_value=0, max_value=10_000_000, places=2)),
        score=score,
        grade=None if score is None else draw(st.sampled_from("ABCD")),
        failed_items=[
            FailedItem(i, draw(st.sampled_from(["minor", "major", "serious"])), f"I{i}")
            for i in range(draw(st.integers(0, 8)))
        ],
        upheld_complaints=[UpheldComplaint(i, f"C{i}") for i in range(draw(st.integers(0, 6)))],
        overdue_rectifications=[
            OverdueRectification(i, draw(st.integers(0, 90)), f"R{i}") for i in range(draw(st.integers(0, 4)))
        ],
        warnings_by_quarter=draw(st.dictionaries(st.sampled_from(["2025Q4", "2026Q1", "2026Q2"]), st.integers(0, 3))),
        grades_by_quarter=draw(st.dictionaries(st.sampled_from(["2025Q4", "2026Q1", "2026Q2"]), st.sampled_from("AB"))),
    )


def cents(value: Decimal) -> bool:
    return value == value.quantize(CENT)


@EXAMPLES
@given(clause_sets(), facts())
def test_money_is_never_negative_and_always_in_cents(clauses, quarter):
    outcome = apply_clauses(clauses, quarter)
    for line in outcome.lines:
        assert line.amount > 0 and cents(line.amount), line
    for value in (outcome.deductions, outcome.bonuses, outcome.cap_applied, outcome.payable):
        assert cents(value)
    assert outcome.deductions >= 0 and outcome.bonuses >= 0 and outcome.cap_applied >= 0
    assert outcome.deductions == sum((line.amount for line in outcome.lines if line.kind == "deduction"), D(0))
    assert outcome.bonuses == sum((line.amount for line in outcome.lines if line.kind == "bonus"), D(0))
    assert outcome.payable == outcome.fee - outcome.deductions + outcome.cap_applied + outcome.bonuses
    if outcome.cap is not None:  # the cap is at most 100% of the fee: what is deducted never exceeds the fee
        assert outcome.cap >= 0 and cents(outcome.cap)
        assert outcome.payable >= outcome.bonuses >= 0


@EXAMPLES
@given(clause_sets(), facts())
def test_the_cap_is_never_exceeded(clauses, quarter):
    outcome = apply_clauses(clauses, quarter)
    charged = outcome.deductions - outcome.cap_applied
    assert 0 <= outcome.cap_applied <= outcome.deductions
    if outcome.cap is None:
        assert outcome.cap_applied == 0
    else:
        assert charged == min(outcome.deductions, outcome.cap)
        assert outcome.cap_binds == (outcome.deductions > outcome.cap)


@EXAMPLES
@given(clause_sets(), facts(), st.sampled_from(["minor", "major", "serious"]))
def test_one_more_failed_item_never_raises_what_is_paid(clauses, quarter, severity):
    before = apply_clauses(clauses, quarter)
    item = FailedItem(999, severity, "I999")
    after = apply_clauses(clauses, QuarterFacts(**{**quarter.__dict__, "failed_items": [*quarter.failed_items, item]}))
    assert after.payable <= before.payable
    assert after.deductions - after.cap_applied >= before.deductions - before.cap_applied


@EXAMPLES
@given(clause_sets(), facts(), percent, percent)
def test_a_higher_score_never_lowers_what_is_paid_nor_adds_a_warning(clauses, quarter, a, b):
    low, high = sorted((a, b))
    at_low = apply_clauses(clauses, QuarterFacts(**{**quarter.__dict__, "score": low}))
    at_high = apply_clauses(clauses, QuarterFacts(**{**quarter.__dict__, "score": high}))
    assert at_high.payable >= at_low.payable
    assert len(at_high.warnings) <= len(at_low.warnings)


@EXAMPLES
@given(
    st.decimals(min_value=0, max_value=100_000_000, places=2),
    st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)),
    st.integers(0, 1500),
    st.sampled_from([(dt.date(2026, 1, 1), dt.date(2026, 3, 31)), (dt.date(2026, 7, 1), dt.date(2026, 9, 30))]),
)
def test_the_quarter_fee_is_a_prorated_quarter_of_the_annual_fee(annual, start, length, quarter):
    first, last = quarter
    end = start + dt.timedelta(days=length)
    fee = quarter_fee(annual, quarter_first=first, quarter_last=last, contract_start=start, contract_end=end)
    assert cents(fee)
    whole_quarter = (annual / 4).quantize(CENT, rounding=ROUND_HALF_UP)
    assert D(0) <= fee <= whole_quarter
    if end < first or start > last:
        assert fee == 0
    if start <= first and end >= last:
        assert fee == whole_quarter
