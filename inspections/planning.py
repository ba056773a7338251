"""When a plan's rounds fall and what their windows are (ARCHITECTURE.md, "Inspection plans, rounds and
coverage"). Pure: no ORM; the calendar comes in as a ``logistics.workdays.WorkCalendar``.

Rules where the design was silent (README, "Plans, rounds and coverage"):
- every working day: each working day of the official calendar; every day: each day, rest days included;
- weekly on a weekday: that day of each week, or, when it is not a working day, the next working day of the
  same week (Monday to Sunday), else the previous one; no round in a week without a working day;
- fortnightly: the same within each fortnight counted from the Monday of the week the plan takes effect;
- monthly on a day (1-28): the same within the month;
- the window opens on the round's day at its start and closes at its end; a night window whose end is not
  after its start closes the next morning;
- a round can still be done late until ``LATE_GRACE`` after its window (a day for daily rounds, a week for
  the others); after that it stays missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from inspections.choices import PlanFrequency, Shift
from logistics.workdays import WorkCalendar

ONE_DAY = dt.timedelta(days=1)
LATE_GRACE = {
    PlanFrequency.WORKING_DAY: ONE_DAY,
    PlanFrequency.EVERY_DAY: ONE_DAY,
    PlanFrequency.WEEKLY: 7 * ONE_DAY,
    PlanFrequency.FORTNIGHTLY: 7 * ONE_DAY,
    PlanFrequency.MONTHLY: 7 * ONE_DAY,
}


@dataclass(frozen=True)
class PlanSpec:
    """What placement needs of a plan."""

    frequency: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    weekday: int | None = None  # 0 = Monday (weekly, fortnightly)
    day_of_month: int | None = None  # 1..28 (monthly)
    shift: str = Shift.DAY
    window_start: dt.time = dt.time(8, 0)
    window_end: dt.time = dt.time(17, 0)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _period(plan: PlanSpec, day: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """(first, last, wanted) of the period ``day`` falls in."""
    if plan.frequency == PlanFrequency.MONTHLY:
        first = day.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - ONE_DAY
        return first, last, first.replace(day=plan.day_of_month or 1)
    if plan.frequency == PlanFrequency.FORTNIGHTLY:
        anchor = _monday(plan.effective_from)
        first = anchor + dt.timedelta(days=((day - anchor).days // 14) * 14)
        return first, first + 13 * ONE_DAY, first + dt.timedelta(days=plan.weekday or 0)
    first = _monday(day)
    return first, first + 6 * ONE_DAY, first + dt.timedelta(days=plan.weekday or 0)


def in_force(plan: PlanSpec, day: dt.date) -> bool:
    return plan.effective_from <= day and (plan.effective_to is None or day <= plan.effective_to)


def is_due(plan: PlanSpec, day: dt.date, calendar: WorkCalendar) -> bool:
    """Whether ``plan`` has a round on ``day`` (the calendar must cover the day's whole period)."""
    if not in_force(plan, day):
        return False
    if plan.frequency == PlanFrequency.EVERY_DAY:
        return True
    if plan.frequency == PlanFrequency.WORKING_DAY:
        return calendar.is_working_day(day)
    first, last, wanted = _period(plan, day)
    return calendar.place(wanted, first, last) == day


def period_bounds(plan: PlanSpec, day: dt.date) -> tuple[dt.date, dt.date]:
    """The dates the calendar must cover to decide ``day`` (its week, fortnight or month)."""
    if plan.frequency in (PlanFrequency.EVERY_DAY, PlanFrequency.WORKING_DAY):
        return day, day
    first, last, _wanted = _period(plan, day)
    return first, last


def due_days(plan: PlanSpec, first: dt.date, last: dt.date, calendar: WorkCalendar) -> list[dt.date]:
    out = []
    day = first
    while day <= last:
        if is_due(plan, day, calendar):
            out.append(day)
        day += ONE_DAY
    return out


def window(plan: PlanSpec, day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(opens, closes, late until) of the round on ``day``, as aware datetimes."""
    opens = dt.datetime.combine(day, plan.window_start, tzinfo=zone)
    end_day = day + ONE_DAY if plan.shift == Shift.NIGHT and plan.window_end <= plan.window_start else day
    closes = dt.datetime.combine(end_day, plan.window_end, tzinfo=zone)
    return opens, closes, closes + LATE_GRACE[plan.frequency]


def window_problem(shift: str, start: dt.time | None, end: dt.time | None) -> str | None:
    """Why a window is impossible ("end", "same"), or None: a day window must end after it starts; a night
    window may run past midnight but not be empty."""
    if start is None or end is None:
        return None
    if start == end:
        return "same"
    if shift == Shift.DAY and end < start:
        return "end"
    return None
