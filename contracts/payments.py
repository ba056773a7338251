"""A contract's payment schedule by its payment cycle (pure code: plain data in, plain data out).

The rules (README, "Payments by the contract's cycle"):

- The quarter is the unit of money: its fee is the settlement's fee (the days in force priced by the terms
  versions in force, ``contracts.terms``), and its net adjustment is the settlement's payable minus its fee
  (deductions after the cap, bonuses, corrections after finalization).
- The payment cycle in force on a quarter's first day in force splits that quarter: monthly into its
  months, quarterly into one instalment; yearly quarters are gathered into one instalment per calendar year;
  "on the dates the contract sets" (e.g. 06-30 and 12-31 every year) makes each instalment end on the next of
  those dates, splitting a quarter where a date falls inside it. Every period is clipped to the contract's
  period (its last instalment ends with the contract).
- An instalment's base is the fee of its days (each day priced as the quarter's fee prices it); the last
  instalment of a quarter takes what is left of the quarter's fee, so that a quarter's instalments add up to
  its fee to the cent.
- The last instalment of a quarter carries the quarter's net adjustment; it is known (and the instalment may
  be requested) only once the quarter's settlement is final. The other instalments of the quarter do not
  wait for it.
- A correction after payment (a paid instalment whose quarter changed since) is carried by the first
  instalment not yet paid: carried = what the paid instalments come to now - what was paid for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from contracts import terms as terms_rules
from logistics.quarters import Quarter

ZERO = Decimal("0.00")
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CycleVersion:
    """A terms version as the schedule reads it: the fee prices the days, the cycle splits the quarters (and,
    for the cycle "dates", its payment dates end the periods: "MM-DD" each year)."""

    version: terms_rules.Version
    payment_cycle: str
    payment_dates: tuple[str, ...] = ()


#: the cycles whose instalments gather the days up to dates of the year (yearly: 31 December)
GATHERING = {"yearly": ("12-31",)}


def parse_payment_dates(values: Sequence[str]) -> tuple[str, ...]:
    """The payment dates of a terms version as "MM-DD", sorted, each once; raises ``ValueError(value)`` naming
    the first that is not a day of every year (29 February is not)."""
    out = set()
    for value in values:
        text = str(value).strip()
        try:
            month, day = (int(part) for part in text.split("-"))
            dt.date(2001, month, day)  # a year without 29 February
        except ValueError:
            raise ValueError(text) from None
        out.add(f"{month:02d}-{day:02d}")
    return tuple(sorted(out))


def _boundaries(dates: Sequence[str], first: dt.date, last: dt.date) -> list[dt.date]:
    """The payment dates from ``first`` to a year after ``last``, in order."""
    days = []
    for year in range(first.year, last.year + 2):
        for value in dates:
            month, day = (int(part) for part in value.split("-"))
            days.append(dt.date(year, month, day))
    return sorted(day for day in days if day >= first)


def _split_at(first: dt.date, last: dt.date, dates: Sequence[str]) -> list[tuple[dt.date, dt.date]]:
    """``first``..``last`` cut after each payment date that falls inside it."""
    out, start = [], first
    for day in _boundaries(dates, first, last):
        if day >= last:
            break
        out.append((start, day))
        start = day + ONE_DAY
    out.append((start, last))
    return out


def _period_end(day: dt.date, dates: Sequence[str], end: dt.date) -> dt.date:
    """The last day of the instalment that pays ``day``: the next payment date, or the contract's end."""
    following = next(d for d in _boundaries(dates, day, day) if d >= day)
    return min(following, end)


@dataclass(frozen=True)
class QuarterMoney:
    """What a quarter's settlement says: its fee, and its payable once final (None before)."""

    fee: Decimal
    payable: Decimal | None


@dataclass(frozen=True)
class Due:
    """One instalment of the schedule."""

    first: dt.date
    last: dt.date
    cycle: str
    base: Decimal
    quarters: tuple[str, ...]  # the quarters whose fee it shares in
    carries: str = ""  # the quarter whose net adjustment it carries ("" when none)
    adjustment: Decimal | None = ZERO  # None: that quarter is not final yet
    parts: tuple[dict, ...] = field(default=(), compare=False)

    @property
    def amount(self) -> Decimal | None:
        return None if self.adjustment is None else self.base + self.adjustment


