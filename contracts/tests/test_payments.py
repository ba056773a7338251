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
from contracts.models import Instalment, PaymentRequest, Settlement
from contracts.services_payments import (
    instalment_record_payment,
    payment_request_approve,
    payment_request_raise,
    payments_refresh,
)
from contracts.tests.test_terms_versions import amend, amended_to_monthly, base_contract
from logistics.immutability import ImmutableError

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 12, 3)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    from logistics.quarters import institution_tz

    return dt.datetime.combine(day, dt.time(hour), tzinfo=institution_tz())


def pay(instalment, paid_on, voucher, office, finance, today=TODAY):
    """The whole chain: the office raises the request three days before the payment, finance approves it the day
    before and records the payment."""
    request = payment_request_raise(instalment=instalment, by=office, now=moment(paid_on - dt.timedelta(days=3)))
    payment_request_approve(request=request, by=finance, now=moment(paid_on - dt.timedelta(days=1)))
    return instalment_record_payment(instalment=instalment, paid_on=paid_on, voucher=voucher, by=finance, today=today)


def refund_q1(contract, office) -> None:
    """An objection upheld on Q1 gives 800 back (a settlement adjustment); the payments follow."""
    services.settlement_adjust(
        settlement=Settlement.objects.get(contract=contract, quarter="2026Q1"),
        amount=D("800.00"),
        reason="异议成立，退还扣款",
        by=office,
    )
    payments_refresh(contract=contract)


def terminate(contract, effective: dt.date, office) -> None:
    """The contract terminated for a serious breach from ``effective``; the payments follow."""
    services.contract_change_status(
        contract=contract, to_status="terminated", reason="严重违约", effective_date=effective, by=office
    )
    payments_refresh(contract=contract)


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


def payment_contract(office_user):
    """2026, 400,000 a year paid quarterly; from 16 August 520,000 a year paid monthly. Q1 has a binding
    deduction cap (12,000 deducted, capped at 10,000), Q2 3,000 deducted, Q3 500; Q4 is not final yet."""
    contract = base_contract(number="HT-PAY", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    amended_to_monthly(contract, dt.date(2026, 8, 16), "520000.00", office_user)
    settle(contract, "2026Q1", "100000.00", deductions="12000.00", cap="10000.00", cap_applied="2000.00")
    settle(contract, "2026Q2", "100000.00", deductions="3000.00")
    settle(contract, "2026Q3", "115000.00", deductions="500.00")  # 46 days at 400,000 and 46 at 520,000
    settle(contract, "2026Q4", "130000.00", deductions="1500.00", final=False)
    return contract


@pytest.fixture
def contract(office_user):
    return payment_contract(office_user)


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


def test_a_correction_after_payment_is_carried_by_the_next_instalment_and_the_year_adds_up(
    contract, office_user, finance_user
):
    payments_refresh(contract=contract)
    q1 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 1, 1))
    pay(q1, dt.date(2026, 4, 10), "PZ-2026-041", office_user, finance_user)
    q2 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 4, 1))
    pay(q2, dt.date(2026, 7, 10), "PZ-2026-077", office_user, finance_user)
    # an objection upheld after Q1 was paid gives 800 back
    refund_q1(contract, office_user)
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
    pay(q3, dt.date(2026, 10, 12), "PZ-2026-103", office_user, finance_user)
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


