"""The clause engine on worked cases: every clause type, partial quarters, the cap, rounding at the half cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts.clauses import (
    ClauseSpec,
    FailedItem,
    OverdueRectification,
    QuarterFacts,
    TermsSpec,
    UpheldComplaint,
    apply_terms,
)
from contracts.terms import Version, fee_basis, in_force_spans

D = Decimal
FEE = D("100000.00")

ITEMS = ClauseSpec(1, "per_failed_item", amount_minor=D(100), amount_major=D(300), amount_serious=D(1000))
COMPLAINTS = ClauseSpec(2, "per_upheld_complaint", amount=D(500))
OVERDUE = ClauseSpec(3, "per_overdue_rectification_day", amount=D(200))
BELOW = ClauseSpec(4, "score_below", threshold=D(80), percent=D(5))
BONUS_AMOUNT = ClauseSpec(5, "score_at_least", threshold=D(95), amount=D(2000))
BONUS_PERCENT = ClauseSpec(6, "score_at_least", threshold=D(95), percent=D(2))
WARNING = ClauseSpec(7, "warning_below", threshold=D(70))
CAP = ClauseSpec(8, "deduction_cap", percent=D(10))
BELOW_10 = ClauseSpec(9, "score_below", threshold=D(80), percent=D(10))
TERMINATE = ClauseSpec(10, "terminate_after_warnings", count=2, window=4)
RENEWAL = ClauseSpec(11, "renewal_preference", count=3, window=4)

FAILED = [
    FailedItem(11, "minor", "INS-1/C01"),
    FailedItem(12, "minor", "INS-1/C02"),
    FailedItem(13, "major", "INS-2/C05"),
    FailedItem(14, "serious", "INS-3/S01"),
]


def apply_clauses(clauses, quarter_facts):
    """The engine with one terms version (the whole quarter priced by these clauses)."""
    return apply_terms([TermsSpec(1, 1, dt.date(2020, 1, 1), clauses)], quarter_facts, pricing_day=dt.date(2026, 9, 30))


def quarter_fee(annual, *, quarter_first, quarter_last, contract_start, contract_end):
    """The fee of one version over the contract's days in the quarter (contracts.terms)."""
    spans = in_force_spans(quarter_first, quarter_last, start=contract_start, end=contract_end)
    version = Version(1, 1, contract_start, annual)
    return fee_basis([version], spans, quarter_days=(quarter_last - quarter_first).days + 1).fee


def facts(**kwargs):
    return QuarterFacts(quarter="2026Q3", fee=kwargs.pop("fee", FEE), **kwargs)


# the items of FAILED priced by ITEMS (100 + 100 + 300 + 1000): deductions, cap_applied, bonuses, payable, line amounts
FAILED_ITEMS_OUTCOME = ("1500.00", "0", "0", "98500.00", ["100.00", "100.00", "300.00", "1000.00"])

# (case, clauses, facts, deductions, cap_applied, bonuses, payable, line amounts)
CASES = [
    ("failed items by severity", [ITEMS], facts(failed_items=FAILED), *FAILED_ITEMS_OUTCOME),
    (
        "upheld complaints",
        [COMPLAINTS],
        facts(upheld_complaints=[UpheldComplaint(i, f"TS{i}") for i in (1, 2, 3)]),
        "1500.00",
        "0",
        "0",
        "98500.00",
        ["500.00", "500.00", "500.00"],
    ),
    (
        "overdue rectification days",
        [OVERDUE],
        facts(overdue_rectifications=[OverdueRectification(1, 3, "R1"), OverdueRectification(2, 1, "R2")]),
        "800.00",
        "0",
        "0",
        "99200.00",
        ["600.00", "200.00"],
    ),
    ("score just below the threshold", [BELOW], facts(score=D("79.99")), "5000.00", "0", "0", "95000.00", ["5000.00"]),
    ("score at the threshold: no deduction", [BELOW], facts(score=D("80.00")), "0", "0", "0", "100000.00", []),
    (
        "no score: score clauses do not fire",
        [BELOW, BONUS_AMOUNT, WARNING],
        facts(score=None),
        "0",
        "0",
        "0",
        "100000.00",
        [],
    ),
    (
        "bonus as an amount at the threshold",
        [BONUS_AMOUNT],
        facts(score=D("95.00")),
        "0",
        "0",
        "2000.00",
        "102000.00",
        ["2000.00"],
    ),
    ("bonus as a percent", [BONUS_PERCENT], facts(score=D("97.50")), "0", "0", "2000.00", "102000.00", ["2000.00"]),
    ("bonus just missed", [BONUS_PERCENT], facts(score=D("94.99")), "0", "0", "0", "100000.00", []),
    (
        "cap binds",
        [BELOW_10, ITEMS, CAP],
        facts(score=D("60"), failed_items=FAILED),
        "11500.00",
        "1500.00",
        "0",
        "90000.00",
        ["10000.00", "100.00", "100.00", "300.00", "1000.00"],
    ),
    ("cap does not bind", [ITEMS, CAP], facts(failed_items=FAILED), *FAILED_ITEMS_OUTCOME),  # as without the cap
    (
        "bonuses with deductions and a binding cap",
        [BELOW_10, COMPLAINTS, CAP, ClauseSpec(12, "score_at_least", threshold=D(0), amount=D(2000))],
        facts(score=D("50"), upheld_complaints=[UpheldComplaint(i, f"TS{i}") for i in range(10)]),
        "15000.00",
        "5000.00",
        "2000.00",
        "92000.00",
        ["10000.00"] + ["500.00"] * 10 + ["2000.00"],
    ),
    (
        "a percentage on the half cent rounds up",
        [BELOW],
        facts(fee=D("10000.10"), score=D("1")),
        "500.01",
        "0",
        "0",
        "9500.09",
        ["500.01"],
    ),
    (
        "a cap on the half cent rounds up",
        [ClauseSpec(13, "deduction_cap", percent=D(5)), BELOW_10],
        facts(fee=D("10000.10"), score=D("1")),
        "1000.01",
        "500.00",
        "0",
        "9500.09",
        ["1000.01"],
    ),  # cap 500.005 -> 500.01
]


