"""The quarterly score (pure code: plain data in, Decimal out). The rules are ARCHITECTURE.md's:

- Each component's value is measured as its definition says (``scoring.components``): D, W, M the mean of
  the stored scores of the quarter's submitted daily / weekly / monthly joint inspections, SELF the same over
  the vendor's self-checks (weight 0 unless a scheme sets one), C 100 less the complaints' penalty points
  (floored at 0; always present), S from the scheme's source: 100 x the share of satisfied survey answers, the
  mean of the months' feedback form scores, or both weighted (no answer: no data), R the service desk's on-time
  work orders: the mean of the on-time response and completion rates of the quarter's rounds
  (``inspections.desk_rules.DeskFigures.score``; weight 0 unless a scheme sets one; no round judged: no data).
- A component without data drops out; the other weights are rescaled to sum to 1.
- Score = sum(effective weight x component) + manual adjustment, clamped to 0..100, rounded half-up to 2
  decimals, computed without intermediate rounding (exact fractions: a rescaled weight of 1/3 is not
  0.333...); the grade is read from the rounded score. Effective weights are shown to 28 digits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from scoring import components

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class ScoreStats:
    """Count and sum of stored inspection scores of one kind (the database aggregates them)."""

    n: int = 0
    total: Decimal = ZERO

    @property
    def mean(self) -> Decimal | None:
        return self.total / self.n if self.n else None


@dataclass(frozen=True)
class MonthFeedback:
    """A month's submitted feedback forms for a contract: points of max (pooled), how many answered of sent."""

    month: str
    points: int
    max_points: int
    answered: int
    expected: int


@dataclass(frozen=True)
class DeskCounts:
    """The service desk's clocks judged in the quarter (``inspections.selectors_desk``): kept of judged, and the
    two rates (percent, 2 decimals; None when nothing was judged)."""

    response_kept: int = 0
    response_judged: int = 0
    completion_kept: int = 0
    completion_judged: int = 0
    response_rate: Decimal | None = None
    completion_rate: Decimal | None = None


@dataclass(frozen=True)
class Facts:
    daily: ScoreStats = ScoreStats()
    weekly: ScoreStats = ScoreStats()
    monthly: ScoreStats = ScoreStats()
    self_checks: ScoreStats = ScoreStats()
    complaints_normal: int = 0
    complaints_serious: int = 0
    survey_answers: int = 0
    survey_satisfied: int = 0
    feedback_months: tuple[MonthFeedback, ...] = ()
    desk_rate: Decimal | None = None  # R: the mean of the on-time response and completion rates (None: none judged)
    desk: DeskCounts = DeskCounts()


@dataclass(frozen=True)
class Scheme:
    weights: Mapping[str, Decimal]  # percent, by component code
    bands: Sequence[Mapping[str, Any]]  # [{"grade": "A", "min": "90"}, ...]
    complaint_points_normal: Decimal = Decimal(5)
    complaint_points_serious: Decimal = Decimal(10)
    adjustment_bound: Decimal = Decimal(5)
    satisfaction_source: str = "surveys"  # scoring.choices.SatisfactionSource
    satisfaction_forms_share: Decimal = Decimal(50)  # percent of S from the forms, when from both


@dataclass(frozen=True)
class Component:
    code: str
    value: Decimal | None  # unrounded; None: no data this quarter
    n: int
    weight: Decimal  # the scheme's weight as a fraction (0.30)
    effective_weight: Decimal  # after rescaling; 0 when the component has no data

    @property
    def contribution(self) -> Decimal:
        return self.effective_weight * self.value if self.value is not None else ZERO


@dataclass(frozen=True)
class Result:
    components: list[Component]
    raw_score: Decimal  # sum of contributions before the adjustment, from exact values (28 digits)
    adjustment: Decimal
    score: Decimal  # clamped and rounded
    grade: str
    missing: list[str] = field(default_factory=list)

    def component(self, code: str) -> Component:
        return next(c for c in self.components if c.code == code)


def validate_bands(bands: Sequence[Mapping[str, Any]]) -> list[tuple[Decimal, str]]:
    """Bands as (lowest score, grade), highest first. They must cover 0..100 without gaps or overlaps:
    distinct grades, distinct lower bounds within 0..100, one of them 0."""
    if not bands:
        raise ValueError("at least one grade band is needed")
    parsed = []
    for band in bands:
        try:
            low = Decimal(str(band["min"]))
            grade = str(band["grade"]).strip()
        except (KeyError, ArithmeticError, ValueError) as exc:
            raise ValueError(f"a band needs a grade and a lowest score: {band!r}") from exc
        if not grade:
            raise ValueError("a band without a grade")
        if not ZERO <= low <= HUNDRED:
            raise ValueError(f"grade {grade}: the lowest score {low} is outside 0..100")
        parsed.append((low, grade))
    if len({g for _, g in parsed}) != len(parsed):
        raise ValueError("a grade appears twice")
    if len({low for low, _ in parsed}) != len(parsed):
        raise ValueError("two bands start at the same score (they would overlap)")
    if ZERO not in {low for low, _ in parsed}:
        raise ValueError("no band starts at 0: low scores would have no grade (a gap)")
    return sorted(parsed, reverse=True)