def _months(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    day = first
    while day <= last:
        following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        out.append((day, min(last, following - ONE_DAY)))
        day = following
    return out


def _clip(spans: Sequence[terms_rules.Span], first: dt.date, last: dt.date) -> list[terms_rules.Span]:
    return [(max(a, first), min(b, last)) for a, b in spans if max(a, first) <= min(b, last)]


def schedule(
    *,
    start: dt.date,
    end: dt.date,
    versions: Sequence[CycleVersion],
    suspended: Sequence[terms_rules.Span] = (),
    settlements: Mapping[str, QuarterMoney] | None = None,
) -> list[Due]:
    """Every instalment of a contract in force from ``start`` to ``end`` (its last day in force), in order."""
    settlements = settlements or {}
    plain = [v.version for v in versions]
    dues: list[Due] = []
    gathered: dict[tuple[str, dt.date], list[Due]] = {}
    quarter = Quarter.containing(start)
    while quarter.first_day <= end:
        first, last = max(quarter.first_day, start), min(quarter.last_day, end)
        spans = terms_rules.in_force_spans(
            quarter.first_day, quarter.last_day, start=start, end=end, suspended=suspended
        )
        computed = terms_rules.fee_basis(plain, spans, quarter_days=quarter.days)
        money = settlements.get(quarter.key)
        fee = money.fee if money is not None else computed.fee
        adjustment = None if money is None or money.payable is None else money.payable - money.fee
        cycle, dates = _cycle_on(versions, first)
        if cycle == "monthly":
            periods = _months(first, last)
        elif dates:
            periods = _split_at(first, last, dates)
        else:
            periods = [(first, last)]
        bases = [terms_rules.fee_basis(plain, _clip(spans, a, b), quarter_days=quarter.days).fee for a, b in periods]
        bases[-1] = fee - sum(bases[:-1], ZERO)  # the quarter's instalments add up to its fee
        for index, ((a, b), base) in enumerate(zip(periods, bases, strict=True)):
            last_of_quarter = index == len(periods) - 1
            due = Due(
                first=a,
                last=b,
                cycle=cycle,
                base=base,
                quarters=(quarter.key,),
                carries=quarter.key if last_of_quarter else "",
                adjustment=adjustment if last_of_quarter else ZERO,
            )
            if dates:
                gathered.setdefault((cycle, _period_end(b, dates, end)), []).append(due)
            else:
                dues.append(due)
        quarter = quarter.next()
    for (cycle, _end), parts in gathered.items():
        adjustments = [p.adjustment for p in parts]
        carried = [p.carries for p in parts if p.carries]
        dues.append(
            Due(
                first=parts[0].first,
                last=parts[-1].last,
                cycle=cycle,
                base=sum((p.base for p in parts), ZERO),
                quarters=tuple(dict.fromkeys(q for p in parts for q in p.quarters)),
                carries=carried[-1] if carried else "",
                adjustment=None if any(a is None for a in adjustments) else sum(adjustments, ZERO),
            )
        )
    return sorted(dues, key=lambda d: d.first)


def _cycle_on(versions: Sequence[CycleVersion], day: dt.date) -> tuple[str, tuple[str, ...]]:
    """The cycle in force on ``day`` and the dates of the year that end its instalments (none: it splits the
    quarter itself)."""
    current = terms_rules.version_on([v.version for v in versions], day)
    version = next(v for v in versions if v.version == current)
    if version.payment_cycle == "dates":
        return version.payment_cycle, version.payment_dates
    return version.payment_cycle, GATHERING.get(version.payment_cycle, ())


def carried(paid_now: Sequence[Decimal | None], paid: Sequence[Decimal]) -> Decimal:
    """What the first unpaid instalment carries: what the paid ones come to now minus what was paid for them
    (a paid instalment whose quarter is no longer known counts as what was paid)."""
    now = sum((n if n is not None else p for n, p in zip(paid_now, paid, strict=True)), ZERO)
    return now - sum(paid, ZERO)