def test_a_payment_is_refused_until_it_is_due_and_recorded_properly(
    contract, office_user, finance_user, inspector_user, leader_user
):
    payments_refresh(contract=contract)
    by_start = {i.first_day: i for i in Instalment.objects.filter(contract=contract)}
    # a request for a period not yet ended, or for one whose quarter is not final: refused, nothing raised
    for instalment, when, message in [
        (by_start[dt.date(2026, 12, 1)], moment(TODAY), "This instalment's period ends on 2026-12-31"),
        (
            by_start[dt.date(2026, 12, 1)],
            moment(dt.date(2027, 1, 5)),
            "This instalment carries the settlement of 2026Q4, which is not final yet.",
        ),
    ]:
        with translation.override("en"), pytest.raises(ValidationError) as info:
            payment_request_raise(instalment=instalment, by=office_user, now=when)
        assert message in " ".join(info.value.messages), message
    # outside the chain: finance does not raise, the office does not approve or pay, nobody else does anything
    nov = by_start[dt.date(2026, 11, 1)]
    for user in (finance_user, inspector_user, leader_user):
        with pytest.raises(PermissionDenied):
            payment_request_raise(instalment=nov, by=user, now=moment(TODAY))
    assert not PaymentRequest.objects.exists()
    request = payment_request_raise(instalment=nov, by=office_user, remarks="已核对", now=moment(dt.date(2026, 12, 2)))
    assert (request.number, request.amount, request.state) == ("FK-2026-0001", D("42391.30"), "open")
    with translation.override("en"), pytest.raises(ValidationError) as info:
        payment_request_raise(instalment=nov, by=office_user, now=moment(TODAY))
    assert info.value.messages == [
        "This instalment already has a payment request in the approval chain (FK-2026-0001)."
    ]
    for user in (office_user, inspector_user, leader_user):
        with translation.override("en"), pytest.raises(PermissionDenied) as denied:
            payment_request_approve(request=request, by=user)
    assert str(denied.value) == "Only finance approves a payment request; the logistics office has signed it."
    with translation.override("en"), pytest.raises(ValidationError) as info:  # not approved yet
        instalment_record_payment(instalment=nov, paid_on=TODAY, voucher="PZ-1", by=finance_user, today=TODAY)
    assert info.value.messages == ["A payment is recorded once finance has approved its payment request."]
    payment_request_approve(request=request, by=finance_user, remarks="同意", now=moment(TODAY, 9))
    with pytest.raises(PermissionDenied):
        instalment_record_payment(instalment=nov, paid_on=TODAY, voucher="PZ-1", by=office_user, today=TODAY)
    cases = [
        (dt.date(2026, 12, 9), "PZ-1", "The payment date cannot be in the future."),
        (dt.date(2026, 12, 2), "PZ-1", "The payment date cannot be before finance approved the request (2026-12-03)."),
        (TODAY, "  ", "Enter the voucher number."),
    ]
    for paid_on, voucher, message in cases:
        with translation.override("en"), pytest.raises(ValidationError) as info:
            instalment_record_payment(instalment=nov, paid_on=paid_on, voucher=voucher, by=finance_user, today=TODAY)
        assert message in " ".join(info.value.messages), message
    assert not Instalment.objects.filter(status="paid").exists()
    assert Instalment.objects.get(pk=nov.pk).status == "approved"  # nothing lost
    paid = instalment_record_payment(instalment=nov, paid_on=TODAY, voucher="PZ-9", by=finance_user, today=TODAY)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        instalment_record_payment(instalment=paid, paid_on=TODAY, voucher="PZ-10", by=finance_user, today=TODAY)
    assert info.value.messages == ["This instalment has been paid."]
    paid.voucher = "PZ-changed"
    with pytest.raises(ImmutableError):
        paid.save()
    assert paid.history.latest().history_change_reason == "已付款，凭证号 PZ-9"
    assert [h.history_change_reason for h in paid.history.order_by("history_id")][-3:] == [
        "付款审批单 FK-2026-0001 已提交",
        "付款审批单 FK-2026-0001 已审批",
        "已付款，凭证号 PZ-9",
    ]
    request.refresh_from_db()
    assert (request.state, request.closed_reason) == ("paid", "")
    assert list(request.approvals.values_list("step", "decision", "by__username", "remarks")) == [
        ("office", "approved", "office1", "已核对"),
        ("finance", "approved", "finance1", "同意"),
    ]


def test_a_contract_terminated_early_drops_the_unpaid_months_after_its_end(contract, office_user):
    payments_refresh(contract=contract)
    terminate(contract, dt.date(2026, 11, 16), office_user)
    assert [(i.first_day.isoformat(), i.last_day.isoformat()) for i in Instalment.objects.filter(contract=contract)][
        -1
    ] == ("2026-11-01", "2026-11-15")


