"""One definition per score component: a component registered once is measured, weighed, rescaled and explained
by the calculation without another change (issue 25, "Done when")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from scoring import calculations, components
from scoring.calculations import Facts, Scheme, ScoreStats

BANDS = [
    {"grade": "A", "min": "90"},
    {"grade": "B", "min": "75"},
    {"grade": "C", "min": "60"},
    {"grade": "D", "min": "0"},
]
WEIGHTS = {"D": Decimal(30), "W": Decimal(20), "M": Decimal(20), "C": Decimal(10), "S": Decimal(20)}


def _timeliness(facts, scheme):
    """A made-up component: 100 less 10 points per complaint, as if it measured answering on time."""
    complaints = facts.complaints_normal + facts.complaints_serious
    return Fraction(100 - 10 * complaints), complaints


def test_a_new_component_is_one_entry_in_the_registry(monkeypatch):
    facts = Facts(
        daily=ScoreStats(3, Decimal(270)),  # mean 90
        weekly=ScoreStats(1, Decimal(80)),
        monthly=ScoreStats(1, Decimal(70)),
        complaints_normal=1,  # C = 95
        survey_answers=4,
        survey_satisfied=3,  # S = 75
    )
    before = calculations.compute(facts, Scheme(WEIGHTS, BANDS))
    # 0.3 x 90 + 0.2 x 80 + 0.2 x 70 + 0.1 x 95 + 0.2 x 75 = 27 + 16 + 14 + 9.5 + 15 = 81.5
    assert before.score == Decimal("81.50")
    assert [c.code for c in before.components] == ["D", "W", "M", "C", "S", "SELF", "R"]

    # when one definition is added (code, name, weight, evidence and how it is measured)
    new = components.ScoreComponent(
        "T", "Timeliness", "weight_timeliness", "100 less 10 points per complaint", measure=_timeliness
    )
    monkeypatch.setattr(components, "COMPONENTS", (*components.COMPONENTS, new))
    weights = {**WEIGHTS, "D": Decimal(20), "T": Decimal(10)}
    after = calculations.compute(facts, Scheme(weights, BANDS))

    # then the calculation measures and weighs it like the others: T = 90, weight 0.1 (D down to 0.2)
    assert [c.code for c in after.components] == ["D", "W", "M", "C", "S", "SELF", "R", "T"]
    timeliness = after.component("T")
    assert (timeliness.value, timeliness.n, timeliness.weight, timeliness.effective_weight) == (
        Decimal(90),
        1,
        Decimal("0.1"),
        Decimal("0.1"),
    )
    # 0.2 x 90 + 0.2 x 80 + 0.2 x 70 + 0.1 x 95 + 0.2 x 75 + 0.1 x 90 = 18 + 16 + 14 + 9.5 + 15 + 9 = 81.5
    assert after.score == Decimal("81.50")
    assert [row["code"] for row in calculations.explain(after)["components"]][-1] == "T"


def test_each_inspection_component_names_the_facts_it_averages():
    assert {kind: c.facts_field for kind, c in components.BY_INSPECTION_KIND.items()} == {
        "daily": "daily",
        "weekly": "weekly",
        "monthly_joint": "monthly",
        "self": "self_checks",
    }
    assert all(c.facts_field or c.measure for c in components.COMPONENTS)
