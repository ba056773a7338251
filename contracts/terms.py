"""Contract terms in force by date (pure code: plain data in, plain data out; ARCHITECTURE.md, "Contract
terms in force (versions)").

- A terms version is in force from its ``effective_from`` until the day before the next version's.
- The contract is in force from its start to its effective end (its end date, or the day before it was
  terminated), except the days it was suspended (from the suspension's effective date to the day before
  it was resumed).
- Quarter fee = sum over the days in force in the quarter of (annual fee of the version in force that day
  / 4 / days in the quarter), computed exactly and rounded half-up to 0.01 once, at the end. With one
  version and no suspension this is annual fee / 4 x days in force / days in the quarter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

CENT = Decimal("0.01")
ONE_DAY = dt.timedelta(days=1)

Span = tuple[dt.date, dt.date]  # first and last day, both included


@dataclass(frozen=True)
class Version:
    id: int
    number: int
    effective_from: dt.date
    annual_fee: Decimal


@dataclass(frozen=True)
class FeePart:
    """A stretch of days in force priced by one version."""

    version: Version
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def as_data(self) -> dict[str, Any]:
        return {
            "version": self.version.number,
            "terms": self.version.id,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "days": self.days,
            "annual_fee": str(self.version.annual_fee),
        }


@dataclass(frozen=True)
class FeeBasis:
    fee: Decimal
    quarter_days: int
    parts: tuple[FeePart, ...]

    @property
    def days_in_force(self) -> int:
        return sum(part.days for part in self.parts)

    def days_by_version(self) -> dict[int, int]:
        days: dict[int, int] = {}
        for part in self.parts:
            days[part.version.number] = days.get(part.version.number, 0) + part.days
        return days


def windows(versions: Sequence[Version]) -> list[tuple[Version, dt.date, dt.date | None]]:
    """Each version with the first and last day it is in force (None: open-ended), oldest first."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    return [
        (version, version.effective_from, ordered[i + 1].effective_from - ONE_DAY if i + 1 < len(ordered) else None)
        for i, version in enumerate(ordered)
    ]


def version_on(versions: Sequence[Version], day: dt.date) -> Version:
    """The version in force on ``day`` (a day before the first version: the first one)."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    current = ordered[0]
    for version in ordered[1:]:
        if version.effective_from > day:
            break
        current = version
    return current


def suspended_spans(changes: Sequence[tuple[str, str, dt.date]]) -> list[Span]:
    """The days a contract was suspended, from its status changes ``(from, to, effective date)`` in order:
    from the day a suspension takes effect to the day before the contract was resumed (or ended)."""
    spans: list[Span] = []
    since: dt.date | None = None
    for _from, to, effective in changes:
        if to == "suspended" and since is None:
            since = effective
        elif since is not None and to != "suspended":
            if effective > since:
                spans.append((since, effective - ONE_DAY))
            since = None
    if since is not None:
        spans.append((since, dt.date.max))
    return spans


def in_force_spans(
    first: dt.date, last: dt.date, *, start: dt.date, end: dt.date, suspended: Sequence[Span] = ()
) -> list[Span]:
    """The days between ``first`` and ``last`` (a quarter) on which the contract is in force."""
    lo, hi = max(first, start), min(last, end)
    if lo > hi:
        return []
    spans: list[Span] = [(lo, hi)]
    for s_first, s_last in sorted(suspended):
        kept: list[Span] = []
        for a, b in spans:
            if s_last < a or s_first > b:
                kept.append((a, b))
                continue
            if s_first > a:
                kept.append((a, s_first - ONE_DAY))
            if s_last < b:
                kept.append((s_last + ONE_DAY, b))
        spans = kept
    return spans


def fee_basis(versions: Sequence[Version], spans: Sequence[Span], *, quarter_days: int) -> FeeBasis:
    """The quarter's fee over the days in force, each day priced by the version in force that day."""
    parts: list[FeePart] = []
    for index, (version, v_first, v_last) in enumerate(windows(versions)):
        for a, b in spans:
            lo = a if index == 0 else max(a, v_first)  # a day before the first version is priced by it
            hi = b if v_last is None else min(b, v_last)
            if lo <= hi:
                parts.append(FeePart(version, lo, hi))
    parts.sort(key=lambda p: p.first)
    total = sum((Fraction(part.version.annual_fee) * part.days for part in parts), Fraction(0))
    fee = _round_cent(total / (4 * quarter_days))
    return FeeBasis(fee, quarter_days, tuple(parts))


def _round_cent(value: Fraction) -> Decimal:
    """Half-up to 0.01 of an exact non-negative value."""
    cents = value * 100
    whole = cents.numerator // cents.denominator
    if (cents - whole) * 2 >= 1:
        whole += 1
    return (Decimal(whole) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def last_day_in_force(basis: FeeBasis, fallback: dt.date) -> dt.date:
    """The contract's last day in force in the quarter (the day whose version prices the score clauses and
    the cap); ``fallback`` when it was in force on no day of it."""
    return max((part.last for part in basis.parts), default=fallback)
