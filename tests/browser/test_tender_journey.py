"""Tendering in the browser: a vendor asks a clarification question on its phone, the office answers on its tablet,
every registered bidder reads the answer without the asker's name; a bid refused at the opening for a missing
mandatory certificate says why on the vendor's pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, fits, login

pytestmark = pytest.mark.browser


@pytest.fixture
def tender(institution):
    from logistics.services import tenders as svc
    from logistics.tests.factories import TenderCriterionFactory, TenderFactory

    tender = TenderFactory(
        number="ZB-2026-021",
        title="图书馆卫生保洁服务项目",
        category=institution.category,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2028, 12, 31),
    )
    TenderCriterionFactory(tender=tender, name="服务方案", weight=Decimal(70))
    svc.tender_publish(tender=tender, by=institution.office)
    return tender


def test_a_question_is_answered_to_every_bidder_without_the_askers_name(new_page, institution, tender, shot):
    from logistics.services import tenders as svc
    from logistics.tests.factories import UserFactory, VendorFactory

    other = VendorFactory(legal_name="明净保洁服务有限公司")
    UserFactory(role="vendor", username="vendor2", vendor=other)
    svc.tender_register(tender=tender, vendor=other)
    url = f"/tenders/{tender.pk}/"

    # --- the vendor asks on its phone
    asker = new_page(PHONE, touch=True)
    login(asker, "vendor1", url)
    asker.fill("#id_question", "阅览区是否要求在开馆前完成保洁？报告厅活动后的保洁是否另行计费？")
    asker.get_by_role("button", name="提交问题").tap()
    expect(asker.locator(".messages .message-success")).to_contain_text("答复将发布给所有报名的投标人")
    expect(asker.locator("#your-company")).to_contain_text("待答复")
    fits(asker)
    shot(asker, "asked-phone", full_page=True)

    # --- the office answers on its tablet: it sees who asked; the answer goes to every registered bidder
    office = new_page(TABLET, touch=True)
    login(office, "office1", f"/tenders/{tender.pk}/evaluate/")
    expect(office.locator("#questions")).to_contain_text(institution.contract.vendor.legal_name)
    office.fill(
        "#questions textarea[name=answer]", "阅览区保洁须在开馆前完成；报告厅活动后的保洁包含在报价内，不另行计费。"
    )
    office.get_by_role("button", name="向所有报名投标人发布答复").tap()
    expect(office.locator(".messages .message-success")).to_contain_text("答复已发布")
    fits(office)
    shot(office, "answered-tablet", full_page=True)

    # --- another bidder reads it on its phone, without the asker's name
    reader = new_page(PHONE, touch=True)
    login(reader, "vendor2", url)
    clarifications = reader.locator("#clarifications")
    expect(clarifications).to_contain_text("阅览区是否要求在开馆前完成保洁")
    expect(clarifications).to_contain_text("包含在报价内，不另行计费")
    expect(reader.locator("main")).not_to_contain_text(institution.contract.vendor.legal_name)
    fits(reader)
    shot(reader, "answer-read-phone", full_page=True)
    assert asker.errors == [] and office.errors == [] and reader.errors == []


def test_a_bid_refused_for_a_missing_mandatory_certificate_says_why(new_page, institution, tender, shot):
    from django.utils import timezone

    from logistics.models import Tender
    from logistics.services import tenders as svc

    vendor = institution.contract.vendor
    vendor.admitted_categories.add(institution.category)  # admitted for cleaning, but no business licence
    svc.bid_submit(tender=tender, vendor=vendor, price=Decimal("820000.00"), proposal="分区定岗保洁", past_projects=4)
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=now - dt.timedelta(hours=2), opening_at=now - dt.timedelta(hours=1)
    )
    svc.tender_open(tender=Tender.objects.get(pk=tender.pk), by=institution.office)

    page = new_page(PHONE, touch=True)
    login(page, "vendor1", "/vendor/")
    expect(page.locator("main")).to_contain_text("合同起始日（2027-01-01）无有效的“营业执照”。")
    fits(page)
    shot(page, "portal-refused-phone", full_page=True)
    page.get_by_role("link", name="图书馆卫生保洁服务项目").first.tap()
    company = page.locator("#your-company")
    expect(company).to_contain_text("资格不合格")
    expect(company).to_contain_text("合同起始日资质证书有效")
    expect(company).to_contain_text("合同起始日（2027-01-01）无有效的“营业执照”。")
    expect(company).to_contain_text("已准入“卫生保洁”类别。")
    fits(page)
    shot(page, "tender-refused-phone", full_page=True)
    assert page.errors == []