def grade_for(score: Decimal, bands: Sequence[Mapping[str, Any]]) -> str:
    for low, grade in validate_bands(bands):
        if score >= low:
            return grade
    raise AssertionError("unreachable: a band starts at 0")


def _exact_components(facts: Facts, scheme: Scheme) -> list[tuple[str, Fraction | None, int]]:
    """The components as exact fractions (a mean of three scores is a third: no Decimal holds it), in the
    registry's order (``scoring.components``)."""
    return [(c.code, *c.value(facts, scheme)) for c in components.COMPONENTS]


def _decimal(value: Fraction) -> Decimal:
    """A fraction as a Decimal of the context's precision (exact when the fraction terminates)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _round_cent(value: Fraction) -> Decimal:
    """Half-up to 0.01, on the exact value (value >= 0)."""
    return (Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100).quantize(CENT)


def components_of(facts: Facts, scheme: Scheme) -> list[tuple[str, Decimal | None, int]]:
    return [(code, None if v is None else _decimal(v), n) for code, v, n in _exact_components(facts, scheme)]


def compute(facts: Facts, scheme: Scheme, adjustment: Decimal = ZERO) -> Result:
    if abs(adjustment) > scheme.adjustment_bound:
        raise ValueError(f"the adjustment {adjustment} is beyond ±{scheme.adjustment_bound}")
    raw = components_of(facts, scheme)
    weights = {code: Decimal(scheme.weights.get(code, ZERO)) / HUNDRED for code, _value, _n in raw}
    present = sum((weights[code] for code, value, _n in raw if value is not None), ZERO)
    components = []
    missing = []
    for code, value, n in raw:
        if value is None:
            if weights[code] > 0:
                missing.append(code)
            effective = ZERO
        else:
            effective = weights[code] / present if present else ZERO
        components.append(Component(code, value, n, weights[code], effective))
    # The score from the exact values: sum(weight x value) / sum(present weights), one division, so that
    # rescaled weights of a third (0.333...) cannot push 89.995 below the half cent (89.99, B not A).
    exact = [(Fraction(weights[code]), v) for code, v, _n in _exact_components(facts, scheme) if v is not None]
    present_exact = sum((w for w, _v in exact), Fraction(0))
    raw_exact = sum((w * v for w, v in exact), Fraction(0)) / present_exact if present_exact else Fraction(0)
    raw_score = _decimal(raw_exact)
    score = _round_cent(min(Fraction(100), max(Fraction(0), raw_exact + Fraction(adjustment))))
    return Result(components, raw_score, adjustment, score, grade_for(score, scheme.bands), missing)


def number_text(value: Decimal | None) -> str | None:
    """A number as the stored explanations and the commands' JSON write it: its exact text; None stays None."""
    return None if value is None else str(value)


def explain(result: Result) -> dict[str, Any]:
    """The explanation stored with an evaluation: each component's value, n, weights and contribution."""
    return {
        "components": [
            {
                "code": c.code,
                "value": number_text(c.value),
                "n": c.n,
                "weight": str(c.weight),
                "effective_weight": str(c.effective_weight),
                "contribution": str(c.contribution),
            }
            for c in result.components
        ],
        "missing": result.missing,
        "raw_score": str(result.raw_score),
        "adjustment": str(result.adjustment.quantize(CENT)),
        "score": str(result.score),
        "grade": result.grade,
    }


def satisfaction_detail(facts: Facts, scheme: Scheme) -> dict[str, Any] | None:
    """What S was made of, stored with the explanation when the scheme takes it from the monthly forms (alone or
    with the surveys): the source, the forms' share, each month's score and the surveys' counts. None when S
    comes from the surveys alone (the explanation stays as it always was)."""
    if scheme.satisfaction_source == "surveys":
        return None
    return {
        "source": scheme.satisfaction_source,
        "forms_share": str(scheme.satisfaction_forms_share) if scheme.satisfaction_source == "both" else None,
        "months": [
            {
                "month": m.month,
                "score": None if not m.max_points else str(_round_cent(Fraction(100 * m.points, m.max_points))),
                "points": m.points,
                "max_points": m.max_points,
                "answered": m.answered,
                "expected": m.expected,
            }
            for m in facts.feedback_months
        ],
        "survey_answers": facts.survey_answers,
        "survey_satisfied": facts.survey_satisfied,
    }


def desk_detail(facts: Facts, scheme: Scheme) -> dict[str, Any] | None:
    """What R was made of, stored with the explanation when the quarter had work order rounds judged or the scheme
    weighs R: the rates with their kept and judged clocks. None otherwise (the explanation stays as it was)."""
    desk = facts.desk
    if not desk.response_judged and not desk.completion_judged and not Decimal(scheme.weights.get("R", ZERO)):
        return None
    return {
        "rate": number_text(facts.desk_rate),
        "response": {
            "kept": desk.response_kept,
            "judged": desk.response_judged,
            "rate": number_text(desk.response_rate),
        },
        "completion": {
            "kept": desk.completion_kept,
            "judged": desk.completion_judged,
            "rate": number_text(desk.completion_rate),
        },
    }
