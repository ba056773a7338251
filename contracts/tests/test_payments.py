"""Payments by the contract's cycle: the worked example of the README (a binding cap, a fee amendment mid-quarter
that also changes the cycle, a correction after payment), bad input, and the ``payments`` command."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from contracts import services
from contracts.models import Instalment, Settlement
from contracts.services_payments import instalment_record_payment, payments_refresh
from contracts.tests.test_terms_versions import amend, base_contract, clause_set
from logistics.immutability import ImmutableError

pytestmark = pytest.mark.django_db
D = Decimal


def settle(contract, quarter, fee, *, deductions="0", cap=None, cap_applied="0", bonuses="0", final=True):
    fee, deductions, cap_applied, bonuses = D(fee), D(deductions), D(cap_applied), D(bonuses)
    return Settlement.objects.create(
        contract=contract,
        quarter=quarter,
        fee=fee,
        deductions=deductions,
        cap=None if cap is None else D(cap),
        cap_applied=cap_applied,
        bonuses=bonuses,
        payable=fee - deductions + cap_applied + bonuses,
        status="final" if final else "draft",
        finalized_at=timezone.now() if final else None,
    )


def table(contract):
    return [
        (i.first_day.isoformat(), i.cycle, i.base, i.adjustment, i.carried, i.amount, i.status)
        for i in Instalment.objects.filter(contract=contract).order_by("first_day")
    ]


@pytest.fixture
def contract(office_user):
    """2026, 400,000 a year paid quarterly; from 16 August 520,000 a year paid monthly. Q1 has a binding
    deduction cap (12,000 deducted, capped at 10,000), Q2 3,000 deducted, Q3 500; Q4 is not final yet."""
    contract = base_contract(number="HT-PAY", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    amend(
        contract,
        dt.date(2026, 8, 16),
        by=office_user,
        annual_fee=D("520000.00"),
        payment_cycle="monthly",
        clauses=clause_set(contract),
    )
    settle(contract, "2026Q1", "100000.00", deductions="12000.00", cap="10000.00", cap_applied="2000.00")
    settle(contract, "2026Q2", "100000.00", deductions="3000.00")
    settle(contract, "2026Q3", "115000.00", deductions="500.00")  # 46 days at 400,000 and 46 at 520,000
    settle(contract, "2026Q4", "130000.00", deductions="1500.00", final=False)
    return contract


def test_the_schedule_follows_the_cycle_and_carries_each_quarters_settlement(contract):
    payments_refresh(contract=contract)
    assert table(contract) == [
        ("2026-01-01", "quarterly", D("100000.00"), D("-10000.00"), D(0), D("90000.00"), "scheduled"),
        ("2026-04-01", "quarterly", D("100000.00"), D("-3000.00"), D(0), D("97000.00"), "scheduled"),
        # the cycle in force on the quarter's first day splits it: Q3 is still one instalment
        ("2026-07-01", "quarterly", D("115000.00"), D("-500.00"), D(0), D("114500.00"), "scheduled"),
        # Q4 monthly: 130,000 x 31/92, x 30/92, and what is left; December waits for Q4's final settlement
        ("2026-10-01", "monthly", D("43804.35"), D("0.00"), D(0), D("43804.35"), "scheduled"),
        ("2026-11-01", "monthly", D("42391.30"), D("0.00"), D(0), D("42391.30"), "scheduled"),
        ("2026-12-01", "monthly", D("43804.35"), None, D(0), None, "scheduled"),
    ]
    assert Instalment.objects.get(first_day=dt.date(2026, 12, 1)).carries == "2026Q4"
    first = list(Instalment.objects.order_by("pk").values_list("pk", "updated_at"))
    payments_refresh(contract=contract)  # idempotent: nothing rewritten
    assert list(Instalment.objects.order_by("pk").values_list("pk", "updated_at")) == first


def test_a_correction_after_payment_is_carried_by_the_next_instalment_and_the_year_adds_up(contract, office_user):
    payments_refresh(contract=contract)
    q1 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 1, 1))
    instalment_record_payment(
        instalment=q1, paid_on=dt.date(2026, 4, 10), voucher="PZ-2026-041", by=office_user, today=dt.date(2026, 12, 3)
    )
    q2 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 4, 1))
    instalment_record_payment(
        instalment=q2, paid_on=dt.date(2026, 7, 10), voucher="PZ-2026-077", by=office_user, today=dt.date(2026, 12, 3)
    )
    # an objection upheld after Q1 was paid gives 800 back
    services.settlement_adjust(
        settlement=Settlement.objects.get(contract=contract, quarter="2026Q1"),
        amount=D("800.00"),
        reason="异议成立，退还扣款",
        by=office_user,
    )
    payments_refresh(contract=contract)
    q3 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 7, 1))
    assert (q3.base, q3.adjustment, q3.carried, q3.amount) == (
        D("115000.00"),
        D("-500.00"),
        D("800.00"),
        D("115300.00"),
    )
    assert q3.carried_reason == "2026-01-01–2026-03-31 付款 90000.00，现应为 90800.00"
    q1.refresh_from_db()
    assert (q1.amount, q1.status, q1.voucher) == (D("90000.00"), "paid", "PZ-2026-041")  # as it was paid
    instalment_record_payment(
        instalment=q3, paid_on=dt.date(2026, 10, 12), voucher="PZ-2026-103", by=office_user, today=dt.date(2026, 12, 3)
    )
    october = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 10, 1))
    assert (october.carried, october.amount) == (D("0.00"), D("43804.35"))  # carried once, not twice
    # Q4 becomes final: December carries its 1,500 deduction, and the year adds up to the payables
    q4 = Settlement.objects.get(contract=contract, quarter="2026Q4")
    q4.status, q4.finalized_at = "final", timezone.now()
    q4.save()
    payments_refresh(contract=contract)
    december = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 12, 1))
    assert (december.adjustment, december.amount) == (D("-1500.00"), D("42304.35"))
    total = sum(i.amount for i in Instalment.objects.filter(contract=contract))
    payables = sum(s.payable for s in Settlement.objects.filter(contract=contract))
    assert total == payables == D("90800.00") + D("97000.00") + D("114500.00") + D("128500.00")


def test_a_payment_is_refused_until_it_is_due_and_recorded_properly(contract, office_user, inspector_user):
    payments_refresh(contract=contract)
    by_start = {i.first_day: i for i in Instalment.objects.filter(contract=contract)}
    today = dt.date(2026, 12, 3)
    cases = [
        (by_start[dt.date(2026, 12, 1)], dt.date(2026, 12, 2), "PZ-1", "This instalment's period ends on 2026-12-31"),
        (
            by_start[dt.date(2026, 12, 1)],
            dt.date(2027, 1, 5),
            "PZ-1",
            "This instalment carries the settlement of 2026Q4, which is not final yet.",
        ),
        (by_start[dt.date(2026, 11, 1)], dt.date(2026, 12, 9), "PZ-1", "The payment date cannot be in the future."),
        (by_start[dt.date(2026, 11, 1)], dt.date(2026, 11, 30), "PZ-1", "The payment date must be after the period"),
        (by_start[dt.date(2026, 11, 1)], dt.date(2026, 12, 1), "  ", "Enter the voucher number."),
    ]
    for instalment, paid_on, voucher, message in cases:
        when = dt.date(2027, 1, 10) if paid_on.year == 2027 else today
        with translation.override("en"), pytest.raises(ValidationError) as info:
            instalment_record_payment(
                instalment=instalment, paid_on=paid_on, voucher=voucher, by=office_user, today=when
            )
        assert message in " ".join(info.value.messages), message
    with pytest.raises(PermissionDenied):
        instalment_record_payment(
            instalment=by_start[dt.date(2026, 1, 1)], paid_on=dt.date(2026, 4, 1), voucher="PZ", by=inspector_user
        )
    assert not Instalment.objects.filter(status="paid").exists()
    paid = instalment_record_payment(
        instalment=by_start[dt.date(2026, 1, 1)],
        paid_on=dt.date(2026, 4, 1),
        voucher="PZ-9",
        by=office_user,
        today=today,
    )
    with translation.override("en"), pytest.raises(ValidationError) as info:
        instalment_record_payment(
            instalment=paid, paid_on=dt.date(2026, 4, 2), voucher="PZ-10", by=office_user, today=today
        )
    assert info.value.messages == ["This instalment has been paid."]
    paid.voucher = "PZ-changed"
    with pytest.raises(ImmutableError):
        paid.save()
    assert paid.history.latest().history_change_reason == "已付款，凭证号 PZ-9"


def test_a_contract_terminated_early_drops_the_unpaid_months_after_its_end(contract, office_user):
    payments_refresh(contract=contract)
    services.contract_change_status(
        contract=contract,
        to_status="terminated",
        reason="严重违约",
        effective_date=dt.date(2026, 11, 16),
        by=office_user,
    )
    payments_refresh(contract=contract)
    assert [(i.first_day.isoformat(), i.last_day.isoformat()) for i in Instalment.objects.filter(contract=contract)][
        -1
    ] == ("2026-11-01", "2026-11-15")


def test_the_payments_command_prints_every_instalment(contract):
    out = io.StringIO()
    call_command("payments", "2026", "--contract", "HT-PAY", "--json", stdout=out)
    data = json.loads(out.getvalue())
    [block] = data["contracts"]
    assert [(i["period"], i["base"], i["settlement_adjustment"], i["amount"]) for i in block["instalments"]] == [
        (["2026-01-01", "2026-03-31"], "100000.00", "-10000.00", "90000.00"),
        (["2026-04-01", "2026-06-30"], "100000.00", "-3000.00", "97000.00"),
        (["2026-07-01", "2026-09-30"], "115000.00", "-500.00", "114500.00"),
        (["2026-10-01", "2026-10-31"], "43804.35", "0.00", "43804.35"),
        (["2026-11-01", "2026-11-30"], "42391.30", "0.00", "42391.30"),
        (["2026-12-01", "2026-12-31"], "43804.35", None, None),
    ]
    assert (block["total"], block["final_settlements_payable"]) == ("387695.65", "301500.00")


@pytest.mark.postgres
def test_the_database_refuses_to_change_a_paid_instalment(contract, office_user):
    from django.db import DatabaseError, transaction

    from conftest import raw_sql

    payments_refresh(contract=contract)
    q1 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 1, 1))
    instalment_record_payment(
        instalment=q1, paid_on=dt.date(2026, 4, 10), voucher="PZ-1", by=office_user, today=dt.date(2026, 12, 3)
    )
    for sql in (
        "UPDATE contracts_instalment SET amount = 1 WHERE id = %s",
        "DELETE FROM contracts_instalment WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="A paid instalment is locked"), transaction.atomic():
            raw_sql(sql, [q1.pk])
    q1.refresh_from_db()
    assert (q1.amount, q1.voucher) == (D("90000.00"), "PZ-1")


def test_the_payments_page_records_a_payment_and_exports_the_year(
    contract, client_for, office_user, leader_user, monkeypatch
):
    from openpyxl import load_workbook

    from contracts import services_payments, views

    for module in (views, services_payments):
        monkeypatch.setattr(module, "local_today", lambda: dt.date(2026, 12, 4))

    payments_refresh(contract=contract)
    q1 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 1, 1))
    client = client_for(office_user)
    page = client.get("/payments/?year=2026")
    body = page.content.decode()
    assert "2026 年合同付款" in body and "90,000.00" in body and "承载 2026Q4 结算" in body
    assert "该期款项的期间至 2026-12-31 结束，期满后方可付款。" in body  # December, today 2026-12-04
    # a bad date: the message, and what was typed stays
    response = client.post(
        "/payments/?year=2026", {"instalment": q1.pk, "paid_on": "2026-03-01", "voucher": "PZ-2026-041"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "付款日期须在所付期间结束（2026-03-31）之后。" in body and 'value="PZ-2026-041"' in body
    assert Instalment.objects.get(pk=q1.pk).status == "scheduled"
    response = client.post(
        "/payments/?year=2026", {"instalment": q1.pk, "paid_on": "2026-04-10", "voucher": "PZ-2026-041"}
    )
    assert response.status_code == 302
    q1.refresh_from_db()
    assert (q1.status, q1.paid_on, q1.voucher, q1.paid_by) == ("paid", dt.date(2026, 4, 10), "PZ-2026-041", office_user)
    assert client.post("/payments/?year=2026", {"instalment": "x"}).status_code == 404
    book = load_workbook(io.BytesIO(client.get("/payments/?year=2026&format=xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("合同", "服务企业", "起")
    assert [(r[0], r[8], r[9], r[11]) for r in rows[1:3]] == [
        ("HT-PAY", 90000, "已付款", "PZ-2026-041"),
        ("HT-PAY", 97000, "未付款", None),
    ]
    leader = client_for(leader_user)
    assert "登记付款" not in leader.get("/payments/?year=2026").content.decode()
    q2 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 4, 1))
    assert leader.post("/payments/", {"instalment": q2.pk, "paid_on": "2026-07-10", "voucher": "X"}).status_code == 403
    detail = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="payments"' in detail and "PZ-2026-041" not in detail and "2026-04-10" in detail
