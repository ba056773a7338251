"""A contract's payment schedule by its payment cycle (pure code: plain data in, plain data out).

The rules (README, "Payments by the contract's cycle"):

- The quarter is the unit of money: its fee is the settlement's fee (the days in force priced by the terms
  versions in force, ``contracts.terms``), and its net adjustment is the settlement's payable minus its fee
  (deductions after the cap, bonuses, corrections after finalization).
- The payment cycle in force on a quarter's first day in force splits that quarter: monthly into its
  months, quarterly into one instalment; yearly quarters are gathered into one instalment per calendar year.
  Every period is clipped to the contract's period.
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
    """A terms version as the schedule reads it: the fee prices the days, the cycle splits the quarters."""

    version: terms_rules.Version
    payment_cycle: str


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
    yearly: dict[int, list[Due]] = {}
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
        cycle = _cycle_on(versions, first)
        periods = _months(first, last) if cycle == "monthly" else [(first, last)]
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
            if cycle == "yearly":
                yearly.setdefault(quarter.year, []).append(due)
            else:
                dues.append(due)
        quarter = quarter.next()
    for parts in yearly.values():
        adjustments = [p.adjustment for p in parts]
        dues.append(
            Due(
                first=parts[0].first,
                last=parts[-1].last,
                cycle="yearly",
                base=sum((p.base for p in parts), ZERO),
                quarters=tuple(q for p in parts for q in p.quarters),
                carries=parts[-1].carries,
                adjustment=None if any(a is None for a in adjustments) else sum(adjustments, ZERO),
            )
        )
    return sorted(dues, key=lambda d: d.first)


def _cycle_on(versions: Sequence[CycleVersion], day: dt.date) -> str:
    current = terms_rules.version_on([v.version for v in versions], day)
    return next(v.payment_cycle for v in versions if v.version == current)


def carried(paid_now: Sequence[Decimal | None], paid: Sequence[Decimal]) -> Decimal:
    """What the first unpaid instalment carries: what the paid ones come to now minus what was paid for them
    (a paid instalment whose quarter is no longer known counts as what was paid)."""
    now = sum((n if n is not None else p for n, p in zip(paid_now, paid, strict=True)), ZERO)
    return now - sum(paid, ZERO)
