"""The evaluation meeting's pages: the quarter overview with each contract's money and the totals, the objections
waiting, the component letters named, and a what-if that shows the money as well as the score."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import translation

from contracts.tests.factories import ClauseFactory, ContractFactory
from logistics.quarters import Quarter
from scoring import selectors, services
from scoring import services_objections as objections
from scoring.tests.factories import inspection

Q3 = Quarter(2026, 3)
WHAT_IF_C = "/evaluation/2026Q3/?what_if=1&w_D=0&w_W=0&w_M=0&w_C=100&w_S=0&w_SELF=0"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def scored_contract(inspector_user, score: str, vendor=None):
    """Fee 100,000.00 a quarter; a score below 80 costs 5% of the fee (5,000.00). With D alone and no complaint
    (C 100): score = (D x 30 + 100 x 10) / 40."""
    contract = ContractFactory(
        start_date=dt.date(2026, 1, 1), annual_fee=D("400000"), **({"vendor": vendor} if vendor else {})
    )
    ClauseFactory(contract=contract, kind="score_below", amount=None, threshold=D(80), percent=D(5))
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 2), score)
    return contract


def test_the_overview_shows_each_contracts_money_the_totals_and_the_objections_waiting(
    client_for, office_user, inspector_user, vendor_a, vendor_user
):
    low = scored_contract(inspector_user, "60", vendor=vendor_a)  # 70.00: 5,000.00 deducted
    scored_contract(inspector_user, "100")  # 100.00: nothing deducted
    evaluations = {e.contract_id: e for e in services.evaluations_compute(quarter=Q3)}
    evaluation = services.evaluation_review(
        evaluation=evaluations[low.pk], meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)
    objections.objection_file(evaluation=evaluation, target_key="score", reasons="得分偏低", by=vendor_user)

    response = client_for(office_user).get("/evaluation/2026Q3/")
    rows = {row["evaluation"].contract_id: row for row in response.context["rows"]}
    assert (rows[low.pk]["settlement"].payable, rows[low.pk]["open_objections"]) == (D("95000.00"), 1)
    totals = response.context["totals"]
    assert (totals["fee"], totals["deductions"], totals["payable"], totals["open_objections"]) == (
        D("200000.00"),
        D("5000.00"),
        D("195000.00"),
        1,
    )
    html = response.content.decode()
    # the client's page is in the default language (Chinese): the letters are named, the deadline said
    assert "195,000.00" in html and "<strong>D</strong> 日常检查" in html and "异议截止" in html


def test_the_what_if_shows_the_money_the_clauses_would_give_and_saves_nothing(client_for, office_user, inspector_user):
    low = scored_contract(inspector_user, "60")
    services.evaluations_compute(quarter=Q3)
    response = client_for(office_user).get(WHAT_IF_C)
    [row] = response.context["what_if"]
    # C alone: 100.00, above 80: the 5,000.00 deduction goes
    assert (row["result"].score, row["settlement"].payable, row["payable"], row["payable_change"]) == (
        D("100.00"),
        D("95000.00"),
        D("100000.00"),
        D("5000.00"),
    )
    assert low.settlements.get().payable == D("95000.00")  # nothing saved


def test_the_overview_costs_the_same_queries_for_2_and_8_contracts(
    client_for, office_user, inspector_user, count_queries
):
    for _ in range(2):
        scored_contract(inspector_user, "70")
    services.evaluations_compute(quarter=Q3)
    client = client_for(office_user)
    client.get("/evaluation/2026Q3/")  # the session and the caches
    small, _ = count_queries(lambda: client.get("/evaluation/2026Q3/"))
    for _ in range(6):
        scored_contract(inspector_user, "70")
    services.evaluations_compute(quarter=Q3)
    large, response = count_queries(lambda: client.get("/evaluation/2026Q3/"))
    assert len(response.context["rows"]) == 8
    assert small == large
    assert len(selectors.quarter_overview(Q3)) == 8


def test_the_published_draft_tells_the_vendor_the_warnings_to_come_and_finalizing_issues_them(
    client_for, office_user, inspector_user, vendor_a, vendor_user
):
    contract = scored_contract(inspector_user, "60", vendor=vendor_a)  # 70.00
    ClauseFactory(contract=contract, kind="warning_below", amount=None, threshold=D(75))
    [evaluation] = services.evaluations_compute(quarter=Q3)
    assert services.consequences_to_come(evaluation)["warnings"] == [
        "Quarterly score 70.00 is below 75.00: formal warning."
    ]
    evaluation = services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)
    html = client_for(vendor_user).get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "定稿时将产生" in html and "书面警告" in html
    assert contract.warnings.count() == 0  # not before finalization
