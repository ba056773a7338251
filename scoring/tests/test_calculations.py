"""The quarterly score on worked examples (pure code)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.calculations import Facts, Scheme, ScoreStats, compute, grade_for, validate_bands

D = Decimal
BANDS = [
    {"grade": "A", "min": "90"},
    {"grade": "B", "min": "80"},
    {"grade": "C", "min": "60"},
    {"grade": "D", "min": "0"},
]
DEFAULT = Scheme(weights={"D": D(30), "W": D(20), "M": D(20), "C": D(10), "S": D(20), "SELF": D(0)}, bands=BANDS)
ONLY_DAILY = Scheme(weights={"D": D(100), "W": D(0), "M": D(0), "C": D(0), "S": D(0), "SELF": D(0)}, bands=BANDS)


def stats(*scores: str) -> ScoreStats:
    return ScoreStats(len(scores), sum((D(s) for s in scores), D(0)))


WORKED = Facts(
    daily=stats("90", "95", "100"),
    weekly=stats("80", "85"),
    monthly=stats("70"),
    self_checks=stats("99", "98"),
    complaints_normal=1,
    complaints_serious=1,
    survey_answers=10,
    survey_satisfied=7,
)


def test_a_worked_quarter_with_all_five_components():
    result = compute(WORKED, DEFAULT)
    values = {c.code: (c.value, c.n, c.effective_weight) for c in result.components}
    assert values == {
        "D": (D(95), 3, D("0.3")),
        "W": (D("82.5"), 2, D("0.2")),
        "M": (D(70), 1, D("0.2")),
        "C": (D(85), 2, D("0.1")),
        "S": (D(70), 10, D("0.2")),
        "SELF": (D("98.5"), 2, D(0)),
        "R": (None, 0, D(0)),  # no work order round: no data, and weight 0
    }
    # 0.3 x 95 + 0.2 x 82.5 + 0.2 x 70 + 0.1 x 85 + 0.2 x 70 = 28.5 + 16.5 + 14 + 8.5 + 14 = 81.5
    assert (result.raw_score, result.score, result.grade, result.missing) == (D("81.5"), D("81.50"), "B", [])


def test_a_component_without_data_drops_out_and_the_weights_are_rescaled():
    facts = Facts(
        daily=stats("90", "95", "100"),
        weekly=stats("80", "85"),
        monthly=stats("70"),
        complaints_normal=1,
        complaints_serious=1,
    )
    result = compute(facts, DEFAULT)
    weights = {c.code: c.effective_weight for c in result.components}
    assert weights == {
        "D": D("0.375"),
        "W": D("0.25"),
        "M": D("0.25"),
        "C": D("0.125"),
        "S": D(0),
        "SELF": D(0),
        "R": D(0),
    }
    assert sum(weights.values()) == 1
    # 95 x .375 + 82.5 x .25 + 70 x .25 + 85 x .125 = 35.625 + 20.625 + 17.5 + 10.625 = 84.375
    assert (result.raw_score, result.score, result.missing) == (D("84.375"), D("84.38"), ["S"])


def test_complaints_are_always_present_and_floored_at_zero():
    facts = Facts(complaints_normal=10, complaints_serious=6)  # 50 + 60 points
    result = compute(facts, DEFAULT)
    assert result.component("C").value == 0
    assert result.component("C").effective_weight == 1
    assert result.missing == ["D", "W", "M", "S"]
    assert compute(Facts(), DEFAULT).component("C").value == 100  # no complaint gives 100


@pytest.mark.parametrize(
    ("adjustment", "score", "grade"),
    [(D("5.00"), D("86.50"), "B"), (D("-5.00"), D("76.50"), "C"), (D("0.01"), D("81.51"), "B")],
)
def test_a_manual_adjustment_within_its_bound(adjustment, score, grade):
    result = compute(WORKED, DEFAULT, adjustment)
    assert (result.score, result.grade) == (score, grade)


@pytest.mark.parametrize("adjustment", [D("5.01"), D("-5.01"), D(6)])
def test_a_manual_adjustment_beyond_its_bound_is_refused(adjustment):
    with pytest.raises(ValueError, match="beyond"):
        compute(WORKED, DEFAULT, adjustment)


def test_the_score_is_clamped_to_0_100():
    assert compute(Facts(daily=stats("98")), ONLY_DAILY, D(5)).score == D("100.00")
    assert compute(Facts(daily=stats("3")), ONLY_DAILY, D(-5)).score == D("0.00")


@pytest.mark.parametrize(
    ("scores", "score", "grade"),
    [
        (("89.99", "90.00"), "90.00", "A"),  # 89.995 rounds half-up to 90.00: A
        (("89.99", "89.99", "90.00"), "89.99", "B"),  # 89.9933...
        (("90.00",), "90.00", "A"),
        (("79.99", "80.00"), "80.00", "B"),  # 79.995
        (("79.98", "79.99"), "79.99", "C"),  # 79.985 -> 79.99
        (("59.99", "60.00"), "60.00", "C"),
        (("59.98", "59.99"), "59.99", "D"),
        (("0.00",), "0.00", "D"),
        (("100.00",), "100.00", "A"),
    ],
)
def test_grade_band_edges(scores, score, grade):
    result = compute(Facts(daily=stats(*scores)), ONLY_DAILY)
    assert (result.score, result.grade) == (D(score), grade)


def test_no_intermediate_rounding():
    # D = mean(93.33, 93.34) = 93.335 exactly; weights D 50, C 50 with C = 100 - 13.33? use two components
    scheme = Scheme(
        weights={"D": D(50), "W": D(0), "M": D(0), "C": D(50), "S": D(0), "SELF": D(0)},
        bands=BANDS,
        complaint_points_normal=D("6.67"),
    )
    facts = Facts(daily=stats("93.33", "93.34"), complaints_normal=1)  # C = 93.33
    # 0.5 x 93.335 + 0.5 x 93.33 = 93.3325 -> 93.33; rounding D first (93.34) would give 93.335 -> 93.34
    assert compute(facts, scheme).score == D("93.33")


def test_band_validation():
    assert validate_bands(BANDS)[0] == (D(90), "A")
    for bands, message in [
        ([{"grade": "A", "min": "90"}, {"grade": "B", "min": "10"}], "no band starts at 0"),
        ([{"grade": "A", "min": "90"}, {"grade": "A", "min": "0"}], "twice"),
        ([{"grade": "A", "min": "90"}, {"grade": "B", "min": "90"}, {"grade": "C", "min": "0"}], "same score"),
        ([{"grade": "A", "min": "120"}, {"grade": "D", "min": "0"}], "outside 0..100"),
        ([], "at least one"),
    ]:
        with pytest.raises(ValueError, match=message):
            validate_bands(bands)
    assert grade_for(D("100"), [{"grade": "P", "min": "0"}]) == "P"
