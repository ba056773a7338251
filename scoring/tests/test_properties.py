"""Properties of the quarterly score and of the inspection score (hypothesis; pure code, no database).

ARCHITECTURE.md "The quarterly score": components without data drop out and the others' weights are
rescaled to sum to 1; score = sum(weight x component) + adjustment, clamped to 0..100, rounded half-up to
0.01 with no intermediate rounding; the grade is read from the rounded score. The reference used here
computes the same thing with exact fractions from the raw inputs.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from inspections.calculations import ItemAnswer
from inspections.calculations import score as inspection_score
from scoring.calculations import Facts, Scheme, ScoreStats, compute, validate_bands
from scoring.components import CODES as COMPONENTS

D = Decimal
EXAMPLES = settings(max_examples=100, deadline=None, derandomize=True, database=None)
BANDS = [
    {"grade": "A", "min": "90"},
    {"grade": "B", "min": "80"},
    {"grade": "C", "min": "60"},
    {"grade": "D", "min": "0"},
]

stored_scores = st.lists(st.decimals(min_value=0, max_value=100, places=2), max_size=6)
percent = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def weights(draw):
    """A scheme's weights: percent by component, adding up to 100 like the database demands."""
    codes = list(COMPONENTS)
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=len(codes) - 1, max_size=len(codes) - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)]
    return {code: D(part) / 100 for code, part in zip(codes, parts, strict=True)}


@st.composite
def bands(draw):
    lows = draw(st.sets(st.decimals(min_value=D("0.01"), max_value=100, places=2), max_size=4))
    lows = sorted(lows | {D(0)}, reverse=True)
    return [{"grade": "ABCDE"[i], "min": str(low)} for i, low in enumerate(lows)]


@st.composite
def quarters(draw):
    survey_answers = draw(st.integers(0, 40))
    facts = {
        "daily": draw(stored_scores),
        "weekly": draw(stored_scores),
        "monthly": draw(stored_scores),
        "self_checks": draw(stored_scores),
        "complaints_normal": draw(st.integers(0, 25)),
        "complaints_serious": draw(st.integers(0, 12)),
        "survey_answers": survey_answers,
        "survey_satisfied": draw(st.integers(0, survey_answers)),
    }
    scheme = {
        "weights": draw(weights()),
        "bands": draw(bands()),
        "normal": draw(st.decimals(min_value=0, max_value=20, places=2)),
        "serious": draw(st.decimals(min_value=0, max_value=40, places=2)),
    }
    adjustment = draw(st.decimals(min_value=-5, max_value=5, places=2))
    return facts, scheme, adjustment


def build(raw, scheme_raw) -> tuple[Facts, Scheme]:
    def stats(scores):
        return ScoreStats(len(scores), sum(scores, D(0)))

    facts = Facts(
        daily=stats(raw["daily"]),
        weekly=stats(raw["weekly"]),
        monthly=stats(raw["monthly"]),
        self_checks=stats(raw["self_checks"]),
        complaints_normal=raw["complaints_normal"],
        complaints_serious=raw["complaints_serious"],
        survey_answers=raw["survey_answers"],
        survey_satisfied=raw["survey_satisfied"],
    )
    scheme = Scheme(
        weights=scheme_raw["weights"],
        bands=scheme_raw["bands"],
        complaint_points_normal=scheme_raw["normal"],
        complaint_points_serious=scheme_raw["serious"],
    )
    return facts, scheme


def reference_score(raw, scheme_raw, adjustment) -> Decimal:
    """ARCHITECTURE.md's rule with exact fractions, from the raw scores."""

    def mean(scores):
        return sum((Fraction(s) for s in scores), Fraction(0)) / len(scores) if scores else None

    penalty = raw["complaints_normal"] * Fraction(scheme_raw["normal"])
    penalty += raw["complaints_serious"] * Fraction(scheme_raw["serious"])
    values = {
        "D": mean(raw["daily"]),
        "W": mean(raw["weekly"]),
        "M": mean(raw["monthly"]),
        "C": max(Fraction(0), 100 - penalty),
        "S": Fraction(100 * raw["survey_satisfied"], raw["survey_answers"]) if raw["survey_answers"] else None,
        "SELF": mean(raw["self_checks"]),
    }
    present = {code: Fraction(scheme_raw["weights"][code]) for code, v in values.items() if v is not None}
    total = sum(present.values(), Fraction(0))
    weighted = sum((w * values[code] for code, w in present.items()), Fraction(0)) / total if total else Fraction(0)
    clamped = min(Fraction(100), max(Fraction(0), weighted + Fraction(adjustment)))
    return D(math.floor(clamped * 100 + Fraction(1, 2))) / 100


def grade_of(score: Decimal, bands_) -> str:
    return max((D(b["min"]), b["grade"]) for b in bands_ if D(b["min"]) <= score)[1]


# The minimal failing example the property found: D, W and M each 89.995 (mean of 89.99 and 90.00) with
# equal weights and S without data; each rescaled weight is 1/3, which a Decimal rounds to 0.333...3, and
# the sum came out 89.99499...9 -> 89.99 (B) instead of 89.995 -> 90.00 (A).
THIRDS = (
    {
        "daily": [D("89.99"), D("90.00")],
        "weekly": [D("89.99"), D("90.00")],
        "monthly": [D("89.99"), D("90.00")],
        "self_checks": [],
        "complaints_normal": 0,
        "complaints_serious": 0,
        "survey_answers": 0,
        "survey_satisfied": 0,
    },
    {
        "weights": {"D": D(10), "W": D(10), "M": D(10), "C": D(0), "S": D(70), "SELF": D(0)},
        "bands": BANDS,
        "normal": D(5),
        "serious": D(10),
    },
    D(0),
)


