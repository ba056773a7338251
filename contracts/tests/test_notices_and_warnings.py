"""Formal notices (numbered PDFs the vendor acknowledges) and the office's own formal warnings, which count in
the termination ladder like the clauses' warnings."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from contracts import notices, selectors
from contracts.models import Contract, FormalNotice, FormalWarning
from contracts.tests.factories import ClauseFactory, ContractFactory
from logistics.access import scoped
from logistics.quarters import Quarter
from scoring import services
from scoring.tests.factories import inspection, publish_past

Q3 = Quarter(2026, 3)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def contract(vendor_a):
    return ContractFactory(vendor=vendor_a, number="HT-N-001", start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))


def final_quarter(contract, office_user, inspector_user, score="50"):
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 3), score)
    [evaluation] = services.evaluations_compute(quarter=Q3, contracts=[contract])
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    publish_past(evaluation, office_user)
    return services.evaluation_finalize(evaluation=evaluation, by=office_user)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_finalizing_issues_the_numbered_result_notice_and_a_notice_per_clause_warning(
    contract, office_user, inspector_user, vendor_user, tmp_path
):
    ClauseFactory(contract=contract, kind="warning_below", amount=None, threshold=D(70))
    final_quarter(contract, office_user, inspector_user)
    year = timezone.localdate().year
    rows = list(FormalNotice.objects.order_by("kind").values_list("kind", "number", "quarter", "status"))
    assert rows == [
        ("result", f"KP-{year}-0001", "2026Q3", "pending"),
        ("warning", f"JG-{year}-0001", "2026Q3", "pending"),
    ]
    result = notices.notice_render(FormalNotice.objects.get(kind="result").pk)
    assert result.status == "ready" and len(result.sha256) == 64
    with translation.override("zh-hans"):
        text = pdf_text(result.file.read(), tmp_path)
    assert "考评结果通知书" in text and f"KP-{year}-0001" in text and "HT-N-001" in text and "应付金额" in text
    warning_notice = notices.notice_render(FormalNotice.objects.get(kind="warning").pk)
    text = pdf_text(warning_notice.file.read(), tmp_path)
    assert "书面警告" in text and "2026Q3" in text
    # finalizing again after a reopening numbers nothing new
    evaluation = contract.evaluations.get()
    reopened = services.evaluation_reopen(evaluation=evaluation, reason="复核", by=office_user)
    services.evaluation_publish(evaluation=reopened, by=office_user, now=timezone.now() - dt.timedelta(days=10))
    services.evaluation_finalize(evaluation=reopened, by=office_user)
    assert FormalNotice.objects.count() == 2


def test_the_vendor_acknowledges_its_notice_once_and_the_office_sees_the_unacknowledged(
    contract, office_user, inspector_user, vendor_user, vendor_b_user
):
    final_quarter(contract, office_user, inspector_user, score="90")
    notice = FormalNotice.objects.get()
    assert scoped(vendor_user, FormalNotice.objects.all()).get() == notice
    assert not scoped(vendor_b_user, FormalNotice.objects.all()).exists()
    assert list(notices.unacknowledged(days=3)) == []
    assert list(notices.unacknowledged(days=3, now=timezone.now() + dt.timedelta(days=4))) == [notice]
    with pytest.raises(ValidationError, match="Only the vendor's staff"):
        notices.notice_acknowledge(notice=notice, by=vendor_b_user)
    with pytest.raises(ValidationError, match="Only the vendor's staff"):
        notices.notice_acknowledge(notice=notice, by=office_user)
    first = notices.notice_acknowledge(notice=notice, by=vendor_user)
    again = notices.notice_acknowledge(notice=notice, by=vendor_user)
    assert (first.acknowledged_by, again.acknowledged_at) == (vendor_user, first.acknowledged_at)
    assert list(notices.unacknowledged(days=3, now=timezone.now() + dt.timedelta(days=4))) == []
    assert FormalNotice.history.filter(id=notice.pk, history_change_reason="acknowledged").count() == 1


def test_an_office_warning_needs_the_breach_and_its_evidence_and_loses_nothing(contract, office_user, vendor_user):
    with pytest.raises(ValidationError) as refused:
        notices.warning_issue(contract=contract, breach=" ", evidence="", rectify_by=None, by=office_user)
    assert refused.value.message_dict == {
        "note": ["Describe the breach the warning is for."],
        "evidence": ["A formal warning needs its evidence: name the inspections, photos or reports."],
    }
    with pytest.raises(ValidationError) as refused:
        notices.warning_issue(
            contract=contract, breach="x", evidence="y", rectify_by=dt.date(2020, 1, 1), by=office_user
        )
    assert refused.value.message_dict == {"rectify_by": ["The rectification deadline cannot be in the past."]}
    with pytest.raises(ValidationError, match="Only the logistics office"):
        notices.warning_issue(contract=contract, breach="x", evidence="y", rectify_by=None, by=vendor_user)
    assert not FormalWarning.objects.exists() and not FormalNotice.objects.exists()

    warning = notices.warning_issue(
        contract=contract,
        breach="夜间保安脱岗两小时",
        evidence="2026-11-20 夜间巡查记录、监控截图",
        rectify_by=timezone.localdate() + dt.timedelta(days=7),
        by=office_user,
    )
    assert (warning.quarter, warning.by_the_office, warning.notice.kind) == (
        Quarter.containing(timezone.now()).key,
        True,
        "warning",
    )
    with pytest.raises(ValidationError) as refused:
        notices.warning_withdraw(warning=warning, reason="", by=office_user)
    assert refused.value.message_dict == {"reason": ["Withdrawing a warning needs a written reason."]}
    notices.warning_withdraw(warning=warning, reason="经复核系误报", by=office_user)
    warning.refresh_from_db()
    assert (warning.is_withdrawn, warning.withdrawal_reason) == (True, "经复核系误报")
    with pytest.raises(ValidationError, match="already been withdrawn"):
        notices.warning_withdraw(warning=warning, reason="again", by=office_user)


def test_office_warnings_count_in_the_termination_ladder_and_withdrawn_ones_do_not(
    contract, office_user, inspector_user, vendor_user, tmp_path
):
    ClauseFactory(contract=contract, kind="terminate_after_warnings", amount=None, count=2, window=4)
    first = notices.warning_issue(
        contract=contract, breach="脱岗", evidence="巡查记录", rectify_by=None, by=office_user
    )
    second = notices.warning_issue(contract=contract, breach="漏检", evidence="检查表", rectify_by=None, by=office_user)
    FormalWarning.objects.filter(pk__in=[first.pk, second.pk]).update(quarter="2026Q3")  # issued during Q3
    history = selectors.clause_histories([contract.pk], Q3)[contract.pk]
    assert history.warnings_by_quarter == {"2026Q3": 2}
    final_quarter(contract, office_user, inspector_user, score="90")  # no warning from the score itself
    contract.refresh_from_db()
    assert contract.termination_recommended is True
    assert "2 warning(s)" in contract.termination_recommended_reason
    # the recommendation on paper, for the office only: numbered, never the vendor's to see or acknowledge
    recommendation = FormalNotice.objects.get(kind="termination")
    assert recommendation.number == f"JY-{timezone.localdate().year}-0001"
    assert not scoped(vendor_user, FormalNotice.objects.filter(kind="termination")).exists()
    with pytest.raises(ValidationError):
        notices.notice_acknowledge(notice=recommendation, by=vendor_user)
    assert recommendation not in notices.unacknowledged(days=0, now=timezone.now() + dt.timedelta(days=9))
    rendered = notices.notice_render(recommendation.pk)
    with translation.override("zh-hans"):
        text = pdf_text(rendered.file.read(), tmp_path)
    assert "解除合同建议书" in text and "脱岗" in text and "漏检" in text and "回执" not in text

    notices.warning_withdraw(warning=second, reason="误报", by=office_user)
    assert selectors.clause_histories([contract.pk], Q3)[contract.pk].warnings_by_quarter == {"2026Q3": 1}
    evaluation = contract.evaluations.get()
    reopened = services.evaluation_reopen(evaluation=evaluation, reason="警告撤回", by=office_user)
    services.evaluation_publish(evaluation=reopened, by=office_user, now=timezone.now() - dt.timedelta(days=10))
    services.evaluation_finalize(evaluation=reopened, by=office_user)
    assert Contract.objects.get(pk=contract.pk).termination_recommended is False


def test_a_rectification_order_goes_to_the_vendor_as_a_numbered_notice(
    contract, office_user, inspector_user, vendor_user, tmp_path
):
    from inspections.models import RectificationOrder
    from inspections.services import rectifications as rectification_services

    order = RectificationOrder.objects.create(
        contract=contract,
        source="manual",
        description="门厅玻璃破损，须更换",
        severity="major",
        issued_at=timezone.now(),
        deadline=timezone.now() + dt.timedelta(days=3),
    )
    with pytest.raises(ValidationError, match="Only the logistics office"):
        rectification_services.rectification_notice_issue(order=order, by=inspector_user)
    notice = rectification_services.rectification_notice_issue(order=order, by=office_user)
    again = rectification_services.rectification_notice_issue(order=order, by=office_user)
    assert (again.pk, notice.number, notice.subject_id) == (
        notice.pk,
        f"ZT-{timezone.localdate().year}-0001",
        order.pk,
    )
    rendered = notices.notice_render(notice.pk)
    with translation.override("zh-hans"):
        text = pdf_text(rendered.file.read(), tmp_path)
    assert "整改通知书" in text and order.reference in text and "门厅玻璃破损" in text and "较重" in text
    assert scoped(vendor_user, FormalNotice.objects.all()).get() == notice
    assert notices.notice_acknowledge(notice=notice, by=vendor_user).acknowledged_by == vendor_user


def test_notice_numbers_count_past_9999(contract):
    for number in ("KP-2026-0002", "KP-2026-9999", "KP-2026-10000"):
        FormalNotice.objects.create(
            kind="result", number=number, contract=contract, quarter=number[-4:], title="t", issued_at=timezone.now()
        )
    assert notices.next_number("result", 2026) == "KP-2026-10001"
    assert notices.next_number("warning", 2026) == "JG-2026-0001"


def test_a_recompute_keeps_the_offices_corrections_in_the_payable(contract, office_user, inspector_user):
    from contracts import services as contract_services
    from contracts.models import LedgerLine, Settlement

    evaluation = final_quarter(contract, office_user, inspector_user, score="90")
    settlement = Settlement.objects.get(contract=contract)
    contract_services.settlement_adjust(settlement=settlement, amount=D("-250.00"), reason="少计", by=office_user)
    services.evaluation_reopen(evaluation=evaluation, reason="复核", by=office_user)
    services.evaluations_compute(quarter=Q3, contracts=[contract], include_reviewed=True)
    settlement.refresh_from_db()
    lines = sum(LedgerLine.objects.filter(settlement=settlement, kind="adjustment").values_list("amount", flat=True))
    assert (settlement.adjustments, lines, settlement.payable) == (D("-250.00"), D("-250.00"), D("99750.00"))
