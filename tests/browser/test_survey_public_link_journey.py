"""A survey's public link in the browser: the office turns it on and reads its address and QR code on the tablet;
an employee opens the shared link on a phone, answers, and on a second try is told this phone has answered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, fits, login

pytestmark = pytest.mark.browser


def test_a_public_link_takes_one_answer_per_phone(new_page, institution, shot):
    from inspections.models import SurveyResponse
    from inspections.tests.factories import make_survey
    from logistics.quarters import Quarter

    survey = make_survey(
        institution.contract, institution.office, "2026年第四季度保洁服务满意度调查", Quarter.current(), days=14
    )

    # --- the office turns the contract's public link on, and sees its address and QR code
    office = new_page(TABLET, touch=True)
    login(office, "office1", f"/surveys/{survey.pk}/")
    office.get_by_role("button", name="开启链接").tap()
    expect(office.locator(".messages .message-success")).to_contain_text("公开链接已开启")
    address = office.locator("#public-links code.url")
    expect(address).to_contain_text("/s/p/")
    expect(office.locator("#public-links .qr svg")).to_be_visible()
    path = re.search(r"/s/p/[\w-]+/", address.inner_text()).group(0)
    fits(office)
    shot(office, "office-link-on", full_page=True)

    # --- an employee opens the shared link on a phone and answers every question
    phone = new_page(PHONE, touch=True)
    phone.goto(path)
    expect(phone.locator("h1")).to_have_text(survey.title)
    expect(phone.locator("main")).to_contain_text("每部手机或电脑限填一次")
    questions = phone.locator("fieldset")
    expect(questions).to_have_count(5)
    fits(phone)
    for index in range(5):
        questions.nth(index).locator("label.choice").first.tap()  # 5, the first choice
    phone.locator("#comment").fill("保洁阿姨很负责。")
    shot(phone, "answering", full_page=True)
    phone.get_by_role("button", name="提交").tap()
    expect(phone.locator("main")).to_contain_text("谢谢")
    shot(phone, "thanks")
    response = SurveyResponse.objects.get()
    assert (response.public_link.token, response.invitation, response.comment) == (path[5:-1], None, "保洁阿姨很负责。")
    assert response.answers.filter(value=5).count() == 5

    # --- a second try from the same phone: told it has answered, no form
    phone.goto(path)
    expect(phone.locator("#answered")).to_contain_text("您已在本设备上填写过本次调查，谢谢！")
    expect(phone.locator("input[type=radio]")).to_have_count(0)
    fits(phone)
    shot(phone, "already-answered")
    assert SurveyResponse.objects.count() == 1

    # --- the office's page counts the answer as the public link's
    office.reload()
    expect(office.locator("#responses-public")).to_have_text("1")
    expect(office.locator("#responses-invitations")).to_contain_text("0 / 0")
    assert office.errors == [] and phone.errors == []