@EXAMPLES
@given(quarters())
@example(THIRDS)
def test_the_score_is_the_exact_weighted_mean_rounded_once(quarter):
    raw, scheme_raw, adjustment = quarter
    facts, scheme = build(raw, scheme_raw)
    result = compute(facts, scheme, adjustment)
    assert result.score == reference_score(raw, scheme_raw, adjustment)


def test_equal_thirds_at_the_half_cent_round_up_to_the_next_grade():
    facts, scheme = build(*THIRDS[:2])
    result = compute(facts, scheme)
    assert (result.score, result.grade) == (D("90.00"), "A")


@EXAMPLES
@given(quarters())
def test_the_score_is_within_0_100_in_cents_and_its_grade_is_its_band(quarter):
    raw, scheme_raw, adjustment = quarter
    facts, scheme = build(raw, scheme_raw)
    result = compute(facts, scheme, adjustment)
    assert D(0) <= result.score <= D(100)
    assert result.score == result.score.quantize(D("0.01"))
    assert result.grade == grade_of(result.score, scheme.bands)
    validate_bands(scheme.bands)  # the generated bands are valid ones


@EXAMPLES
@given(quarters())
def test_rescaled_weights_sum_to_one(quarter):
    """Present components share the weight 1 (to the 28 digits of a Decimal: a third is 0.333...3);
    a component without data weighs 0; each keeps its share of the scheme's weights."""
    raw, scheme_raw, adjustment = quarter
    facts, scheme = build(raw, scheme_raw)
    result = compute(facts, scheme, adjustment)
    present = [c for c in result.components if c.value is not None]
    assert all(c.effective_weight == 0 for c in result.components if c.value is None)
    total = sum((c.weight for c in present), D(0))
    if total == 0:
        assert all(c.effective_weight == 0 for c in present)
        return
    assert abs(sum(c.effective_weight for c in present) - 1) <= D("1e-26")
    for c in present:
        assert abs(c.effective_weight - c.weight / total) <= D("1e-27")
    assert result.missing == [c.code for c in result.components if c.value is None and c.weight > 0]


@EXAMPLES
@given(quarters(), st.data())
def test_a_lower_inspection_score_never_raises_the_quarter(quarter, data):
    """One more failed item lowers (or keeps) one inspection's score: the quarter's score never rises."""
    raw, scheme_raw, adjustment = quarter
    kind = data.draw(st.sampled_from(["daily", "weekly", "monthly", "self_checks"]))
    if not raw[kind]:
        raw[kind] = [D(100)]
    before = compute(*build(raw, scheme_raw), adjustment).score
    i = data.draw(st.integers(0, len(raw[kind]) - 1))
    lowered = dict(raw, **{kind: list(raw[kind])})
    lowered[kind][i] = data.draw(st.decimals(min_value=0, max_value=raw[kind][i], places=2))
    assert compute(*build(lowered, scheme_raw), adjustment).score <= before


@EXAMPLES
@given(quarters(), st.booleans())
def test_one_more_upheld_complaint_never_raises_the_quarter(quarter, serious):
    raw, scheme_raw, adjustment = quarter
    before = compute(*build(raw, scheme_raw), adjustment).score
    key = "complaints_serious" if serious else "complaints_normal"
    worse = dict(raw, **{key: raw[key] + 1})
    assert compute(*build(worse, scheme_raw), adjustment).score <= before


# --- the inspection score -------------------------------------------------------------------------------
@st.composite
def answers(draw):
    items = []
    for _ in range(draw(st.integers(0, 12))):
        max_points = draw(st.decimals(min_value=D("0.5"), max_value=20, places=1))
        result = draw(st.sampled_from(["pass", "partial", "fail", "na"]))
        points = draw(st.decimals(min_value=0, max_value=max_points, places=1)) if result == "partial" else None
        items.append(ItemAnswer(result, max_points, points))
    return items


@EXAMPLES
@given(answers())
def test_an_inspection_score_is_within_0_100_or_none_when_all_na(items):
    outcome = inspection_score(items)
    if all(a.result == "na" for a in items):
        assert outcome.score is None
    else:
        assert D(0) <= outcome.score <= D(100)
        assert outcome.score == outcome.score.quantize(D("0.01"))
        assert D(0) <= outcome.awarded <= outcome.possible


@EXAMPLES
@given(answers(), st.data())
def test_one_more_failed_item_never_raises_an_inspection_score(items, data):
    """Failing an answered item, or adding a failed one, never raises the score."""
    before = inspection_score(items).score
    answered = [i for i, a in enumerate(items) if a.result != "na"]
    if answered:
        i = data.draw(st.sampled_from(answered))
        failed = [*items[:i], ItemAnswer("fail", items[i].max_points), *items[i + 1 :]]
        assert inspection_score(failed).score <= before
    extra = ItemAnswer("fail", data.draw(st.decimals(min_value=D("0.5"), max_value=20, places=1)))
    after = inspection_score([*items, extra]).score
    assert after is not None
    assert before is None or after <= before
