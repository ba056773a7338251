"""Component R (the service desk's on-time work orders, issue 20 "Into the quarter") and the clause kind
``per_late_work_order``: weight 0 in every existing scheme moves no number; a scheme weighing R gets the exact
total; two late rounds under a clause of 200.00 are two deduction lines with their evidence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contracts.explanations import describe
from contracts.models import LedgerLine, Settlement
from contracts.tests.factories import ClauseFactory, ContractFactory
from inspections.models import WorkOrderRound
from inspections.tests.factories import round_written, work_order_written
from logistics.models import ServiceCategory
from logistics.quarters import Quarter
from logistics.tests.factories import SiteFactory
from scoring import calculations, services
from scoring.calculations import DeskCounts, Facts, Scheme, ScoreStats
from scoring.models import Evaluation, EvaluationScheme
from scoring.tests.factories import SHANGHAI, inspection, publish_past

D = Decimal
Q3 = Quarter(2026, 3)
BANDS = [
    {"grade": "A", "min": "90"},
    {"grade": "B", "min": "75"},
    {"grade": "C", "min": "60"},
    {"grade": "D", "min": "0"},
]
WEIGHTS = {"D": D(30), "W": D(20), "M": D(20), "C": D(10), "S": D(20), "SELF": D(0), "R": D(0)}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


FACTS = Facts(
    daily=ScoreStats(3, D(270)),  # 90
    weekly=ScoreStats(1, D(80)),
    monthly=ScoreStats(1, D(70)),
    complaints_normal=1,  # C = 95
    survey_answers=4,
    survey_satisfied=3,  # S = 75
)
DESK = DeskCounts(3, 5, 1, 3, D("60.00"), D("33.33"))


def test_weight_zero_moves_no_number_and_a_weight_gives_the_exact_total():
    without = calculations.compute(FACTS, Scheme(WEIGHTS, BANDS))
    with_desk = Facts(**{**FACTS.__dict__, "desk_rate": D("46.67"), "desk": DESK})
    weight_zero = calculations.compute(with_desk, Scheme(WEIGHTS, BANDS))
    # 0.3 x 90 + 0.2 x 80 + 0.2 x 70 + 0.1 x 95 + 0.2 x 75 = 81.5, with or without the desk's figures
    assert (without.score, without.raw_score) == (weight_zero.score, weight_zero.raw_score) == (D("81.50"), D("81.5"))
    assert [c.effective_weight for c in without.components] == [c.effective_weight for c in weight_zero.components]
    r = weight_zero.component("R")
    assert (r.value, r.n, r.weight, r.effective_weight, r.contribution) == (D("46.67"), 5, D(0), D(0), D(0))
    assert calculations.explain(without)["missing"] == calculations.explain(weight_zero)["missing"] == []
    # a scheme weighing R 10 (S down to 10): 27 + 16 + 14 + 9.5 + 7.5 + 4.667 = 78.667
    weighed = calculations.compute(with_desk, Scheme({**WEIGHTS, "S": D(10), "R": D(10)}, BANDS))
    assert (weighed.raw_score, weighed.score, weighed.grade) == (D("78.667"), D("78.67"), "B")
    # no round judged: R drops out and the others rescale (0.9 of the weight left: 74 / 0.9 = 82.222...)
    missing = calculations.compute(FACTS, Scheme({**WEIGHTS, "S": D(10), "R": D(10)}, BANDS))
    assert (missing.score, missing.missing) == (D("82.22"), ["R"])
    assert calculations.desk_detail(with_desk, Scheme(WEIGHTS, BANDS)) == {
        "rate": "46.67",
        "response": {"kept": 3, "judged": 5, "rate": "60.00"},
        "completion": {"kept": 1, "judged": 3, "rate": "33.33"},
    }
    assert calculations.desk_detail(FACTS, Scheme(WEIGHTS, BANDS)) is None  # no desk, not weighed: as before


def _rounds(contract, site) -> list[WorkOrderRound]:
    """Four rounds in August, all answered in time; two of them completed after their completion clock (one
    late, one never completed): response 4 of 4 = 100.00, completion 2 of 4 = 50.00, R = 75.00."""
    made = []
    for n, completed in enumerate([dt.timedelta(hours=3), dt.timedelta(hours=4), dt.timedelta(hours=6), None]):
        start = at(2026, 8, 3 + n, 9, 0)
        order = work_order_written(contract, site, start, "completed" if completed else "accepted")
        made.append(
            round_written(
                order,
                1,
                start,
                accepted_after=dt.timedelta(minutes=20),
                completion_due_after=dt.timedelta(hours=4),
                completed_at=start + completed if completed else None,
            )
        )
    return made


@pytest.fixture
def contract(inspector_user):
    cleaning = ServiceCategory.objects.get(code="cleaning")
    contract = ContractFactory(category=cleaning, start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 2), "90")
    return contract


@pytest.mark.django_db
def test_an_existing_scheme_gives_the_same_score_with_work_orders(contract, office_user):
    services.evaluations_compute(quarter=Q3)
    before = Evaluation.objects.get(contract=contract)
    # D = 90 (30), C = 100 (10); W, M, S without data: (2700 + 1000) / 40
    assert (before.score, before.raw_score) == (D("92.50"), D("92.500000"))
    assert "desk" not in before.explanation
    _rounds(contract, SiteFactory())
    services.evaluations_compute(quarter=Q3)
    after = Evaluation.objects.get(contract=contract)
    assert (after.score, after.raw_score, after.grade) == (before.score, before.raw_score, before.grade)
    assert sorted(after.components.values_list("code", flat=True)) == ["C", "D", "M", "S", "W"]  # R not stored
    assert after.explanation["desk"] == {
        "rate": "75.00",
        "response": {"kept": 4, "judged": 4, "rate": "100.00"},
        "completion": {"kept": 2, "judged": 4, "rate": "50.00"},
    }
    # a scheme weighing R: (2700 + 1000 + 10 x 75) / 50 = 89
    scheme = EvaluationScheme.objects.get(family="default", is_current=True)
    services.scheme_save(scheme=scheme, changes={"weight_satisfaction": D(10), "weight_r": D(10)}, by=office_user)
    services.evaluations_compute(quarter=Q3)  # a computed (not yet reviewed) evaluation takes the current scheme
    weighed = Evaluation.objects.get(contract=contract)
    assert (weighed.score, weighed.raw_score) == (D("89.00"), D("89.000000"))
    r = weighed.components.get(code="R")
    assert (r.value, r.n, r.weight, r.effective_weight) == (D("75.000000"), 4, D("0.1000"), D("0.2000000000"))


@pytest.mark.django_db
def test_two_late_rounds_are_two_deduction_lines_with_their_evidence(contract, office_user):
    ClauseFactory(contract=contract, kind="per_late_work_order", amount=D("200.00"))
    late, never = _rounds(contract, SiteFactory())[2:]
    services.evaluations_compute(quarter=Q3)
    lines = list(LedgerLine.objects.filter(contract=contract).order_by("evidence_id"))
    # deductions are positive amounts of kind "deduction" (the settlement subtracts them)
    assert [(line.kind, line.amount, line.evidence_type, line.evidence_id, line.evidence_ref) for line in lines] == [
        ("deduction", D("200.00"), "work_order", late.pk, f"GD-{late.order_id:06d} #1"),
        ("deduction", D("200.00"), "work_order", never.pk, f"GD-{never.order_id:06d} #1"),
    ]
    settlement = Settlement.objects.get(contract=contract, quarter="2026Q3")
    assert (settlement.fee, settlement.deductions, settlement.payable) == (
        D("100000.00"),
        D("400.00"),
        D("99600.00"),
    )
    with translation.override("en"):
        assert describe(lines[0].explanation) == (
            f"Work order GD-{late.order_id:06d}, round 1: to be completed by 2026-08-05 13:00, completed "
            "2026-08-05 15:00: 200.00 CNY per round completed late."
        )
        assert describe(lines[1].explanation) == (
            f"Work order GD-{never.order_id:06d}, round 1: to be completed by 2026-08-06 13:00, not completed by "
            "then: 200.00 CNY per round completed late."
        )
    with translation.override("zh-hans"):
        assert describe(lines[0].explanation) == (
            f"工单 GD-{late.order_id:06d} 第 1 轮：应于 2026-08-05 13:00 前完工，实际 2026-08-05 15:00 完工：每轮 200.00 元。"
        )
    # finalized on the same facts, the lines stay
    evaluation = Evaluation.objects.get(contract=contract)
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    publish_past(evaluation, office_user)
    services.evaluation_finalize(evaluation=evaluation, by=office_user, as_of=dt.date(2026, 10, 9))
    settlement.refresh_from_db()
    assert (settlement.status, settlement.deductions) == ("final", D("400.00"))
    assert LedgerLine.objects.filter(contract=contract, evidence_type="work_order").count() == 2


def test_an_excused_late_round_drops_out_of_the_money_and_the_rates(contract, office_user):
    from inspections.selectors_desk import desk_figures
    from inspections.services import desk as desk_services

    ClauseFactory(contract=contract, kind="per_late_work_order", amount=D("200.00"))
    late, never = _rounds(contract, SiteFactory())[2:]
    services.evaluations_compute(quarter=Q3)
    assert LedgerLine.objects.filter(contract=contract, evidence_type="work_order").count() == 2
    before = desk_figures(Q3, [contract])[contract.pk]
    # the vendor objected: the requester was away and let nobody in; the office excuses the round's clocks
    desk_services.work_order_round_excuse(job=never, reason="报修人不在，无法入户。", by=office_user)
    with pytest.raises(ValidationError):
        desk_services.work_order_round_excuse(job=never, reason="再次", by=office_user)
    services.evaluations_compute(quarter=Q3)
    lines = LedgerLine.objects.filter(contract=contract, evidence_type="work_order")
    assert list(lines.values_list("evidence_id", "amount")) == [(late.pk, D("200.00"))]
    after = desk_figures(Q3, [contract])[contract.pk]
    assert (after.rounds, after.completion_judged) == (before.rounds, before.completion_judged - 1)
