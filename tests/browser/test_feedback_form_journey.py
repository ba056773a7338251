"""A department's respondent fills in the month's feedback form on a phone from the link in the notice: saves
half of it, comes back, gets one item wrong, submits; the office sees the month's score on a tablet."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, fits, login

pytestmark = pytest.mark.browser


def test_a_respondent_saves_comes_back_and_submits_then_the_office_reads_the_score(new_page, institution, shot):
    from django.urls import reverse

    from feedback import services
    from feedback.models import FeedbackRequest, FeedbackRespondent
    from logistics.models import Department
    from logistics.quarters import Month

    # given: this month's form sent to the general office's respondent about the cleaning contract
    services.form_create_default(category=institution.category)
    respondent = FeedbackRespondent.objects.create(
        department=Department.objects.get(code="general"), name="刘洋", email="liu.yang@example.cn"
    )
    respondent.contracts.add(institution.contract)
    month = Month.current()
    [request] = services.month_issue(month)
    link = reverse("feedback:answer", args=[services.link_token(request)])
    items = [f"#item_{item.pk}" for item in request.form.items.all()]

    # when: on the phone, without an account, the respondent scores two items and saves
    phone = new_page(PHONE, touch=True)
    phone.goto(link)
    expect(phone.locator("h1")).to_have_text("月度意见反馈表")
    expect(phone.locator(".lead")).to_contain_text("北京洁净物业服务有限公司")
    fits(phone)
    shot(phone, "phone-zh-empty", full_page=True)
    phone.fill(items[0], "18")
    phone.fill(items[1], "25")
    phone.get_by_role("button", name="暂存，稍后再填").tap()
    expect(phone.locator(".messages")).to_contain_text("已暂存")

    # later, from the same link on another phone: what was saved is there
    later = new_page(PHONE, touch=True)
    later.goto(link)
    expect(later.locator(items[0])).to_have_value("18")
    expect(later.locator(items[1])).to_have_value("25")
    expect(later.locator("form.card")).to_contain_text("已暂存：43 分")
    # one item above its max: refused, nothing lost, what was typed kept
    later.fill(items[2], "25")  # of 20
    later.fill(items[3], "15")
    later.fill(items[4], "8")
    later.fill("#comment", "卫生间保洁及时")
    later.get_by_role("button", name="提交").tap()
    expect(later.locator(f"{items[2]}-error")).to_have_text("本项请打 0 至 20 分。")
    expect(later.locator(items[2])).to_have_value("25")
    expect(later.locator("#comment")).to_have_value("卫生间保洁及时")
    fits(later)
    shot(later, "phone-zh-error", full_page=True)
    later.fill(items[2], "17")
    later.get_by_role("button", name="提交").tap()
    expect(later.locator(".messages")).to_contain_text("谢谢，反馈表已提交。")
    expect(later.locator("main")).to_contain_text("您的评分：83 分（满分 100 分），折合百分制 83.00 分。")
    expect(later.locator("input[type=number]")).to_have_count(0)  # single use
    fits(later)
    shot(later, "phone-zh-submitted", full_page=True)
    request.refresh_from_db()
    assert (request.status, request.points, request.comment) == ("submitted", 83, "卫生间保洁及时")
    assert FeedbackRequest.objects.count() == 1

    # then: the office reads the month's score on the tablet, in Chinese and in English
    tablet = new_page(TABLET, touch=True)
    login(tablet, "office1", f"/feedback/?month={month.key}")
    expect(tablet.locator("h1")).to_have_text(f"{month.key} 月度意见反馈")
    row = tablet.locator("tr", has_text=institution.contract.number).first
    expect(row).to_contain_text("83.00")
    expect(row).to_contain_text("1 / 1")
    expect(tablet.locator("main")).to_contain_text("卫生间保洁及时")
    fits(tablet)
    shot(tablet, "tablet-zh", full_page=True)
    tablet.get_by_role("button", name="English").tap()
    expect(tablet.locator("h1")).to_have_text(f"Monthly feedback {month.key}")
    fits(tablet)
    shot(tablet, "tablet-en", full_page=True)
    small = new_page(PHONE, touch=True)
    login(small, "office1", f"/feedback/?month={month.key}")
    expect(small.locator("h1")).to_contain_text(month.key)  # the page has settled before it is measured
    small.wait_for_load_state("load")
    fits(small)
    shot(small, "phone-office", full_page=True)
