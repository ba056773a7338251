"""Due process in the browser: the office publishes a quarter's result, the vendor objects on its phone to a
deduction with a photo, the office upholds it, the payable follows, the vendor accepts, the office finalizes, and
the vendor acknowledges the numbered result notice (PDF)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, login, pdf_text, photo_with_gps, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed_quarter(institution):
    """The cleaning contract's last complete quarter: one daily inspection with a failed major item, priced at
    300.00 by the contract's clause; the quarter closed and its meeting recorded."""
    from contracts.tests.factories import per_failed_item_clause
    from inspections.models import ChecklistItem, Inspection, ItemResult
    from logistics.quarters import Quarter
    from scoring import services
    from scoring.tests.factories import inspection

    quarter = Quarter.last_complete()
    contract = institution.contract
    per_failed_item_clause(contract)
    item = ChecklistItem.objects.filter(template=institution.template, severity="major").first()
    day = quarter.first_day + dt.timedelta(days=20)
    found = inspection(contract, institution.inspector, "daily", day, "80", status="draft")
    ItemResult.objects.create(inspection=found, item=item, result="fail", awarded=Decimal(0))
    Inspection.objects.filter(pk=found.pk).update(status="submitted", submitted_at=found.started_at)
    services.quarter_close(quarter=quarter)
    evaluation = contract.evaluations.get(quarter=quarter.key)
    services.evaluation_review(
        evaluation=evaluation,
        meeting_date=quarter.last_day + dt.timedelta(days=8),
        attendees="后勤管理处",
        by=institution.office,
    )
    return quarter, evaluation


def payable(evaluation):
    from contracts.models import Settlement

    return Settlement.objects.get(contract=evaluation.contract, quarter=evaluation.quarter).payable


def test_the_vendor_objects_the_office_upholds_and_the_payable_follows(
    new_page, institution, reviewed_quarter, shot, tmp_path
):
    from scoring.models import Objection

    _quarter, evaluation = reviewed_quarter
    url = f"/evaluations/{evaluation.pk}/"
    before = payable(evaluation)

    # --- the office publishes after the meeting (the page asks first)
    office = new_page(TABLET, touch=True)
    office.on("dialog", lambda dialog: dialog.accept())
    login(office, "office1", url)
    office.get_by_role("button", name="发布给服务企业").tap()
    expect(office.locator(".messages .message-success")).to_contain_text("异议截止")
    shot(office, "published", full_page=True)

    # --- the vendor, on its phone: the deduction is there; it objects with a photo
    vendor = new_page(PHONE, touch=True)
    vendor.on("dialog", lambda dialog: dialog.accept())
    login(vendor, "vendor1", url)
    expect(vendor.locator("main")).to_contain_text("异议截止时间")
    vendor.select_option("#target", label=vendor.locator("#target option", has_text="300.00").inner_text())
    vendor.fill("#reasons", "当日该处已按标准完成保洁，检查时段为作业间隙，附现场照片。")
    vendor.set_input_files("#files", str(photo_with_gps(tmp_path / "site.jpg")))
    vendor.get_by_role("button", name="提交异议").tap()
    expect(vendor.locator(".messages .message-success")).to_contain_text("异议已提交")
    expect(vendor.locator("#objections")).to_contain_text("待处理")
    assert vendor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(vendor, "objected", full_page=True)
    objection = Objection.objects.get()
    assert (objection.amount, objection.files.count()) == (Decimal("300.00"), 1)

    # --- the office: finalizing waits; it upholds the objection with its reasons
    office.reload()
    expect(office.locator("main")).to_contain_text("尚有 1 项异议待处理")
    office.locator("input[name=decision][value=upheld]").check()
    office.fill(f"#ruling-{objection.pk}", "经调阅作业记录并现场复核，异议成立，撤销该项扣款。")
    office.get_by_role("button", name="保存处理意见").tap()
    expect(office.locator(".messages .message-success")).to_contain_text("异议成立")
    assert payable(evaluation) == before + Decimal("300.00")  # exactly the line (no cap in this contract)
    expect(office.locator("main")).to_contain_text(f"{payable(evaluation):,.2f}")

    # --- the vendor reads the ruling and accepts the result
    vendor.reload()
    expect(vendor.locator("#objections")).to_contain_text("撤销该项扣款")
    vendor.get_by_role("button", name="确认考评结果，无其他异议").tap()
    expect(vendor.locator(".messages .message-success")).to_contain_text("您已确认考评结果")

    # --- the office finalizes: the money is the corrected one, for good
    office.reload()
    office.get_by_role("button", name="定稿：执行奖惩条款并锁定").tap()
    expect(office.locator(".messages .message-success")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.status == "final"
    assert payable(evaluation) == before + Decimal("300.00")
    shot(office, "final", full_page=True)

    # --- the vendor receives the numbered result notice (a PDF), reads it and acknowledges its receipt
    from contracts.models import FormalNotice

    notice = wait_until(lambda: FormalNotice.objects.filter(kind="result", status="ready").first())
    vendor.goto("/vendor/")
    expect(vendor.locator("main")).to_contain_text(notice.number)
    with vendor.expect_download() as download:
        vendor.get_by_role("link", name=notice.number).first.tap()
    saved = tmp_path / "notice.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved)
    assert "考评结果通知书" in text and notice.number in text and f"{payable(evaluation):,.2f}" in text
    assert "异议成立" in text  # the ruling is on the notice
    vendor.get_by_role("button", name="签收").first.tap()
    expect(vendor.locator(".messages .message-success")).to_contain_text(notice.number)
    notice.refresh_from_db()
    assert notice.acknowledged_by == institution.vendor_user
    assert vendor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(vendor, "notice-acknowledged", full_page=True)
    assert not office.errors and not vendor.errors