def test_the_payments_command_prints_every_instalment(contract, office_user, finance_user):
    payments_refresh(contract=contract)
    pay(Instalment.objects.get(first_day=dt.date(2026, 1, 1)), dt.date(2026, 4, 10), "PZ-1", office_user, finance_user)
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
    q1, q2 = block["instalments"][:2]
    assert (q1["status"], q1["request"], q1["paid_on"], q1["voucher"]) == ("paid", "FK-2026-0001", "2026-04-10", "PZ-1")
    assert [(a["step"], a["decision"], a["by"], a["at"][:10]) for a in q1["approvals"]] == [
        ("office", "approved", "用户测试", "2026-04-07"),
        ("finance", "approved", "孙丽华", "2026-04-09"),
    ]
    assert (q2["status"], q2["request"], q2["approvals"], q2["earlier_requests"]) == ("scheduled", None, [], [])


@pytest.mark.postgres
def test_the_database_refuses_to_change_a_paid_instalment(contract, office_user, finance_user):
    from django.db import DatabaseError, transaction

    from conftest import raw_sql

    payments_refresh(contract=contract)
    q1 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 1, 1))
    pay(q1, dt.date(2026, 4, 10), "PZ-1", office_user, finance_user)
    request = PaymentRequest.objects.get()
    for sql, params in (
        ("UPDATE contracts_paymentrequest SET amount = 1 WHERE id = %s", [request.pk]),
        ("DELETE FROM contracts_paymentapproval WHERE request_id = %s", [request.pk]),
        ("UPDATE contracts_paymentapproval SET remarks = 'x' WHERE request_id = %s", [request.pk]),
    ):
        with pytest.raises(DatabaseError, match=r"is (locked|never changed)"), transaction.atomic():
            raw_sql(sql, params)
    for sql in (
        "UPDATE contracts_instalment SET amount = 1 WHERE id = %s",
        "DELETE FROM contracts_instalment WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="A paid instalment is locked"), transaction.atomic():
            raw_sql(sql, [q1.pk])
    q1.refresh_from_db()
    assert (q1.amount, q1.voucher) == (D("90000.00"), "PZ-1")


def test_the_office_raises_finance_approves_and_pays_on_the_pages_and_the_year_goes_to_excel(
    contract, client_for, office_user, finance_user, leader_user
):
    from openpyxl import load_workbook

    payments_refresh(contract=contract)
    q1 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 1, 1))
    office = client_for(office_user)
    body = office.get("/payments/?year=2026").content.decode()
    assert "2026 年合同付款" in body and "90,000.00" in body and "承载 2026Q4 结算" in body
    assert "暂不可付款" in body  # December (its period, or its quarter's settlement)
    assert 'id="raise-request"' in body and 'id="record-payment"' not in body  # the office does not pay
    response = office.post("/payments/?year=2026", {"instalment": q1.pk, "remarks": "已核对季度结算"})
    request = PaymentRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/payments/requests/{request.pk}/"
    page = office.get(response["Location"]).content.decode()
    assert "FK-2026-0001" in page and "玖万元整" in page and "已核对季度结算" in page and "等待财务审批" in page
    assert 'id="approve-request"' not in page  # not the office's step
    # the office tries finance's step anyway: refused with the reason, nothing recorded
    refused = office.post(f"/payments/requests/{request.pk}/", {"action": "approve"})
    assert refused.status_code == 403 and "只有财务人员审批付款审批单" in refused.content.decode()
    assert request.approvals.count() == 1

    finance = client_for(finance_user)
    listing = finance.get("/payments/?year=2026").content.decode()
    assert f'href="/payments/requests/{request.pk}/"' in listing and 'id="raise-request"' not in listing
    page = finance.get(f"/payments/requests/{request.pk}/").content.decode()
    assert 'id="approve-request"' in page and 'id="return-request"' in page
    assert (
        finance.post(f"/payments/requests/{request.pk}/", {"action": "approve", "remarks": "同意支付"}).status_code
        == 302
    )
    # a paid date before the approval (today): the message, and what was typed stays
    response = finance.post(
        f"/payments/requests/{request.pk}/", {"action": "pay", "paid_on": "2026-04-10", "voucher": "PZ-2026-041"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'value="PZ-2026-041"' in body
    assert "付款日期不能早于财务审批日期（" in body
    assert Instalment.objects.get(pk=q1.pk).status == "approved"
    today = timezone.localdate()
    response = finance.post(
        f"/payments/requests/{request.pk}/", {"action": "pay", "paid_on": today.isoformat(), "voucher": "PZ-2026-041"}
    )
    assert response.status_code == 302
    q1.refresh_from_db()
    assert (q1.status, q1.paid_on, q1.voucher, q1.paid_by) == ("paid", today, "PZ-2026-041", finance_user)
    assert finance.post(f"/payments/requests/{request.pk}/", {"action": "pay"}).status_code == 200  # closed: a message
    assert finance.get("/payments/requests/999999/").status_code == 404
    assert finance.post("/payments/?year=2026", {"instalment": "x"}).status_code == 403  # not finance's step
    assert client_for(office_user).post("/payments/?year=2026", {"instalment": "x"}).status_code == 404
    finance = client_for(finance_user)

    book = load_workbook(io.BytesIO(finance.get("/payments/?year=2026&format=xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("合同", "服务企业", "起") and rows[0][13] == "付款审批单"
    assert [(r[0], r[8], r[9], r[11], r[13]) for r in rows[1:3]] == [
        ("HT-PAY", 90000, "已付款", "PZ-2026-041", "FK-2026-0001"),
        ("HT-PAY", 97000, "未申请付款", None, None),
    ]
    leader = client_for(leader_user)
    assert 'id="raise-request"' not in leader.get("/payments/?year=2026").content.decode()
    q2 = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 4, 1))
    assert leader.post("/payments/", {"instalment": q2.pk}).status_code == 403
    assert not PaymentRequest.objects.filter(instalment=q2).exists()
    assert client_for(finance_user).get(f"/contracts/{contract.pk}/").status_code == 200
    detail = client_for(office_user).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="payments"' in detail and "PZ-2026-041" not in detail and today.isoformat() in detail


def test_a_supplementary_agreement_moves_the_payments_to_the_dates_it_sets(office_user):
    from contracts.explanations import describe_changes
    from contracts.forms import AmendmentForm

    contract = base_contract(number="HT-DATES", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    # bad input: clear messages, nothing made
    for terms, field, message in [
        ({"payment_cycle": "dates"}, "payment_dates", "Enter the payment dates the contract sets, as MM-DD"),
        ({"payment_cycle": "dates", "payment_dates": ["02-29"]}, "payment_dates", "02-29 is not a day of every year"),
        ({"payment_dates": ["06-30"]}, "payment_dates", "Payment dates go with the cycle on the dates the contract"),
    ]:
        with translation.override("en"), pytest.raises(ValidationError) as info:
            amend(contract, dt.date(2026, 7, 1), by=office_user, **terms)
        assert message in " ".join(info.value.message_dict[field]), terms
    assert contract.terms_versions.count() == 1
    form = AmendmentForm(
        {
            "effective_date": "2026-07-01",
            "approved_by": "李主任",
            "reason": "改为按约定日期付款",
            "annual_fee": "400000.00",
            "payment_cycle": "dates",
            "payment_dates": "12-31，9-30",
            "end_date": "2026-12-31",
        }
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    amendment = amend(
        contract,
        data["effective_date"],
        by=office_user,
        payment_cycle=data["payment_cycle"],
        payment_dates=data["payment_dates"],
    )
    version = contract.terms_versions.get(number=2)
    assert (version.payment_cycle, version.payment_dates) == ("dates", ["09-30", "12-31"])
    assert version.cycle_text == "按合同约定日期付款：09-30、12-31"
    assert describe_changes(amendment.changes) == [
        "付款周期：按季 → 按合同约定日期付款",
        "付款日期：— → 09-30、12-31",
    ]
    payments_refresh(contract=contract)
    assert [(i.first_day.isoformat(), i.last_day.isoformat(), i.cycle, i.base) for i in contract.instalments.all()] == [
        ("2026-01-01", "2026-03-31", "quarterly", D("100000.00")),
        ("2026-04-01", "2026-06-30", "quarterly", D("100000.00")),
        ("2026-07-01", "2026-09-30", "dates", D("100000.00")),
        ("2026-10-01", "2026-12-31", "dates", D("100000.00")),
    ]
