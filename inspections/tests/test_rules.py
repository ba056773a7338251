"""The small rules, each in one place: a rectification's clock and satisfaction (worked examples)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from inspections import rules
from inspections.satisfaction import is_satisfied, rate_from_counts, satisfaction_rate

DEADLINE = dt.datetime(2026, 8, 10, 18, tzinfo=dt.UTC)
BEFORE, AFTER = DEADLINE - dt.timedelta(hours=2), DEADLINE + dt.timedelta(hours=2)


def test_an_answer_in_time_stops_the_clock_until_the_inspector_checks():
    assert rules.answered_in_time("answered", BEFORE, DEADLINE) is True
    assert rules.answered_in_time("answered", DEADLINE, DEADLINE) is True  # at the deadline is in time
    assert rules.answered_in_time("answered", AFTER, DEADLINE) is False
    assert rules.answered_in_time("open", BEFORE, DEADLINE) is False  # returned: the clock runs again
    assert rules.clock_stopped_at("answered", BEFORE, None, DEADLINE) == BEFORE
    assert rules.clock_stopped_at("answered", AFTER, None, DEADLINE) is None  # late: still running
    verified = DEADLINE + dt.timedelta(days=3)
    assert rules.clock_stopped_at("verified", BEFORE, verified, DEADLINE) == verified  # as resolved
    assert rules.clock_stopped_at("open", None, None, DEADLINE) is None


def test_satisfied_is_four_or_five_of_five():
    assert [is_satisfied(v) for v in range(1, 6)] == [False, False, False, True, True]
    assert satisfaction_rate([5, 4, 3, 2]) == Decimal(50)
    assert satisfaction_rate([]) is None
    assert rate_from_counts(1, 3) == Decimal(100) / 3
