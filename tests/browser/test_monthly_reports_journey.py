"""A leader prepares last month's report of the institution on a phone and downloads it; the page fits a phone and
a tablet in Chinese and in English (the every-page walk leaves out /reports…, whose links are downloads)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, fits, login, pdf_text

pytestmark = pytest.mark.browser


def test_a_leader_prepares_the_months_report_and_downloads_it(new_page, institution, shot, tmp_path):
    from logistics.quarters import Month
    from scoring.tests.factories import inspection

    # given: two inspections last month
    month = Month.last_complete()
    inspection(institution.contract, institution.inspector, "daily", month.first_day + dt.timedelta(days=2), "88.00")
    inspection(institution.contract, institution.inspector, "daily", month.first_day + dt.timedelta(days=9), "92.00")

    # when: a leader asks for the institution's report in Chinese on a phone
    leader = new_page(PHONE, touch=True)
    login(leader, "leader1", "/reports/monthly/")
    expect(leader.locator("h1")).to_have_text("月度报告")
    fits(leader)
    shot(leader, "phone-zh", full_page=True)
    expect(leader.locator("#id_month")).to_have_value(month.key)  # last month is chosen already
    leader.get_by_role("button", name="生成 PDF").tap()

    # then: the waiting page turns into the download by itself
    expect(leader.get_by_role("link", name="下载 PDF")).to_be_visible(timeout=60_000)
    expect(leader.locator("h1")).to_have_text(f"全单位月度报告 {month.key}")
    fits(leader)
    with leader.expect_download() as download:
        leader.get_by_role("link", name="下载 PDF").click()
    path = tmp_path / "monthly.pdf"
    download.value.save_as(path)
    assert path.read_bytes()[:4] == b"%PDF"
    text = pdf_text(path)
    assert institution.contract.number in text and "实时数据，数字仍可能变动" in text and "90.00" in text

    # the list of prepared reports, and the page in English, on the phone and on a tablet
    leader.goto("/reports/monthly/")
    expect(leader.locator("table")).to_contain_text(f"全单位月度报告 {month.key}")
    fits(leader)
    leader.get_by_role("button", name="English").tap()
    expect(leader.locator("h1")).to_have_text("Monthly reports")
    expect(leader.locator("table")).to_contain_text(f"Monthly report of the institution, {month.key}")
    fits(leader)
    shot(leader, "phone-en", full_page=True)
    tablet = new_page(TABLET, touch=True)
    login(tablet, "leader1", "/reports/monthly/")
    expect(tablet.locator("h1")).to_have_text("月度报告")
    fits(tablet)
    shot(tablet, "tablet-zh", full_page=True)
    tablet.get_by_role("button", name="English").tap()
    expect(tablet.locator("h1")).to_have_text("Monthly reports")
    fits(tablet)
    shot(tablet, "tablet-en", full_page=True)
