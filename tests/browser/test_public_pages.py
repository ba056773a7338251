"""The public pages for keyboard and screen-reader users (labels, announced errors, contrast, checked with
axe-core), and the language switch."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, axe_violations, login

pytestmark = pytest.mark.browser


@pytest.fixture
def public_pages(institution):
    """A closed complaint (its tracking page has the rating form) and a survey invitation."""
    from inspections.services import complaints as complaint_services
    from inspections.services import surveys as survey_services
    from inspections.tests.factories import make_survey
    from logistics.quarters import Quarter

    complaint = complaint_services.complaint_submit(
        category=institution.category, site=institution.site, description="二层走廊灯不亮。"
    )
    complaint = complaint_services.complaint_accept(
        complaint=complaint, contract=institution.contract, by=institution.office
    )
    complaint_services.complaint_answer(complaint=complaint, response="已更换灯管。", by=institution.vendor_user)
    complaint_services.complaint_rule(complaint=complaint, upheld=True, reason="经调查属实。", by=institution.office)
    complaint_services.complaint_close(complaint=complaint, reply="已更换灯管，感谢反映。", by=institution.office)
    survey = make_survey(
        institution.contract, institution.office, "2026年第四季度保洁服务满意度调查", Quarter.current(), days=14
    )
    [invitation] = survey_services.survey_invite(survey=survey, contract=institution.contract, count=1)
    return {
        "complaint": "/complaints/new/",
        "lookup": "/complaints/track/",
        "tracking": f"/complaints/track/{complaint.tracking_code}/",
        "survey": f"/s/{invitation.token}/",
    }


def assert_no_violations(page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}: {json.dumps(violations, ensure_ascii=False, indent=1)}"


def tab_order(page, presses: int) -> list[str]:
    """The ids (or tag names) the keyboard focus goes through, from the top of the page."""
    page.locator("body").focus()
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                "() => document.activeElement.id || document.activeElement.name || document.activeElement.tagName"
            )
        )
    return seen


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_the_public_pages_work_with_a_keyboard_and_a_screen_reader(new_page, public_pages, shot, viewport):
    page = new_page(viewport, touch=False)

    # --- the complaint form: every field reachable in order, the honeypot never; no axe violation
    page.goto(public_pages["complaint"])
    assert_no_violations(page, "complaint form")
    order = tab_order(page, 30)
    fields = ["id_category", "id_site", "id_key_point", "id_location", "id_description", "id_photos",
              "id_anonymous", "id_name", "id_phone", "id_email"]  # fmt: skip
    positions = [order.index(f) for f in fields]
    assert positions == sorted(positions), order
    assert "id_website" not in order, "the honeypot must not take the keyboard focus"
    for field in fields:
        label = page.locator(f"label[for={field}]")
        expect(label).to_have_count(1)
        expect(label).not_to_be_empty()

    # errors, sent with the keyboard: the summary takes the focus and is an alert; fields are marked
    page.locator("button[type=submit].btn-primary").focus()
    page.keyboard.press("Enter")
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    description = page.locator("#id_description")
    expect(description).to_have_attribute("aria-invalid", "true")
    described = description.get_attribute("aria-describedby") or ""
    assert "id_description_error" in described.split(), described
    expect(page.locator("#id_description_error")).not_to_be_empty()
    shot(page, "complaint-errors", full_page=True)
    assert_no_violations(page, "complaint form with errors")

    # --- tracking: the lookup and a complaint's page with its rating form
    page.goto(public_pages["lookup"])
    assert_no_violations(page, "tracking lookup")
    page.goto(public_pages["tracking"])
    expect(page.locator("input[name=rating]")).to_have_count(5)
    assert_no_violations(page, "tracking page")
    shot(page, "tracking", full_page=True)

    # --- the survey: every question a labelled group; an incomplete answer is announced
    page.goto(public_pages["survey"])
    assert_no_violations(page, "survey")
    page.locator("input[type=radio]").first.focus()
    page.keyboard.press("Space")  # answers the first question only
    page.locator("main button[type=submit]").focus()
    page.keyboard.press("Enter")
    alert = page.locator(".message-error[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    expect(page.locator("fieldset[aria-describedby] .error[role=alert]").first).to_be_visible()
    shot(page, "survey-errors", full_page=True)
    assert_no_violations(page, "survey with errors")
    assert page.errors == []


def test_the_language_switch_turns_pages_to_english_and_back(new_page, institution, shot):
    # a public page
    page = new_page(PHONE, touch=True)
    page.goto("/complaints/new/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("反映服务问题")
    page.get_by_role("button", name="English").tap()
    expect(page.locator("h1")).to_have_text("Report a service problem")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("label[for=id_description]")).to_have_text("What happened?")
    shot(page, "complaint-en")
    page.get_by_role("button", name="简体中文").tap()
    expect(page.locator("h1")).to_have_text("反映服务问题")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    # the tablet form, whose strings come from the page and from the JavaScript catalogue
    tablet = new_page(TABLET, touch=True)
    login(tablet, "inspector1", "/inspect/")
    expect(tablet.locator("#btn-start")).to_have_text("开始检查")
    tablet.get_by_role("button", name="English").tap()
    expect(tablet.locator("#btn-start")).to_have_text("Start inspection")
    expect(tablet.locator("#f-template option")).to_have_count(1)  # the script has set the form up
    tablet.locator("#btn-start").tap()
    expect(tablet.locator(".result-pass").first).to_have_text("Pass")
    expect(tablet.locator("#form-title")).to_contain_text("Cleaning daily checklist")
    shot(tablet, "tablet-en")
    tablet.locator("#btn-back").tap()
    tablet.get_by_role("button", name="简体中文").tap()
    expect(tablet.locator("#btn-start")).to_have_text("开始检查")
    assert page.errors == [] and tablet.errors == []
