"""Every yuan defensible, end to end (issue 16): the facts an evaluation shows are the ones its money was
priced from on every path; a complaint upheld after its quarter is final counts in the next open one; a
dispatched complaint is one job; a vendor sees nothing of a quarter before it is final."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from contracts.models import FormalWarning, LedgerLine, Settlement
from contracts.tests.factories import ClauseFactory, ContractFactory, per_failed_item_clause
from inspections.models import ChecklistItem, Inspection, ItemResult, RectificationOrder
from inspections.services import complaints as complaint_services
from inspections.services import rectifications as rectification_services
from inspections.tests.factories import make_template
from logistics.immutability import allow_locked_changes
from logistics.quarters import Quarter
from logistics.tests.factories import UserFactory
from scoring import integrity, nightly, selectors, services, tasks
from scoring.models import Evaluation
from scoring.tests.factories import SHANGHAI, complaint, inspection, meeting_review, publish_past

pytestmark = pytest.mark.django_db
D = Decimal
Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)


@pytest.fixture
def priced(inspector_user):
    """A contract with the usual clauses and a quarter of facts: two failed items (a minor and a major), an
    upheld complaint, an order overdue 5 days (deadline Sep 25, never answered)."""
    contract = ContractFactory(start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))
    per_failed_item_clause(contract)
    ClauseFactory(contract=contract, kind="per_upheld_complaint", amount=D(500))
    ClauseFactory(contract=contract, kind="per_overdue_rectification_day", amount=D(200))
    template = make_template(category=contract.category)
    ins = inspection(contract, inspector_user, "daily", dt.date(2026, 7, 2), "60", status="draft")
    for code in ("A1", "A2"):
        ItemResult.objects.create(
            inspection=ins, item=ChecklistItem.objects.get(template=template, code=code), result="fail", awarded=D(0)
        )
    Inspection.objects.filter(pk=ins.pk).update(status="submitted", submitted_at=ins.started_at)
    complaint(contract, dt.datetime(2026, 8, 1, 10, tzinfo=SHANGHAI))
    rectification_services.rectification_open(
        contract=contract,
        description="地面积水",
        severity="minor",
        issued_at=dt.datetime(2026, 9, 18, 9, tzinfo=SHANGHAI),  # deadline Sep 25: overdue Sep 26-30
    )
    return contract


EXPECTED_FACTS = {
    "failed_items": 2,
    "upheld_complaints": 1,
    "carried_complaints": 0,
    "overdue_rectifications": 1,
    "overdue_days": 5,
}


def agrees(evaluation: Evaluation) -> None:
    """The evaluation's facts are what its settlement's ledger priced, to the piece of evidence."""
    evaluation.refresh_from_db()
    settlement = Settlement.objects.get(contract_id=evaluation.contract_id, quarter=evaluation.quarter)
    assert evaluation.facts == selectors.facts_from_ledger(settlement.pk) == EXPECTED_FACTS
    # 100 + 300 + 500 + 5 x 200
    assert (settlement.deductions, settlement.payable) == (D("1900.00"), D("98100.00"))


def test_the_facts_agree_with_the_money_on_every_path(priced, office_user):
    # the quarter close
    services.quarter_close(quarter=Q3)
    evaluation = Evaluation.objects.get(contract=priced, quarter="2026Q3")
    agrees(evaluation)
    # the recompute button and the on-demand tasks
    services.evaluations_compute(quarter=Q3, contracts=[priced], include_reviewed=True)
    agrees(evaluation)
    tasks.recompute_task(priced.pk, "2026Q3")
    agrees(evaluation)
    tasks.compute_quarter_task("2026Q3")
    agrees(evaluation)
    # the evaluation meeting (with an adjustment)
    meeting_review(evaluation, office_user, adjustment="1", reason="x")
    agrees(evaluation)
    # finalization, sealed with those facts
    publish_past(evaluation, office_user)
    services.evaluation_finalize(evaluation=evaluation, by=office_user, as_of=dt.date(2026, 10, 9))
    agrees(evaluation)
    assert integrity.verify("2026Q3")[1] == []
    # and the page shows the same facts beside the same money, in both languages
    from django.test import Client

    client = Client()
    client.force_login(office_user)
    html = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "不合格检查项 2 个" in html and "属实投诉 1 件" in html and "逾期整改通知单 1 张（逾期共 5 天）" in html


def test_the_nightly_job_stores_the_same_facts_as_the_money(priced, monkeypatch):
    # the running quarter's compute, on a day inside 2026Q3
    monkeypatch.setattr(nightly, "expiry_alerts", lambda today=None: 0)
    nightly.nightly(today=dt.date(2026, 9, 30))
    evaluation = Evaluation.objects.get(contract=priced, quarter="2026Q3")
    evaluation.refresh_from_db()
    settlement = Settlement.objects.get(contract=priced, quarter="2026Q3")
    assert evaluation.facts == selectors.facts_from_ledger(settlement.pk)
    assert evaluation.facts["failed_items"] == 2 and evaluation.facts["upheld_complaints"] == 1


def test_final_facts_stored_wrong_are_corrected_by_the_audited_command(priced, office_user):
    # given a final evaluation sealed with zero facts (as before this fix) and a clean verify_hashes
    services.quarter_close(quarter=Q3)
    evaluation = Evaluation.objects.get(contract=priced, quarter="2026Q3")
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    publish_past(evaluation, office_user)
    services.evaluation_finalize(evaluation=evaluation, by=office_user, as_of=dt.date(2026, 10, 9))
    zero = dict.fromkeys(EXPECTED_FACTS, 0)
    with transaction.atomic(), allow_locked_changes():
        Evaluation.objects.filter(pk=evaluation.pk).update(facts=zero)
        evaluation.refresh_from_db()
        Evaluation.objects.filter(pk=evaluation.pk).update(inputs_hash=services.seal(evaluation))
    assert integrity.verify("2026Q3")[1] == []
    payable = Settlement.objects.get(contract=priced, quarter="2026Q3").payable
    # when the office runs the correction
    call_command("correct_final_facts", "--reason", "事实数据与台账不一致，按台账更正")
    # then the facts are the ledger's, the seal is new and verifies, the history says why, the money is as it was
    evaluation.refresh_from_db()
    assert evaluation.facts == EXPECTED_FACTS and evaluation.seal_version == services.SEAL_VERSION
    assert integrity.verify("2026Q3")[1] == []
    assert evaluation.history.first().history_change_reason == "事实数据与台账不一致，按台账更正"
    assert Settlement.objects.get(contract=priced, quarter="2026Q3").payable == payable
    # and a second run changes nothing
    rows = evaluation.history.count()
    call_command("correct_final_facts", "--reason", "again")
    assert evaluation.history.count() == rows


def test_a_complaint_upheld_after_its_quarter_is_final_counts_in_the_next_open_quarter(office_user, monkeypatch):
    # given a contract with a complaint clause, a complaint filed on 2026-09-28 and 2026Q3 final without it
    contract = ContractFactory(start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))
    ClauseFactory(contract=contract, kind="per_upheld_complaint", amount=D(500))
    filed = complaint_services.complaint_submit(category=contract.category, description="会议室空调不制冷")
    type(filed).objects.filter(pk=filed.pk).update(created_at=dt.datetime(2026, 9, 28, 15, tzinfo=SHANGHAI))
    services.quarter_close(quarter=Q3)
    q3 = Evaluation.objects.get(contract=contract, quarter="2026Q3")
    services.evaluation_review(evaluation=q3, meeting_date=dt.date(2026, 10, 12), attendees="后勤处", by=office_user)
    publish_past(q3, office_user)
    services.evaluation_finalize(evaluation=q3, by=office_user, as_of=dt.date(2026, 10, 12))
    q3_money = Settlement.objects.get(contract=contract, quarter="2026Q3").payable
    # when the office upholds it on 2026-10-20, after the vendor's answer
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 10, 20, 10, tzinfo=SHANGHAI))
    complaint_services.complaint_accept(complaint=filed, contract=contract, by=office_user)
    vendor_user = UserFactory(username="aircon-vendor", role="vendor", vendor=contract.vendor)
    complaint_services.complaint_answer(complaint=filed, response="已维修", by=vendor_user)
    complaint_services.complaint_rule(complaint=filed, upheld=True, reason="现场核实属实。", by=office_user)
    monkeypatch.undo()
    # then it counts in 2026Q4, the first quarter not final, and the ledger line says why
    filed.refresh_from_db()
    assert filed.counts_in == "2026Q4"
    [q4] = services.evaluations_compute(quarter=Q4, contracts=[contract])
    line = LedgerLine.objects.get(contract=contract, quarter="2026Q4")
    assert (line.evidence_key, line.amount) == (f"complaint:{filed.pk}", D("500.00"))
    with translation.override("en"):
        from contracts.explanations import describe

        assert describe(line.explanation) == (
            f"Upheld complaint TS-{filed.pk:06d}: 500.00 CNY per complaint. Filed in 2026Q3 and upheld on "
            "2026-10-20, after 2026Q3 was final: it counts in this quarter."
        )
    assert q4.facts["carried_complaints"] == 1
    assert {c.code: c.n for c in q4.components.all()}["C"] == 1
    # and 2026Q3 is untouched
    assert Settlement.objects.get(contract=contract, quarter="2026Q3").payable == q3_money
    assert not LedgerLine.objects.filter(contract=contract, quarter="2026Q3", evidence_type="complaint").exists()


def test_one_complaint_is_one_job_with_no_second_order_going_overdue(office_user, vendor_user, vendor_a):
    # given an upheld complaint dispatched to the vendor, answered late
    contract = ContractFactory(vendor=vendor_a, start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))
    ClauseFactory(contract=contract, kind="per_upheld_complaint", amount=D(500))
    ClauseFactory(contract=contract, kind="per_overdue_rectification_day", amount=D(200))
    filed = complaint_services.complaint_submit(category=contract.category, description="卫生间无纸巾")
    complaint_services.complaint_accept(complaint=filed, contract=contract, by=office_user)
    complaint_services.complaint_answer(complaint=filed, response="已补充", by=vendor_user)
    complaint_services.complaint_rule(complaint=filed, upheld=True, reason="经调查属实。", by=office_user)
    complaint_services.complaint_close(complaint=filed, reply="已处理", by=office_user)
    # then there is no rectification order, and the quarter charges the complaint once
    assert RectificationOrder.objects.count() == 0
    quarter = Quarter.containing(filed.created_at)
    services.evaluations_compute(quarter=quarter, contracts=[contract])
    assert list(LedgerLine.objects.filter(contract=contract).values_list("evidence_type", "amount")) == [
        ("complaint", D("500.00"))
    ]


def test_a_vendor_sees_nothing_of_a_quarter_before_it_is_final(priced, office_user, make_user, client_for, api_get):
    vendor = make_user("vendor", username="v-final", vendor=priced.vendor)
    ClauseFactory(contract=priced, kind="warning_below", amount=None, threshold=D(99))
    services.quarter_close(quarter=Q3)
    evaluation = Evaluation.objects.get(contract=priced, quarter="2026Q3")
    settlement = Settlement.objects.get(contract=priced, quarter="2026Q3")
    client = client_for(vendor)

    def visible():
        portal = client.get("/vendor/").content.decode()
        contract_page = client.get(f"/contracts/{priced.pk}/").content.decode()
        return {
            "evaluation page": client.get(f"/evaluations/{evaluation.pk}/").status_code,
            "report": client.get(f"/reports/contract/{evaluation.pk}.pdf").status_code,
            "api evaluations": api_get(vendor, "/api/evaluations/").json()["count"],
            "api settlements": api_get(vendor, "/api/settlements/").json()["count"],
            "api ledger": api_get(vendor, "/api/ledger-lines/").json()["count"],
            "api warnings": api_get(vendor, "/api/warnings/").json()["count"],
            "portal payable": "98,100.00" in portal or "98100.00" in portal,
            "contract page settlement": "2026Q3" in contract_page,
        }

    hidden = {
        "evaluation page": 404,
        "report": 404,
        "api evaluations": 0,
        "api settlements": 0,
        "api ledger": 0,
        "api warnings": 0,
        "portal payable": False,
        "contract page settlement": False,
    }
    # computed: nothing; no warning issued by a draft either
    assert visible() == hidden
    assert FormalWarning.objects.count() == 0
    # reviewed (the meeting moved the score): still nothing
    meeting_review(evaluation, office_user, adjustment="2", reason="x")
    assert visible() == hidden
    # final: everything, with the warning issued now
    publish_past(evaluation, office_user)
    services.evaluation_finalize(evaluation=evaluation, by=office_user, as_of=dt.date(2026, 10, 9))
    settlement.refresh_from_db()
    assert FormalWarning.objects.filter(contract=priced, quarter="2026Q3").count() == 1
    shown = visible()
    assert shown["evaluation page"] == 200 and shown["api evaluations"] == 1 and shown["api settlements"] == 1
    assert shown["api ledger"] == settlement.lines.count() and shown["api warnings"] == 1
    assert shown["portal payable"] and shown["contract page settlement"]
