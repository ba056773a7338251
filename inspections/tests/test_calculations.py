"""The inspection score and overdue days on worked examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from inspections.calculations import ItemAnswer, overdue_days, overdue_days_in, score

D = Decimal


@pytest.mark.parametrize(
    ("answers", "awarded", "possible", "expected"),
    [
        ([("pass", "10"), ("pass", "20")], "30", "30", "100.00"),
        ([("pass", "10"), ("fail", "20")], "10", "30", "33.33"),  # 33.333...
        ([("pass", "10"), ("fail", "20"), ("na", "50")], "10", "30", "33.33"),  # n.a. drops out of both sums
        ([("partial", "10", "7.5"), ("pass", "20")], "27.5", "30", "91.67"),  # 91.666... rounds up
        ([("pass", "5"), ("partial", "3", "1"), ("fail", "8")], "6", "16", "37.50"),
        ([("partial", "3", "2"), ("pass", "5")], "7", "8", "87.50"),
        ([("pass", "2"), ("partial", "6", "4.01"), ("fail", "1")], "6.01", "9", "66.78"),  # 66.777...
        ([("pass", "1"), ("fail", "7")], "1", "8", "12.50"),  # 12.5 exactly
        ([("partial", "200", "0.01"), ("fail", "1")], "0.01", "201", "0.00"),  # 0.004975...
        ([("pass", "1"), ("fail", "199")], "1", "200", "0.50"),  # 0.5 exactly
        ([("partial", "400", "1.02"), ("fail", "0.01")], "1.02", "400.01", "0.25"),  # 0.2549... rounds down
        ([("na", "10"), ("na", "5")], "0", "0", None),  # nothing applicable: no score
    ],
)
def test_score_worked_examples(answers, awarded, possible, expected):
    items = [ItemAnswer(a[0], D(a[1]), D(a[2]) if len(a) > 2 else None) for a in answers]
    outcome = score(items)
    assert (outcome.awarded, outcome.possible) == (D(awarded), D(possible))
    assert outcome.score == (D(expected) if expected is not None else None)


def test_half_a_cent_rounds_up():
    # 100 x 1 / 16 = 6.25 exactly; 100 x 1 / 32 = 3.125 -> 3.13 (half-up), banker's rounding would give 3.12
    assert score([ItemAnswer("pass", D(1)), ItemAnswer("fail", D(31))]).score == D("3.13")


def test_partial_points_outside_the_item_are_refused():
    with pytest.raises(ValueError):
        score([ItemAnswer("partial", D(10), D("10.5"))])


def test_overdue_days_worked_example():
    deadline = dt.date(2026, 9, 10)
    assert overdue_days(deadline, None, dt.date(2026, 9, 10)) == 0  # due today: not overdue yet
    assert overdue_days(deadline, None, dt.date(2026, 9, 13)) == 3  # still open three days later
    assert overdue_days(deadline, dt.date(2026, 9, 12), dt.date(2026, 9, 30)) == 2  # rectified on the 12th
    assert overdue_days(deadline, dt.date(2026, 9, 8), dt.date(2026, 9, 30)) == 0  # rectified in time


def test_overdue_days_are_charged_in_the_quarter_they_fall_in():
    deadline = dt.date(2026, 9, 28)
    q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    # rectified on 5 October: 29 and 30 September in Q3, 1 to 5 October in Q4
    assert overdue_days_in(deadline, dt.date(2026, 10, 5), dt.date(2026, 11, 22), *q3) == 2
    assert overdue_days_in(deadline, dt.date(2026, 10, 5), dt.date(2026, 11, 22), *q4) == 5
    # still open on 22 November: 53 days in Q4 so far
    assert overdue_days_in(deadline, None, dt.date(2026, 11, 22), *q4) == 53
