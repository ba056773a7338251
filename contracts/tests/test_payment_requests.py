"""The payment request's approval chain beyond the happy path: finance returns a request with its reason (it is
requested again under a new number), a change of the amount withdraws an open request and tells both sides, the
PDF (付款审批单) reads right, a request is refused when it would be wrong, and the pages' query counts stay flat."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contracts.models import Instalment, PaymentRequest, Settlement
from contracts.services_payments import (
    instalment_record_payment,
    payment_request_approve,
    payment_request_pdf,
    payment_request_raise,
    payment_request_return,
    payments_refresh,
)
from contracts.tests.test_payments import TODAY, moment, payment_contract, refund_q1, terminate
from logistics.models import Notification

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def contract(office_user):
    """2026, 400,000 a year paid quarterly, monthly from 16 August at 520,000; Q1 with a binding cap (90,000
    payable), Q2 and Q3 final, Q4 not (``test_payments``)."""
    return payment_contract(office_user)


def inbox(user):
    return list(
        Notification.objects.filter(recipient=user, channel="inbox").order_by("pk").values_list("subject", flat=True)
    )


def q1_of(contract):
    payments_refresh(contract=contract)
    return Instalment.objects.get(contract=contract, first_day=dt.date(2026, 1, 1))


def test_finance_returns_a_request_with_its_reason_and_the_office_raises_it_again(contract, office_user, finance_user):
    q1 = q1_of(contract)
    first = payment_request_raise(instalment=q1, by=office_user, now=moment(dt.date(2026, 4, 3)))
    assert inbox(finance_user) == ["付款审批单 FK-2026-0001 待您审批"]
    with translation.override("en"), pytest.raises(ValidationError) as info:
        payment_request_return(request=first, by=finance_user, reason="  ")
    assert info.value.message_dict == {"reason": ["Say why the request is returned."]}
    payment_request_return(
        request=first, by=finance_user, reason="发票金额与审批单不一致", now=moment(dt.date(2026, 4, 6))
    )
    first.refresh_from_db()
    q1.refresh_from_db()
    assert (first.state, first.closed_reason, q1.status) == ("returned", "发票金额与审批单不一致", "scheduled")
    assert inbox(office_user)[-1] == "财务退回了付款审批单 FK-2026-0001"
    with translation.override("en"), pytest.raises(ValidationError) as info:  # a closed request stays closed
        payment_request_approve(request=first, by=finance_user)
    assert info.value.messages == [
        "The payment request FK-2026-0001 is closed (Returned by finance): 发票金额与审批单不一致."
    ]
    second = payment_request_raise(instalment=q1, by=office_user, now=moment(dt.date(2026, 4, 7)))
    assert (second.number, second.amount) == ("FK-2026-0002", D("90000.00"))
    payment_request_approve(request=second, by=finance_user, now=moment(dt.date(2026, 4, 8)))
    instalment_record_payment(instalment=q1, paid_on=dt.date(2026, 4, 9), voucher="PZ-1", by=finance_user, today=TODAY)
    assert list(PaymentRequest.objects.order_by("pk").values_list("number", "state")) == [
        ("FK-2026-0001", "returned"),
        ("FK-2026-0002", "paid"),
    ]
    assert list(first.approvals.values_list("step", "decision", "remarks")) == [
        ("office", "approved", ""),
        ("finance", "returned", "发票金额与审批单不一致"),
    ]
    assert inbox(finance_user) == ["付款审批单 FK-2026-0001 待您审批", "付款审批单 FK-2026-0002 待您审批"]


def test_a_change_of_the_amount_withdraws_the_open_request_and_tells_both_sides(contract, office_user, finance_user):
    q1 = q1_of(contract)
    request = payment_request_raise(instalment=q1, by=office_user, now=moment(dt.date(2026, 4, 3)))
    payment_request_approve(request=request, by=finance_user, now=moment(dt.date(2026, 4, 6)))
    # an objection upheld after the approval gives 800 back: the approved 90,000 is no longer the amount
    refund_q1(contract, office_user)
    request.refresh_from_db()
    q1.refresh_from_db()
    reason = "提交审批后金额由 90000.00 变为 90800.00，请重新提交付款审批单。"
    assert (request.state, request.closed_reason, q1.status, q1.amount) == (
        "withdrawn",
        reason,
        "scheduled",
        D("90800.00"),
    )
    assert inbox(office_user)[-1] == inbox(finance_user)[-1] == "付款审批单 FK-2026-0001 已撤回"
    with translation.override("en"), pytest.raises(ValidationError) as info:
        instalment_record_payment(instalment=q1, paid_on=dt.date(2026, 4, 9), voucher="PZ-1", by=finance_user)
    assert info.value.messages == ["A payment is recorded once finance has approved its payment request."]
    again = payment_request_raise(instalment=q1, by=office_user, now=moment(dt.date(2026, 4, 10)))
    assert (again.number, again.amount) == ("FK-2026-0002", D("90800.00"))
    payments_refresh(contract=contract)  # nothing changed: nothing withdrawn
    again.refresh_from_db()
    assert again.state == "open"


def test_a_contract_ended_earlier_withdraws_the_request_of_a_period_it_no_longer_pays(
    contract, office_user, finance_user
):
    payments_refresh(contract=contract)
    november = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 11, 1))
    request = payment_request_raise(instalment=november, by=office_user, now=moment(TODAY))
    terminate(contract, dt.date(2026, 10, 20), office_user)
    request.refresh_from_db()
    assert (request.state, request.closed_reason, request.instalment_id) == (
        "withdrawn",
        "合同已不再支付该期间的款项。",
        None,
    )
    assert (request.first_day, request.last_day, request.amount) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        D("42391.30"),
    )
    assert not Instalment.objects.filter(contract=contract, first_day=dt.date(2026, 11, 1)).exists()


def test_the_pdf_reads_as_a_payment_request(
    contract, office_user, finance_user, tmp_path, django_capture_on_commit_callbacks
):
    q1 = q1_of(contract)
    request = payment_request_raise(instalment=q1, by=office_user, remarks="已核对", now=moment(dt.date(2026, 4, 3)))
    payment_request_approve(request=request, by=finance_user, remarks="同意支付", now=moment(dt.date(2026, 4, 6)))
    with django_capture_on_commit_callbacks(execute=True):  # the task runs at the commit (eagerly here)
        payment_request_pdf(PaymentRequest.objects.get(pk=request.pk))
    request = PaymentRequest.objects.get(pk=request.pk)
    assert request.status == "ready" and request.file.name.endswith(".pdf")
    path = tmp_path / "request.pdf"
    path.write_bytes(request.file.read())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for words in (
        "付款审批单",
        "FK-2026-0001",
        "HT-PAY",
        "90,000.00",
        "玖万元整",
        "2026Q1 结算",
        "10,000.00",  # the binding cap
        "后勤管理部门",
        "已核对",
        "财务",
        "同意支付",
    ):
        assert words in text, words
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and " yes " in fonts  # the CJK font, embedded
    # looked at again without a change: not rendered again
    rendered_at = request.rendered_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        payment_request_pdf(request)
    assert callbacks == [] and PaymentRequest.objects.get(pk=request.pk).rendered_at == rendered_at


def test_a_request_for_a_quarter_not_final_or_a_period_not_ended_is_refused(contract, office_user):
    payments_refresh(contract=contract)
    december = Instalment.objects.get(contract=contract, first_day=dt.date(2026, 12, 1))
    for when, message in [
        (moment(TODAY), "该期款项的期间至 2026-12-31 结束，期满后方可付款。"),
        (moment(dt.date(2027, 1, 4)), "该期款项承载 2026Q4 的结算，该季度结算尚未定稿。"),
    ]:
        with pytest.raises(ValidationError) as info:
            payment_request_raise(instalment=december, by=office_user, now=when)
        assert info.value.messages == [message]
    assert not PaymentRequest.objects.exists()


def test_the_payments_pages_query_counts_stay_flat(client_for, office_user, finance_user, count_queries, make_user):
    from contracts.tests.test_payments import settle
    from contracts.tests.test_terms_versions import base_contract

    def build(prefix, count):
        requests = []
        for n in range(count):
            c = base_contract(number=f"{prefix}-{n}", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
            settle(c, "2026Q1", "100000.00", deductions="500.00")
            payments_refresh(contract=c)
            q1 = Instalment.objects.get(contract=c, first_day=dt.date(2026, 1, 1))
            requests.append(payment_request_raise(instalment=q1, by=office_user, now=moment(dt.date(2026, 4, 2))))
        return requests

    def measure(prefix, count):
        requests = build(prefix, count)
        office = client_for(office_user)
        listing, response = count_queries(lambda: office.get("/payments/?year=2026"))
        assert response.status_code == 200
        finance = client_for(finance_user)
        detail, response = count_queries(lambda: finance.get(f"/payments/requests/{requests[-1].pk}/"))
        assert response.status_code == 200
        return listing, detail

    small = measure("HT-QS", 1)
    large = measure("HT-QL", 3)
    assert small == large


def test_finance_reads_a_ledger_line_without_a_link_to_the_inspection_behind_it(
    contract, client_for, office_user, finance_user
):
    from contracts.models import LedgerLine
    from logistics.immutability import allow_locked_changes

    settlement = Settlement.objects.get(contract=contract, quarter="2026Q1")
    with allow_locked_changes():  # a line of the final quarter, as its finalization wrote it
        LedgerLine.objects.create(
            settlement=settlement,
            contract=contract,
            quarter="2026Q1",
            clause=contract.terms_versions.get(number=1).clauses.get(kind="per_upheld_complaint"),
            kind="deduction",
            amount=D("500.00"),
            evidence_type="complaint",
            evidence_id=4242,
            evidence_key="complaint:4242",
            evidence_ref="TS-004242",
        )
    office_page = client_for(office_user).get(f"/contracts/{contract.pk}/").content.decode()
    finance_page = client_for(finance_user).get(f"/contracts/{contract.pk}/").content.decode()
    assert ">TS-004242</a>" in office_page
    assert "TS-004242" in finance_page and ">TS-004242</a>" not in finance_page