@pytest.mark.parametrize(
    ("case", "clauses", "quarter_facts", "deductions", "cap_applied", "bonuses", "payable", "lines"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_worked_cases(case, clauses, quarter_facts, deductions, cap_applied, bonuses, payable, lines):
    outcome = apply_clauses(clauses, quarter_facts)
    assert outcome.deductions == D(deductions)
    assert outcome.cap_applied == D(cap_applied)
    assert outcome.bonuses == D(bonuses)
    assert outcome.payable == D(payable)
    assert [str(line.amount) for line in outcome.lines] == lines
    assert outcome.payable == outcome.fee - outcome.deductions + outcome.cap_applied + outcome.bonuses


def test_every_line_points_at_its_evidence():
    outcome = apply_clauses(
        [ITEMS, COMPLAINTS, OVERDUE, BELOW, BONUS_AMOUNT],
        facts(
            score=D("99"),
            failed_items=FAILED[:1],
            upheld_complaints=[UpheldComplaint(7, "TS7")],
            overdue_rectifications=[OverdueRectification(9, 2, "R9")],
        ),
    )
    assert [
        (line.clause_id, line.evidence_type, line.evidence_id, line.evidence_key, line.evidence_ref)
        for line in outcome.lines
    ] == [
        (1, "item_result", 11, "item_result:11", "INS-1/C01"),
        (2, "complaint", 7, "complaint:7", "TS7"),
        (3, "rectification", 9, "rectification:9", "R9"),
        (5, "score", None, "score:2026Q3", "2026Q3"),
    ]
    assert outcome.lines[2].explanation == {
        "code": "per_overdue_day",
        "params": {"ref": "R9", "days": 2, "rate": "200"},
    }


def test_the_cap_says_by_how_much_it_binds():
    outcome = apply_clauses([BELOW_10, ITEMS, CAP], facts(score=D("60"), failed_items=FAILED))
    assert (outcome.cap, outcome.cap_applied, outcome.cap_binds) == (D("10000.00"), D("1500.00"), True)


def test_a_warning_below_the_threshold_only():
    assert [w.clause_id for w in apply_clauses([WARNING], facts(score=D("69.99"))).warnings] == [7]
    assert apply_clauses([WARNING], facts(score=D("70.00"))).warnings == []


@pytest.mark.parametrize(
    ("history", "score", "recommended"),
    [
        ({}, D("60"), False),  # the first warning
        ({"2025Q4": 1}, D("60"), True),  # the second within four quarters (2025Q4..2026Q3)
        ({"2025Q2": 1}, D("60"), False),  # 2025Q2 is outside the window 2025Q4..2026Q3
        ({"2025Q4": 1, "2026Q1": 1}, D("90"), True),  # already two in the window, none this quarter
        ({"2026Q2": 1}, D("75"), False),  # no warning this quarter (75 >= 70), one before: not yet
    ],
)
def test_termination_is_recommended_at_the_nth_warning_within_the_window(history, score, recommended):
    outcome = apply_clauses([WARNING, TERMINATE], facts(score=score, warnings_by_quarter=history))
    assert outcome.termination_recommended is recommended


def test_renewal_preference_after_enough_a_grades():
    clauses = [RENEWAL]
    two_before = {"2026Q1": "A", "2026Q2": "A", "2025Q4": "B"}
    assert apply_clauses(clauses, facts(grade="A", grades_by_quarter=two_before)).renewal_preferred is True
    assert apply_clauses(clauses, facts(grade="B", grades_by_quarter=two_before)).renewal_preferred is False
    old = {"2025Q2": "A", "2025Q3": "A"}  # outside the last four quarters
    assert apply_clauses(clauses, facts(grade="A", grades_by_quarter=old)).renewal_preferred is False


@pytest.mark.parametrize(
    ("annual", "start", "end", "fee"),
    [
        ("400000.00", dt.date(2026, 1, 1), dt.date(2027, 12, 31), "100000.00"),  # the whole quarter
        ("365000.00", dt.date(2026, 8, 16), dt.date(2027, 8, 15), "45625.00"),  # 46 of 92 days
        ("365000.00", dt.date(2026, 9, 10), dt.date(2027, 9, 9), "20828.80"),  # 21 of 92 days: 20828.8043...
        ("365000.00", dt.date(2025, 1, 1), dt.date(2026, 7, 31), "30747.28"),  # 31 of 92 days: 30747.2826...
        ("100000.02", dt.date(2026, 1, 1), dt.date(2027, 1, 1), "25000.01"),  # 25000.005 rounds up
        ("400000.00", dt.date(2027, 1, 1), dt.date(2027, 12, 31), "0.00"),  # not yet started
    ],
)
def test_quarter_fee_is_prorated_by_days(annual, start, end, fee):
    assert quarter_fee(
        D(annual),
        quarter_first=dt.date(2026, 7, 1),
        quarter_last=dt.date(2026, 9, 30),
        contract_start=start,
        contract_end=end,
    ) == D(fee)
