"""The half-year and annual appraisal: a worked example with a quarter the contract was not in force, a quarter
not final yet (provisional, never silently), a half-year, ranks, renewal preference and the bidder facts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contracts.tests.factories import ContractFactory
from logistics.quarters import Quarter
from logistics.tests.factories import VendorFactory
from scoring import appraisal, services, services_year
from scoring.models import DEFAULT_BANDS, Evaluation, EvaluationScheme
from scoring.selectors_year import bidder_annual_facts
from scoring.tests.factories import inspection, publish_past

pytestmark = pytest.mark.django_db


def quarter_with(contract, user, quarter: str, daily: str, final: bool):
    """One daily inspection scoring ``daily``: with C at 100 and the rest without data, the quarter's score is
    (0.30 x daily + 0.10 x 100) / 0.40."""
    q = Quarter.parse(quarter)
    inspection(contract, user, "daily", q.first_day + dt.timedelta(days=10), daily)
    [evaluation] = services.evaluations_compute(quarter=q, contracts=[contract])
    if final:
        services.evaluation_review(
            evaluation=evaluation, meeting_date=q.last_day + dt.timedelta(days=9), attendees="后勤处", by=user
        )
        publish_past(evaluation, user)
        services.evaluation_finalize(evaluation=evaluation, by=user)
    return Evaluation.objects.get(pk=evaluation.pk)


@pytest.fixture
def year(office_user):
    return worked_year(office_user)


def worked_year(office_user):
    """Two contracts through 2026 (the pages' tests use it too): A all year with Q4 computed only, B from April to
    September; the quarters weigh 20, 20, 30 and 30."""
    scheme = EvaluationScheme.objects.get(family="default", is_current=True)
    services.scheme_save(
        scheme=scheme,
        changes={"weight_q1": D(20), "weight_q2": D(20), "weight_q3": D(30), "weight_q4": D(30)},
        by=office_user,
    )
    a = ContractFactory(number="HT-Y-A", vendor=VendorFactory(legal_name="甲物业"), start_date=dt.date(2026, 1, 1))
    b = ContractFactory(
        number="HT-Y-B",
        vendor=VendorFactory(legal_name="乙物业"),
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2026, 9, 30),
    )
    scores = {
        (a, "2026Q1"): ("80", True),  # 85.00
        (a, "2026Q2"): ("60", True),  # 70.00
        (a, "2026Q3"): ("100", True),  # 100.00
        (a, "2026Q4"): ("90", False),  # 92.50, computed only
        (b, "2026Q2"): ("100", True),  # 100.00
        (b, "2026Q3"): ("80", True),  # 85.00
    }
    for (contract, quarter), (daily, final) in scores.items():
        quarter_with(contract, office_user, quarter, daily, final)
    assert Evaluation.objects.get(contract=a, quarter="2026Q4").score == D("92.50")
    return a, b


def test_the_worked_year(year, capsys):
    call_command("appraise_year", "2026", "--json")
    out = json.loads(capsys.readouterr().out)
    assert (out["period"], out["provisional"], out["pending_quarters"]) == ("2026", True, ["2026Q4"])
    b, a = out["contracts"]  # ranked
    # B: not in force in Q1 and Q4, its weights rescaled: (20 x 100 + 30 x 85) / 50 = 91.00, A, preferred
    assert (b["contract"], b["score"], b["grade"], b["rank"], b["provisional"], b["renewal_preferred"]) == (
        "HT-Y-B",
        "91.00",
        "A",
        1,
        False,
        True,
    )
    assert [(q["quarter"], q["weight"], q["effective_weight"], q["used"]) for q in b["quarters"]] == [
        ("2026Q1", "20.00", "0.0000", False),
        ("2026Q2", "20.00", "0.4000", True),
        ("2026Q3", "30.00", "0.6000", True),
        ("2026Q4", "30.00", "0.0000", False),
    ]
    # A: (20 x 85 + 20 x 70 + 30 x 100 + 30 x 92.50) / 100 = 88.75, B; Q4 not final: provisional, and never
    # preferred (its grade would not earn it anyway)
    assert (a["contract"], a["score"], a["grade"], a["rank"], a["provisional"], a["renewal_preferred"]) == (
        "HT-Y-A",
        "88.75",
        "B",
        2,
        True,
        False,
    )
    assert a["quarters"][3] == {
        "quarter": "2026Q4",
        "weight": "30.00",
        "effective_weight": "0.3000",
        "score": "92.50",
        "status": "computed",
        "used": True,
        "provisional": True,
    }
    assert [
        (v["vendor"], v["score"], v["grade"], v["rank"], v["provisional"], v["renewal_preferred"])
        for v in out["vendors"]
    ] == [
        ("乙物业", "91.00", "A", 1, False, True),
        ("甲物业", "88.75", "B", 2, True, False),
    ]
    # computing again changes nothing
    call_command("appraise_year", "2026", "--json")
    assert json.loads(capsys.readouterr().out) == out


def test_the_halves(year, capsys):
    call_command("appraise_year", "2026", "--half", "1", "--json")
    first = json.loads(capsys.readouterr().out)
    # A: (20 x 85 + 20 x 70) / 40 = 77.50, C; B: Q2 alone, 100.00, A; both final
    assert [(c["contract"], c["score"], c["grade"], c["rank"], c["provisional"]) for c in first["contracts"]] == [
        ("HT-Y-B", "100.00", "A", 1, False),
        ("HT-Y-A", "77.50", "C", 2, False),
    ]
    assert (first["period"], first["provisional"], first["pending_quarters"]) == ("2026H1", False, [])
    call_command("appraise_year", "2026", "--half", "2", "--json")
    second = json.loads(capsys.readouterr().out)
    # A: (30 x 100 + 30 x 92.50) / 60 = 96.25, A, but provisional: not preferred until Q4 is final
    [a] = [c for c in second["contracts"] if c["contract"] == "HT-Y-A"]
    assert (a["score"], a["grade"], a["provisional"], a["renewal_preferred"]) == ("96.25", "A", True, False)


def test_the_tender_reads_the_latest_final_annual_grade(year):
    a, b = year
    assert bidder_annual_facts([a.vendor_id, b.vendor_id]) == {}  # not appraised yet
    services_year.appraisal_compute(year=2026)
    facts = bidder_annual_facts([a.vendor_id, b.vendor_id])
    # A's vendor is provisional (Q4 not final): no annual grade counts for it yet
    assert facts == {
        b.vendor_id: {
            "annual_grade": (2026, "A", {"zh": "优秀", "en": "Excellent"}),
            "renewal_preference": (2026, "A"),
        }
    }


def test_bad_input_is_refused_in_words():
    with pytest.raises(CommandError, match="无法对 1850 年进行考评。"):
        call_command("appraise_year", "1850")


def test_pure_rules():
    assert appraisal.ranks([D("90"), None, D("95"), D("90"), D("80")]) == [2, None, 1, 2, 4]
    bands = DEFAULT_BANDS
    assert appraisal.meets("A", "B", bands) and appraisal.meets("B", "B", bands)
    assert not appraisal.meets("C", "B", bands) and not appraisal.meets("A", "", bands)
    # a year of which no quarter has a score: no score, no grade, provisional when a quarter was in force
    result = appraisal.appraise(
        2026, None, {1: appraisal.QuarterInput(1, in_force=True)}, {1: D(25), 2: D(25), 3: D(25), 4: D(25)}, bands, "A"
    )
    assert (result.score, result.grade, result.provisional, result.renewal_preferred) == (None, "", True, False)
