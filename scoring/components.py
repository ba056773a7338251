"""One definition per score component (ARCHITECTURE.md, "The quarterly score"): its code, its name in both
languages, the scheme weight that weighs it, the facts that feed it and how its value is measured from them.
The calculation, the scheme, the pages, the what-if, the reports, the exports and the drill-down links read
it from here.

Pure: no ORM; the texts are lazy translations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_lazy as _

from feedback import scores as feedback_scores
from scoring.choices import SatisfactionSource


@dataclass(frozen=True)
class ScoreComponent:
    code: str  # a code, never shown without its name
    label: Any
    weight_field: str  # the EvaluationScheme column (percent)
    evidence: Any  # what feeds it, in a sentence
    inspection_kind: str | None = None  # the inspections whose mean it is (D, W, M, SELF)
    evidence_only: bool = False  # kept as evidence; shown and stored only when a scheme gives it a weight
    facts_field: str | None = None  # the quarter's facts (scoring.calculations.Facts) holding its inspections' scores
    # (facts, scheme) -> (exact value or None when there is no data, n); default: the mean of ``facts_field``
    measure: Callable[[Any, Any], tuple[Fraction | None, int]] | None = None

    def display(self) -> str:
        return f"{self.code} · {self.label}"

    def value(self, facts: Any, scheme: Any) -> tuple[Fraction | None, int]:
        """The component's exact value from the quarter's facts (a mean of three scores is a third)."""
        if self.measure is not None:
            return self.measure(facts, scheme)
        stats = getattr(facts, self.facts_field)
        return (Fraction(stats.total) / stats.n if stats.n else None), stats.n


def _complaints(facts: Any, scheme: Any) -> tuple[Fraction, int]:
    """100 less the penalty points of the upheld complaints, floored at 0; always present."""
    penalty = facts.complaints_normal * Fraction(scheme.complaint_points_normal)
    penalty += facts.complaints_serious * Fraction(scheme.complaint_points_serious)
    return max(Fraction(0), 100 - penalty), facts.complaints_normal + facts.complaints_serious


def _surveys(facts: Any) -> Fraction | None:
    """100 x the share of satisfied survey answers; no answer: no data."""
    return Fraction(100 * facts.survey_satisfied, facts.survey_answers) if facts.survey_answers else None


def _forms(facts: Any) -> tuple[Fraction | None, int]:
    """The mean of the months' feedback form scores (each 100 x points / max of its submitted forms), and the
    number of forms submitted."""
    value, _months = feedback_scores.quarter_value((m.points, m.max_points) for m in facts.feedback_months)
    return value, sum(m.answered for m in facts.feedback_months)


def _satisfaction(facts: Any, scheme: Any) -> tuple[Fraction | None, int]:
    """From the scheme's source: the surveys, the monthly forms, or both weighted by the forms' share (when one
    of them has no data, the other alone); no data at all: no data."""
    source = getattr(scheme, "satisfaction_source", SatisfactionSource.SURVEYS)
    surveys, forms = _surveys(facts), _forms(facts)
    if source == SatisfactionSource.SURVEYS:
        return surveys, facts.survey_answers if surveys is not None else 0
    if source == SatisfactionSource.FORMS:
        return forms
    share = Fraction(scheme.satisfaction_forms_share) / 100
    if surveys is None or forms[0] is None:
        value = surveys if forms[0] is None else forms[0]
        return value, facts.survey_answers + forms[1]
    return share * forms[0] + (1 - share) * surveys, facts.survey_answers + forms[1]


def _desk(facts: Any, scheme: Any) -> tuple[Fraction | None, int]:
    """The service desk's on-time work orders: the mean of the quarter's on-time response and completion rates
    (each rounded to 0.01, their mean half up to 0.01, as ``inspections.desk_rules.DeskFigures.score``), n the
    rounds judged; no round judged: no data."""
    if facts.desk_rate is None:
        return None, 0
    return Fraction(facts.desk_rate), max(facts.desk.response_judged, facts.desk.completion_judged)


COMPONENTS: tuple[ScoreComponent, ...] = (
    ScoreComponent(
        "D",
        _("Daily inspections"),
        "weight_daily",
        _("the mean score of the office's daily inspections"),
        "daily",
        facts_field="daily",
    ),
    ScoreComponent(
        "W",
        _("Weekly key-point inspections"),
        "weight_weekly",
        _("the mean score of the weekly key-point inspections"),
        "weekly",
        facts_field="weekly",
    ),
    ScoreComponent(
        "M",
        _("Monthly joint inspections"),
        "weight_monthly",
        _("the mean score of the monthly joint inspections with the vendor"),
        "monthly_joint",
        facts_field="monthly",
    ),
    ScoreComponent(
        "C",
        _("Complaints"),
        "weight_complaints",
        _("100 less the penalty points of the complaints upheld against the contract that count in the quarter"),
        measure=_complaints,
    ),
    ScoreComponent(
        "S",
        _("Satisfaction"),
        "weight_satisfaction",
        _(
            "the share of satisfaction survey answers rated 4 or 5, times 100; or, as the scheme says, the mean of "
            "the months' feedback form scores, or both weighted"
        ),
        measure=_satisfaction,
    ),
    ScoreComponent(
        "SELF",
        _("Vendor self-checks"),
        "weight_self",
        _("the mean score of the vendor's own self-checks"),
        "self",
        evidence_only=True,
        facts_field="self_checks",
    ),
    ScoreComponent(
        "R",
        _("Service desk: on-time work orders"),
        "weight_r",
        _(
            "the mean of the on-time response and on-time completion rates of the work order rounds dispatched in "
            "the quarter"
        ),
        evidence_only=True,
        measure=_desk,
    ),
)
BY_CODE = {component.code: component for component in COMPONENTS}
#: the scheme's weight columns (percent), in the components' order
WEIGHT_FIELDS = tuple(component.weight_field for component in COMPONENTS)
CODES = tuple(BY_CODE)
BY_INSPECTION_KIND = {c.inspection_kind: c for c in COMPONENTS if c.inspection_kind}


def shown(code: str, weight: Decimal | None) -> bool:
    """Whether a component is stored and shown: always, except an evidence-only one the scheme does not weigh."""
    component = BY_CODE.get(code)
    return component is not None and not (component.evidence_only and not weight)


def label(code: str) -> str:
    component = BY_CODE.get(code)
    return component.display() if component else code
