"""Inspection score and overdue days (pure code).

Inspection score = 100 x awarded points / max points of the applicable items, rounded half-up to 2
decimals; n.a. items drop out of both sums. pass earns the item's max points, partial the points given
(0..max), fail 0. With every item n.a. there is no score. A reading passes inside its allowed range (ends
included) and fails outside it; a signature item has 0 points, so it never moves the score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from inspections.choices import ItemResultChoice

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ItemAnswer:
    result: str  # pass / partial / fail / na
    max_points: Decimal
    points: Decimal | None = None  # partial only


def awarded(answer: ItemAnswer) -> Decimal | None:
    """Points an answer earns; None for n.a. (the item does not count)."""
    if answer.result == "na":
        return None
    if answer.result == ItemResultChoice.PASS:
        return answer.max_points
    if answer.result == ItemResultChoice.FAIL:
        return Decimal(0)
    if answer.result == ItemResultChoice.PARTIAL:
        if answer.points is None or not (Decimal(0) <= answer.points <= answer.max_points):
            raise ValueError("partial points must be between 0 and the item's max points")
        return answer.points
    raise ValueError(f"unknown result {answer.result!r}")


@dataclass(frozen=True)
class InspectionScore:
    awarded: Decimal
    possible: Decimal
    score: Decimal | None


def score(answers: Iterable[ItemAnswer]) -> InspectionScore:
    total = Decimal(0)
    possible = Decimal(0)
    for answer in answers:
        points = awarded(answer)
        if points is None:
            continue
        total += points
        possible += answer.max_points
    if possible == 0:
        return InspectionScore(total, possible, None)
    return InspectionScore(total, possible, (HUNDRED * total / possible).quantize(CENT, rounding=ROUND_HALF_UP))


def reading_result(value: Decimal, low: Decimal | None, high: Decimal | None) -> str:
    """A reading's result: pass inside the allowed range (its ends included), fail outside it."""
    if (low is not None and value < low) or (high is not None and value > high):
        return ItemResultChoice.FAIL
    return ItemResultChoice.PASS


def plain_number(value: Decimal) -> str:
    """8.000 -> "8", 0.150 -> "0.15", 1E+2 -> "100": a reading as people write it."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def reading_range(low: Decimal | None, high: Decimal | None, unit: str = "") -> str:
    """ "0–8 °C", "≥ 0.1 MPa", "≤ 50 dB": an allowed range as the tablet and the pages print it."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{plain_number(low)}–{plain_number(high)}{suffix}"
    if low is not None:
        return f"≥ {plain_number(low)}{suffix}"
    if high is not None:
        return f"≤ {plain_number(high)}{suffix}"
    return ""


def overdue_days(deadline: dt.date, resolved: dt.date | None, as_of: dt.date) -> int:
    """Days after the deadline until the order was rectified (or until ``as_of`` while it is not)."""
    end = min(resolved, as_of) if resolved is not None else as_of
    return max(0, (end - deadline).days)


def overdue_span_in(
    deadline: dt.date, resolved: dt.date | None, as_of: dt.date, first: dt.date, last: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The first and last overdue day between ``first`` and ``last`` (a quarter), or None: each day is
    charged once, in the quarter it falls in (and priced by the terms version in force that day)."""
    end = min(resolved, as_of) if resolved is not None else as_of
    start = max(deadline + dt.timedelta(days=1), first)
    end = min(end, last)
    return (start, end) if start <= end else None


def overdue_days_in(deadline: dt.date, resolved: dt.date | None, as_of: dt.date, first: dt.date, last: dt.date) -> int:
    """The number of overdue days between ``first`` and ``last`` (see ``overdue_span_in``)."""
    span = overdue_span_in(deadline, resolved, as_of, first, last)
    return 0 if span is None else (span[1] - span[0]).days + 1


def post_check_text(check: dict | None) -> str:
    """A post check as an inspection, an order and the ledger say it, in the active language: "保安员（白班）：在岗 1
    人，应在岗 2 人；陈刚缺少有效的保安员证"; "" for no post check."""
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    if not check:
        return ""
    english = (get_language() or "").startswith("en")
    name = (check.get("name_en") if english else "") or check.get("name", "")
    present = check.get("present") or []
    parts = [
        _("%(post)s: %(present)d at work, %(required)d required")
        % {"post": name, "present": len(present), "required": check.get("required", 0)}
    ]
    for person in present:
        lacking = (person.get("lacking_en") if english else None) or person.get("lacking") or []
        if lacking:
            parts.append(
                _("%(name)s lacks a valid %(certificates)s")
                % {"name": person.get("name", ""), "certificates": _(", ").join(lacking)}
            )
    return _("; ").join(parts)
