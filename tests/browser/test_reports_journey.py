"""The quarter's end: the office records the evaluation meeting and finalizes each evaluation; a leader sees
the dashboard and downloads the contract report and the institution summary (PDF)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DOCS, TABLET, UPDATE_DOCS, login, pdf_page_png, pdf_text

pytestmark = pytest.mark.browser


@pytest.fixture
def closed_quarter(institution):
    """Three contracts inspected during the last complete quarter, closed by the quarter-close job."""
    from contracts.tests.factories import ContractFactory
    from logistics.quarters import Quarter
    from logistics.tests.factories import ServiceCategoryFactory, VendorFactory
    from scoring import services
    from scoring.tests.factories import inspection

    quarter = Quarter.last_complete()
    security = ServiceCategoryFactory(code="security", name="安保服务", name_en="Security")
    canteen = ServiceCategoryFactory(code="canteen", name="餐饮服务", name_en="Catering")
    others = (
        ("HT-2026-BJ-002", "北京安泰保安服务有限公司", security, "360000.00"),
        ("HT-2026-BJ-003", "北京禾丰餐饮管理有限公司", canteen, "820000.00"),
    )
    contracts = [institution.contract] + [
        ContractFactory(
            number=number,
            vendor=VendorFactory(legal_name=vendor),
            category=category,
            start_date=institution.contract.start_date,
            end_date=institution.contract.end_date,
            annual_fee=Decimal(fee),
        )
        for number, vendor, category, fee in others
    ]
    # the quarter before (closed, not finalized: the trend and the change from last quarter) and the quarter
    scores = {
        quarter.previous(): (("88.00", "90.50", "86.00"), ("84.00", "80.00", "88.50"), ("70.00", "64.50", "68.00")),
        quarter: (("93.50", "91.00", "95.00"), ("82.00", "78.50", "85.00"), ("61.00", "55.50", "66.00")),
    }
    for period, rows in scores.items():
        for contract, values in zip(contracts, rows, strict=True):
            for month, score in enumerate(values):
                day = period.first_day + dt.timedelta(days=30 * month + 5)
                inspection(contract, institution.inspector, "daily", day, score)
        run = services.quarter_close(quarter=period)
        assert run is not None and run.contracts == 3
    return quarter, contracts


def end_objection_period(contract):
    """The vendor's objection period passes (the clock moves on five days)."""
    from django.utils import timezone

    from scoring.models import Evaluation

    now = timezone.now()
    Evaluation.objects.filter(contract=contract, status="published").update(
        published_at=now - dt.timedelta(days=6), objection_deadline=now - dt.timedelta(seconds=1)
    )


def test_the_office_finalizes_the_quarter_and_a_leader_downloads_the_reports(
    new_page, institution, closed_quarter, shot, tmp_path
):
    from scoring.models import Evaluation, Report

    quarter, contracts = closed_quarter

    # --- the office: one evaluation after the other, meeting recorded, then final
    office = new_page(TABLET, touch=True)
    office.on("dialog", lambda dialog: dialog.accept())  # publishing and finalizing ask first
    login(office, "office1", f"/evaluation/{quarter.key}/")
    expect(office.locator("h1")).to_contain_text(quarter.key)
    shot(office, "overview", full_page=True)
    for contract in contracts:
        office.goto(f"/evaluation/{quarter.key}/")
        office.get_by_role("link", name=contract.number).tap()
        expect(office.locator("h1")).to_contain_text(contract.number)
        office.fill("#attendees", "后勤管理处 张伟、陈静；服务企业项目经理")
        office.fill("#minutes", "季度考评会议，逐项核对得分。")
        office.get_by_role("button", name="保存评审").tap()
        expect(office.locator(".messages")).to_be_visible()
        office.get_by_role("button", name="发布给服务企业").tap()
        expect(office.locator(".messages .message-success")).to_contain_text("异议截止")
        expect(office.locator("main")).to_contain_text("服务企业可在")  # finalizing waits for the period
        end_objection_period(contract)
        office.reload()
        office.get_by_role("button", name="定稿：执行奖惩条款并锁定").tap()
        expect(office.locator(".messages .message-success")).to_be_visible()
        expect(office.locator("main")).to_contain_text("SHA-256")
    shot(office, "finalized", full_page=True)
    evaluations = list(Evaluation.objects.filter(quarter=quarter.key).select_related("contract"))
    assert len(evaluations) == 3 and all(e.status == "final" for e in evaluations)
    # each final report was rendered (in-process) and frozen
    assert Report.objects.filter(kind="contract", status="ready", frozen=True, quarter=quarter.key).count() == 3

    # --- a leader: the dashboard
    leader = new_page(TABLET, touch=True)
    login(leader, "leader1", "/reports/")
    expect(leader.locator("h1")).to_contain_text(quarter.key)
    ranking = leader.locator("table").first
    for contract in contracts:
        expect(ranking).to_contain_text(contract.number)
    expect(leader.locator(".chart svg")).to_have_count(2)
    expect(leader.locator(".tiles .figure").first).to_have_text("3")
    shot(leader, "dashboard", docs="dashboard", full_page=True)

    # the contract report: the frozen PDF, downloaded at once
    first = next(e for e in evaluations if e.contract_id == institution.contract.pk)
    with leader.expect_download() as download:
        leader.locator(f"a[href='/reports/contract/{first.pk}.pdf']").click()
    path = tmp_path / "contract.pdf"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"{institution.contract.number}-{quarter.key}.pdf"
    assert path.read_bytes()[:4] == b"%PDF"
    text = pdf_text(path)
    assert institution.contract.number in text and quarter.key in text and str(first.score) in text

    # the summary: prepared on request; the waiting page fetches it by itself when it is ready
    with leader.expect_download(timeout=60_000) as download:
        leader.get_by_role("link", name="下载单位汇总报告（PDF）").click()
    path = tmp_path / "summary.pdf"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"summary-{quarter.key}.pdf"
    assert path.read_bytes()[:4] == b"%PDF"
    text = pdf_text(path)
    assert quarter.key in text and "等级分布" in text
    for contract in contracts:
        assert contract.number in text
    summary_png = pdf_page_png(path, tmp_path / "summary-page-2", page=2, dpi=70)
    shutil.copyfile(summary_png, shot.folder / "summary-page-2.png")
    if UPDATE_DOCS:
        shutil.copyfile(summary_png, DOCS / "screenshot-report-summary.png")
    assert office.errors == [] and leader.errors == []
