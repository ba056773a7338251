"""The half-year and annual appraisal (pure: plain data in, Decimal out). ARCHITECTURE.md, "Months, half-years
and the year"; the rules where the design was silent (README, "The annual appraisal"):

- A period is a year (its four quarters) or a half (Q1-Q2, Q3-Q4). Each quarter's score is weighted by the
  scheme's quarter weight (``weight_q1`` .. ``weight_q4``); for a half only its two quarters count.
- A quarter the contract was not in force drops out and the other weights are rescaled (a contract signed in
  April is appraised on Q2-Q4). A quarter it was in force that is not final - computed, reviewed, published, or
  not evaluated at all yet - makes the result **provisional**: its current score is used when there is one, the
  quarter is named, and a provisional result never earns renewal preference.
- Score = sum(weight x quarter score) / sum(weights used), exact, rounded half-up to 0.01; the grade from the
  contract's scheme's bands; ranks 1, 2, 2, 4 (equal scores share a rank).
- A vendor's result is the mean of its contracts' results (exact), graded with the default scheme's bands;
  provisional when one of them is; preferred for renewal when one of its contracts is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from scoring.calculations import _decimal, grade_for, number_text, validate_bands
from scoring.calculations import _round_cent as _round

FINAL = "final"


def period_quarters(half: int | None) -> tuple[int, ...]:
    return {None: (1, 2, 3, 4), 1: (1, 2), 2: (3, 4)}[half]


def period_key(year: int, half: int | None) -> str:
    return f"{year}H{half}" if half else str(year)


@dataclass(frozen=True)
class QuarterInput:
    number: int  # 1..4
    in_force: bool
    score: Decimal | None = None  # None: not evaluated
    status: str | None = None  # the evaluation's status; None: not evaluated


@dataclass(frozen=True)
class QuarterUse:
    quarter: str  # "2026Q3"
    weight: Decimal  # the scheme's weight (percent)
    effective_weight: Decimal  # after rescaling, 0 when not used
    score: Decimal | None
    status: str | None
    used: bool
    provisional: bool  # in force but not final (or not evaluated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "weight": str(self.weight),
            "effective_weight": str(self.effective_weight.quantize(Decimal("0.0001"))),
            "score": number_text(self.score),
            "status": self.status,
            "used": self.used,
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class Result:
    score: Decimal | None
    grade: str
    provisional: bool
    meets_renewal: bool
    quarters: list[QuarterUse] = field(default_factory=list)

    @property
    def renewal_preferred(self) -> bool:
        return self.meets_renewal and not self.provisional


def meets(grade: str, threshold: str, bands: Sequence[Mapping[str, Any]]) -> bool:
    """Whether ``grade`` is ``threshold`` or better in ``bands`` (no threshold: never)."""
    if not threshold or not grade:
        return False
    order = [g for _low, g in validate_bands(bands)]  # best first
    return grade in order and threshold in order and order.index(grade) <= order.index(threshold)


def appraise(
    year: int,
    half: int | None,
    quarters: Mapping[int, QuarterInput],
    weights: Mapping[int, Decimal],
    bands: Sequence[Mapping[str, Any]],
    renewal_grade: str,
) -> Result:
    uses = []
    parts: list[tuple[Fraction, Fraction]] = []
    provisional = False
    for number in period_quarters(half):
        given = quarters.get(number, QuarterInput(number, in_force=False))
        weight = Decimal(weights.get(number, 0))
        pending = given.in_force and given.status != FINAL
        provisional |= pending and weight > 0
        used = given.in_force and given.score is not None and weight > 0
        if used:
            parts.append((Fraction(weight), Fraction(given.score)))
        uses.append((number, weight, given, used, pending))
    total_weight = sum((w for w, _s in parts), Fraction(0))
    quarter_uses = [
        QuarterUse(
            quarter=f"{year}Q{number}",
            weight=weight,
            effective_weight=_decimal(Fraction(weight) / total_weight) if used else Decimal(0),
            score=given.score,
            status=given.status,
            used=used,
            provisional=pending,
        )
        for number, weight, given, used, pending in uses
    ]
    if not total_weight:
        return Result(None, "", provisional, False, quarter_uses)
    score = _round(sum((w * s for w, s in parts), Fraction(0)) / total_weight)
    grade = grade_for(score, bands)
    return Result(score, grade, provisional, meets(grade, renewal_grade, bands), quarter_uses)


def mean_of(results: Sequence[Result]) -> Decimal | None:
    """A vendor's score: the exact mean of its contracts' scores (those with one)."""
    scores = [Fraction(r.score) for r in results if r.score is not None]
    return _round(sum(scores, Fraction(0)) / len(scores)) if scores else None


def ranks(scores: Sequence[Decimal | None]) -> list[int | None]:
    """Competition ranks by score, highest first (1, 2, 2, 4); no score, no rank."""
    present = sorted((s for s in scores if s is not None), reverse=True)
    return [None if s is None else present.index(s) + 1 for s in scores]


def grade_words(grade: str, bands: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """A grade's words in both languages from the bands ({"zh": "优秀", "en": "Excellent"}), for a stored reason."""
    band = next((b for b in bands if str(b.get("grade")) == grade), {})
    return {"zh": band.get("label") or grade, "en": band.get("label_en") or band.get("label") or grade}
