"""One definition per score component (ARCHITECTURE.md, "The quarterly score"): its code, its name in both
languages, the scheme weight that weighs it and the facts that feed it. The calculation, the scheme, the
pages, the what-if, the reports, the exports and the drill-down links read it from here.

Pure: no ORM; the texts are lazy translations.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ScoreComponent:
    code: str  # a code, never shown without its name
    label: Any
    weight_field: str  # the EvaluationScheme column (percent)
    evidence: Any  # what feeds it, in a sentence
    inspection_kind: str | None = None  # the inspections whose mean it is (D, W, M, SELF)
    evidence_only: bool = False  # kept as evidence; shown and stored only when a scheme gives it a weight

    def display(self) -> str:
        return f"{self.code} · {self.label}"


COMPONENTS: tuple[ScoreComponent, ...] = (
    ScoreComponent(
        "D", _("Daily inspections"), "weight_daily", _("the mean score of the office's daily inspections"), "daily"
    ),
    ScoreComponent(
        "W",
        _("Weekly key-point inspections"),
        "weight_weekly",
        _("the mean score of the weekly key-point inspections"),
        "weekly",
    ),
    ScoreComponent(
        "M",
        _("Monthly joint inspections"),
        "weight_monthly",
        _("the mean score of the monthly joint inspections with the vendor"),
        "monthly_joint",
    ),
    ScoreComponent(
        "C",
        _("Complaints"),
        "weight_complaints",
        _("100 less the penalty points of the complaints upheld against the contract that count in the quarter"),
    ),
    ScoreComponent(
        "S",
        _("Satisfaction"),
        "weight_satisfaction",
        _("the share of satisfaction survey answers rated 4 or 5, times 100"),
    ),
    ScoreComponent(
        "SELF",
        _("Vendor self-checks"),
        "weight_self",
        _("the mean score of the vendor's own self-checks"),
        "self",
        evidence_only=True,
    ),
)
BY_CODE = {component.code: component for component in COMPONENTS}
CODES = tuple(BY_CODE)
KIND_TO_CODE = {c.inspection_kind: c.code for c in COMPONENTS if c.inspection_kind}


def shown(code: str, weight: Decimal | None) -> bool:
    """Whether a component is stored and shown: always, except an evidence-only one the scheme does not weigh."""
    component = BY_CODE.get(code)
    return component is not None and not (component.evidence_only and not weight)


def label(code: str) -> str:
    component = BY_CODE.get(code)
    return component.display() if component else code
