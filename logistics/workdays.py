"""Working days by the official calendar: weekends are rest days and Monday to Friday working days, except
where the calendar (``logistics.CalendarDay``: public holidays and make-up working days, 调休) says otherwise.

Pure: the exceptions come in as a mapping, read once per range by ``logistics.selectors.work_calendar``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

HOLIDAY = "holiday"
WORKDAY = "workday"


@dataclass(frozen=True)
class WorkCalendar:
    """The official calendar over some dates: ``exceptions`` maps a date to HOLIDAY or WORKDAY."""

    exceptions: Mapping[dt.date, str] = field(default_factory=dict)

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.exceptions.get(day)
        if kind == HOLIDAY:
            return False
        if kind == WORKDAY:
            return True
        return day.weekday() < 5

    def working_days(self, first: dt.date, last: dt.date) -> Iterator[dt.date]:
        day = first
        while day <= last:
            if self.is_working_day(day):
                yield day
            day += dt.timedelta(days=1)

    def place(self, wanted: dt.date, first: dt.date, last: dt.date) -> dt.date | None:
        """The working day a check wanted on ``wanted`` falls on within ``first``..``last`` (its week, fortnight
        or month): that day if it is a working day, else the next working day in the period, else the
        previous one; None when the period has no working day at all."""
        day = wanted
        while day <= last:
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        day = wanted - dt.timedelta(days=1)
        while day >= first:
            if self.is_working_day(day):
                return day
            day -= dt.timedelta(days=1)
        return None


def add_working_minutes(
    calendar: WorkCalendar, start: dt.datetime, minutes: int, opens: dt.time, closes: dt.time
) -> dt.datetime:
    """The moment ``minutes`` of working time after ``start``: only working days between ``opens`` and ``closes``
    count (a clock started on Friday evening runs from Monday's opening; a public holiday stops it, a make-up
    working day runs it). ``start`` keeps its time zone; the hours are read in that zone."""
    if minutes <= 0:
        return start
    if closes <= opens:
        raise ValueError("the working day must close after it opens")
    left = dt.timedelta(minutes=minutes)
    moment = start
    for _ in range(3660):  # ten years of days: a calendar with no working day is a configuration error
        day = moment.date()
        if calendar.is_working_day(day):
            day_open = moment.replace(hour=opens.hour, minute=opens.minute, second=0, microsecond=0)
            day_close = moment.replace(hour=closes.hour, minute=closes.minute, second=0, microsecond=0)
            begin = max(moment, day_open)
            if begin < day_close:
                if begin + left <= day_close:
                    return begin + left
                left -= day_close - begin
        moment = (moment + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    raise ValueError("no working time in the calendar")


def official_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """The year's public holidays and make-up working days as the maintained ``chinese-calendar`` package
    knows them: date -> (HOLIDAY or WORKDAY, the festival's English name). Empty for a year it does not know
    (the package is updated each December, when the State Council publishes the next year)."""
    import chinese_calendar

    out: dict[dt.date, tuple[str, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year == year:
            out[day] = (HOLIDAY, name)
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:  # a weekend day made a working day (调休)
            out[day] = (WORKDAY, name)
    return out
