from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from logistics.quarters import Month, Quarter, local_date, months_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_parse_and_calendar():
    q = Quarter.parse("2026Q3")
    assert (q.year, q.number, q.key) == (2026, 3, "2026Q3")
    assert (q.first_day, q.last_day, q.days) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30), 92)
    assert Quarter.parse("2024q1").days == 91  # leap year
    assert Quarter.parse("2026Q1").days == 90
    assert Quarter.parse("2026Q4").next() == Quarter(2027, 1)
    assert Quarter.parse("2026Q1").previous() == Quarter(2025, 4)
    assert [x.key for x in q.back(4)] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]


@pytest.mark.parametrize("text", ["2026Q5", "2026", "Q3", "", "2026Q0"])
def test_parse_refuses_non_quarters(text):
    with pytest.raises(ValueError):
        Quarter.parse(text)


def test_bounds_are_in_the_institution_time_zone():
    q = Quarter.parse("2026Q3")
    assert q.start == dt.datetime(2026, 7, 1, tzinfo=SHANGHAI)
    assert q.end == dt.datetime(2026, 10, 1, tzinfo=SHANGHAI)
    # 30 September 23:30 in Shanghai is 15:30 UTC: still Q3
    late = dt.datetime(2026, 9, 30, 15, 30, tzinfo=dt.UTC)
    assert local_date(late) == dt.date(2026, 9, 30)
    assert Quarter.containing(late) == q
    # 16:30 UTC is already 1 October in Shanghai: Q4
    assert Quarter.containing(dt.datetime(2026, 9, 30, 16, 30, tzinfo=dt.UTC)) == Quarter(2026, 4)


def test_last_complete_and_overlap():
    assert Quarter.last_complete(dt.date(2026, 11, 22)) == Quarter(2026, 3)
    assert Quarter.last_complete(dt.date(2026, 1, 1)) == Quarter(2025, 4)
    q = Quarter(2026, 3)
    assert q.overlap_days(dt.date(2026, 8, 16), dt.date(2027, 8, 15)) == 46
    assert q.overlap_days(dt.date(2025, 1, 1), dt.date(2026, 6, 30)) == 0


def test_month_calendar_and_bounds():
    m = Month.parse("2026-02")
    assert (m.key, m.first_day, m.last_day) == ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert Month.parse(" 2026 - 12 ").next() == Month(2027, 1)
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert m.quarter == Quarter(2026, 1)
    assert [x.key for x in months_of(Quarter(2026, 4))] == ["2026-10", "2026-11", "2026-12"]
    assert Month.last_complete(dt.date(2026, 1, 15)) == Month(2025, 12)
    # 31 March 23:30 in Shanghai is still March
    assert Month.containing(dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)) == Month(2026, 3)
    assert m.end == dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    with pytest.raises(ValueError):
        Month.parse("2026-13")
    with pytest.raises(ValueError):
        Month.parse("2026Q1")
