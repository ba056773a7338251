"""A joint inspection on the tablet and the phone with a reading and two signatures: the reading judged as it is
typed, the signatures drawn by finger, kept on the device across a reload and a network cut, and stored once
with the inspection the office then reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, login, wait_until

pytestmark = pytest.mark.browser


def joint_template(institution):
    from inspections.models import ChecklistItem, ChecklistTemplate

    template = ChecklistTemplate.objects.create(
        family="cleaning-joint-signed", category=institution.category, kind="monthly_joint", name="保洁月度联合检查表"
    )
    rows = [
        {"code": "C1", "text": "公共区域地面整洁", "max_points": Decimal(10)},
        {"code": "R1", "text": "保洁间冷藏柜温度", "max_points": Decimal(10), "answer_type": "reading", "unit": "°C",
         "min_value": Decimal(0), "max_value": Decimal(8), "photo_required_on_fail": True},
        {"code": "S1", "text": "检查人签字", "answer_type": "signature", "signer": "inspector"},
        {"code": "S2", "text": "企业代表签字确认", "answer_type": "signature", "signer": "vendor"},
    ]  # fmt: skip
    for index, fields in enumerate(rows):
        item = ChecklistItem(template=template, sort_order=index, **fields)
        item.full_clean()
        item.save()
    return template


def draw(page, selector: str) -> None:
    """A signature: one pen stroke across the box, by pointer (a finger on the tablet)."""
    box = page.locator(selector).bounding_box()
    x, y = box["x"], box["y"] + box["height"] / 2
    page.mouse.move(x + 20, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * (box["width"] - 60) / 11, y + (25 if step % 2 else -25), steps=2)
    page.mouse.up()


def assert_fits(page, viewport) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width}px wide on a {viewport['width']}px screen"


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_a_reading_and_two_signatures_reach_the_inspection(new_page, institution, shot, viewport):
    from inspections.models import Inspection, InspectionSignature, RectificationOrder

    template = joint_template(institution)
    page = new_page(viewport, touch=True)
    context = page.context
    login(page, "inspector1", "/inspect/")
    page.select_option("#f-kind", "monthly_joint")
    page.select_option("#f-contract", str(institution.contract.pk))
    page.select_option("#f-template", str(template.pk))
    page.locator("#btn-start").tap()
    expect(page.locator("#screen-form")).to_be_visible()

    # --- the reading is judged as it is typed; the running score follows (the signatures score nothing)
    page.locator("#item-C1 .result-pass").tap()
    reading = page.locator("#item-R1-reading")
    expect(page.locator("#item-R1 label[for=item-R1-reading]")).to_have_text("读数（允许范围 0–8 °C）")
    reading.fill("12")
    expect(page.locator("#item-R1 .reading-state")).to_have_text("超出允许范围：该项不合格")
    expect(page.locator("#running-score")).to_have_text("50.00")
    reading.fill("6,5")  # a comma as the decimal mark, as some keyboards type it
    expect(page.locator("#item-R1 .reading-state")).to_have_text("在允许范围内")
    expect(page.locator("#running-score")).to_have_text("100.00")
    page.fill("#f-vendor-rep", "李敏")

    # --- the inspector signs: the name is filled in; an empty box is refused on the device
    expect(page.locator("#item-S1-signer")).to_have_value("张伟")
    page.locator("#item-S1").get_by_role("button", name="确认签名").tap()
    expect(page.locator("#err-S1")).to_have_text("签名为空：请在框内签名。")
    page.locator("#item-S1-pad").scroll_into_view_if_needed()
    draw(page, "#item-S1-pad")
    page.locator("#item-S1").get_by_role("button", name="确认签名").tap()
    expect(page.locator("#item-S1 .signature-preview")).to_be_visible()
    expect(page.locator("#err-S1")).to_have_text("")
    shot(page, f"signed-{viewport['width']}")
    assert_fits(page, viewport)
    wait_until(lambda: InspectionSignature.objects.filter(item__code="S1").exists())  # sent while online

    # --- a reload: the draft is one tap away, the reading and the drawn signature still there
    page.reload()
    page.locator("#local-drafts button").first.tap()
    expect(page.locator("#item-R1-reading")).to_have_value("6,5")
    expect(page.locator("#item-S1 .signature-preview")).to_be_visible()
    expect(page.locator("#item-S1 .signature-pad")).to_be_hidden()

    # --- the network goes; the vendor's representative signs and the inspection is submitted offline
    context.set_offline(True)
    expect(page.locator("#item-S2-signer")).to_have_value("李敏")  # the representative named in the joint box
    page.locator("#item-S2-pad").scroll_into_view_if_needed()
    draw(page, "#item-S2-pad")
    page.locator("#item-S2").get_by_role("button", name="确认签名").tap()
    expect(page.locator("#item-S2 .signature-preview")).to_be_visible()
    shot(page, f"vendor-signed-{viewport['width']}")
    assert_fits(page, viewport)
    page.locator("#btn-submit").tap()
    expect(page.locator("#done-title")).to_have_text("已排队")
    assert not InspectionSignature.objects.filter(item__code="S2").exists()

    # --- the network is back: the signature goes up, then the inspection, once
    context.set_offline(False)
    expect(page.locator("#done-title")).to_have_text("已提交", timeout=30_000)
    inspection = wait_until(lambda: Inspection.objects.filter(status="submitted").first())
    assert Inspection.objects.count() == 1
    assert (inspection.score, inspection.vendor_representative) == (Decimal("100.00"), "李敏")
    [result] = inspection.results.filter(item__code="R1")
    assert (result.reading, result.result) == (Decimal("6.5"), "pass")
    assert sorted(inspection.signatures.values_list("item__code", "signer_name")) == [("S1", "张伟"), ("S2", "李敏")]
    assert not RectificationOrder.objects.exists()

    # --- the office reads it: the reading with its range, both signatures as images
    office = new_page(viewport, touch=True)
    login(office, "office1", f"/inspections/{inspection.pk}/")
    expect(office.locator("main")).to_contain_text("6.5 °C（允许范围 0–8 °C）")
    expect(office.locator("figure.signature img")).to_have_count(2)
    expect(office.locator("figure.signature figcaption").first).to_contain_text("张伟 · 检查人")
    for image in office.locator("figure.signature img").all():  # loaded, not just in the page: wait for it
        assert wait_until(lambda image=image: image.evaluate("img => img.complete && img.naturalWidth > 0"))
    shot(office, f"office-reads-{viewport['width']}", full_page=True)
    assert_fits(office, viewport)
    assert page.errors == [] and office.errors == []
