"""Quarters, computed in the institution's time zone (settings.TIME_ZONE, Asia/Shanghai).

The one helper every app uses to turn "2026Q3" into dates and aware datetime bounds, so that a fact at
23:30 on 30 September in Shanghai belongs to Q3 even though it is 15:30 UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Self
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")
MONTH_RE = re.compile(r"^\s*(\d{4})\s*-\s*(\d{1,2})\s*$")


class _Period:
    """What a quarter and a month share: parsing, the period holding a day, the calendar and the aware bounds in
    the institution's time zone. A period says how many there are in a year (``PER_YEAR``), how its key reads
    (``PATTERN``, ``key``) and which month it starts in."""

    PER_YEAR: int
    PATTERN: re.Pattern[str]
    NOUN: str
    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= self.PER_YEAR:
            raise ValueError(f"{self.NOUN} number must be 1..{self.PER_YEAR}, not {self.number}")
        if not 1900 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year}")

    # --- construction ---------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Self:
        match = cls.PATTERN.match(text or "")
        if not match:
            raise ValueError(f"not a {cls.NOUN}: {text!r} (expected e.g. {cls(2026, 3).key})")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: dt.date | dt.datetime) -> Self:
        if isinstance(day, dt.datetime):
            day = local_date(day)
        return cls(day.year, (day.month - 1) * cls.PER_YEAR // 12 + 1)

    @classmethod
    def current(cls) -> Self:
        return cls.containing(timezone.now())

    @classmethod
    def last_complete(cls, today: dt.date | None = None) -> Self:
        return cls.containing(today or local_date(timezone.now())).previous()

    # --- calendar -------------------------------------------------------------------------------------
    @property
    def key(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.key

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, (self.number - 1) * 12 // self.PER_YEAR + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def next(self) -> Self:
        if self.number == self.PER_YEAR:
            return type(self)(self.year + 1, 1)
        return type(self)(self.year, self.number + 1)

    def previous(self) -> Self:
        if self.number == 1:
            return type(self)(self.year - 1, self.PER_YEAR)
        return type(self)(self.year, self.number - 1)

    def contains(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    # --- aware bounds ---------------------------------------------------------------------------------
    @property
    def start(self) -> dt.datetime:
        """The first instant of the period in the institution's time zone (inclusive)."""
        return dt.datetime.combine(self.first_day, dt.time.min, tzinfo=institution_tz())

    @property
    def end(self) -> dt.datetime:
        """The first instant of the next period (exclusive)."""
        return self.next().start

    def overlap_days(self, start: dt.date, end: dt.date) -> int:
        """Days of [start, end] (both inclusive) inside the period."""
        first = max(start, self.first_day)
        last = min(end, self.last_day)
        return max(0, (last - first).days + 1)


@dataclass(frozen=True, order=True)
class Quarter(_Period):
    """A calendar quarter ("2026Q3")."""

    PER_YEAR = 4
    PATTERN = QUARTER_RE
    NOUN = "quarter"
    year: int
    number: int

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    def back(self, count: int) -> list[Quarter]:
        """This quarter and the ``count - 1`` before it, oldest first."""
        quarters = [self]
        for _ in range(count - 1):
            quarters.append(quarters[-1].previous())
        return list(reversed(quarters))


@dataclass(frozen=True, order=True)
class Month(_Period):
    """A calendar month ("2026-03"): the monthly feedback forms and the monthly reports are keyed by it."""

    PER_YEAR = 12
    PATTERN = MONTH_RE
    NOUN = "month"
    year: int
    number: int

    @property
    def key(self) -> str:
        return f"{self.year}-{self.number:02d}"

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.year, (self.number - 1) // 3 + 1)


def months_of(quarter: Quarter) -> list[Month]:
    """The quarter's three months, in order."""
    first = 3 * (quarter.number - 1) + 1
    return [Month(quarter.year, first + i) for i in range(3)]


def institution_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of an aware datetime in the institution's time zone."""
    return timezone.localtime(moment, institution_tz()).date()


def today() -> dt.date:
    return local_date(timezone.now())
