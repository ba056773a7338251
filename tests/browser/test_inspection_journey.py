"""The tablet journey: an inspection filled by touch, submitted offline, sent when the network is back; the
vendor answers the rectification order a failed item opened, and the inspector verifies it."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET, login, photo_with_gps, wait_until

pytestmark = pytest.mark.browser

# C01..C11 of the demo cleaning checklist (95 points): C07 fails (it needs a photo), C03 gets 3 of 5 points,
# C11 does not apply; everything else passes. Score: (95 - 10 - 10 - 2) / (95 - 10) = 73 / 85 = 85.88.
FAIL, PARTIAL, NOT_APPLICABLE = "C07", "C03", "C11"
EXPECTED_SCORE = "85.88"


def tap_result(page, code: str, result: str) -> None:
    button = page.locator(f"#item-{code} .result-{result}")
    button.tap()
    expect(button).to_have_attribute("aria-pressed", "true")


def test_an_offline_inspection_is_sent_once_and_its_failure_is_rectified(new_page, institution, shot, tmp_path):
    from inspections.models import (
        Inspection,
        InspectionPhoto,
        RectificationOrder,
        RectificationPhoto,
        RectificationStatus,
    )

    page = new_page(TABLET, touch=True)
    context = page.context
    login(page, "inspector1", "/inspect/")
    expect(page.locator("#screen-start")).to_be_visible()
    # the service worker registers (127.0.0.1/localhost is a secure context) and controls the page
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
    shot(page, "start")

    # --- start: kind, contract, site and key point, all by touch
    page.select_option("#f-kind", "daily")
    page.select_option("#f-contract", str(institution.contract.pk))
    expect(page.locator("#f-template option")).to_have_count(1)
    page.select_option("#f-site", str(institution.site.pk))
    page.locator(f"label[for=kp-{institution.key_point.pk}]").tap()
    expect(page.locator(f"#kp-{institution.key_point.pk}")).to_be_checked()
    page.locator("#btn-start").tap()
    expect(page.locator("#screen-form")).to_be_visible()
    expect(page.locator("#form-subtitle")).to_contain_text(institution.contract.number)

    # --- the items, and the running score as they are answered
    codes = [item.code for item in institution.template.items.order_by("sort_order")]
    assert len(codes) == 11
    tap_result(page, "C01", "pass")
    expect(page.locator("#running-score")).to_have_text("100.00")
    tap_result(page, FAIL, "fail")
    expect(page.locator("#running-score")).to_have_text("50.00")  # 10 of 20
    tap_result(page, PARTIAL, "partial")
    points = page.locator(f"#item-{PARTIAL}-points")
    expect(points).to_be_visible()
    points.fill("3")
    tap_result(page, NOT_APPLICABLE, "na")
    for code in codes:
        if code not in (FAIL, PARTIAL, NOT_APPLICABLE, "C01"):
            tap_result(page, code, "pass")
    expect(page.locator("#running-score")).to_have_text(EXPECTED_SCORE)
    expect(page.locator("#running-count")).to_contain_text("11")
    page.locator(f"#item-{FAIL}-note").fill("垃圾桶满溢，未及时清运")

    # --- the failed item's photo, from the camera's file chooser: a JPEG that carries GPS
    original = photo_with_gps(tmp_path / "IMG_0001.jpg").read_bytes()
    with page.expect_file_chooser() as chooser:
        page.locator(f"label[for=item-{FAIL}-photo]").tap()
    chooser.value.set_files(str(tmp_path / "IMG_0001.jpg"))
    expect(page.locator(f"#item-{FAIL} img.thumb")).to_have_count(1)
    page.locator(f"#item-{FAIL}").evaluate("node => node.scrollIntoView({block: 'center'})")
    shot(page, "form-filled", docs="tablet-inspection")

    # --- a reload while online: the draft is one tap away, its answers and its uploaded photo's thumbnail kept
    wait_until(lambda: InspectionPhoto.objects.filter(item__code=FAIL).exists())
    page.reload()
    page.locator("#local-drafts button").first.tap()
    expect(page.locator("#screen-form")).to_be_visible()
    expect(page.locator(f"#item-{FAIL} .result-fail")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#item-{FAIL} img.thumb")).to_have_count(1)
    expect(page.locator("#running-score")).to_have_text(EXPECTED_SCORE)
    # the draft is synced while online; the photo may or may not be uploaded before the network goes

    # --- the network goes; the inspector finishes and submits
    context.set_offline(True)
    expect(page.locator("#net-status.is-offline")).to_be_visible()
    page.locator("#f-summary").fill("整体良好，一层垃圾桶需整改。")
    page.locator("#btn-submit").tap()
    expect(page.locator("#screen-done")).to_be_visible()
    expect(page.locator("#done-title")).to_have_text("已排队")
    expect(page.locator("#net-status")).to_contain_text("1 份检查在排队")
    shot(page, "queued-offline")
    assert not Inspection.objects.filter(status="submitted").exists()

    # --- the network is back: sent by itself, exactly once
    context.set_offline(False)
    expect(page.locator("#done-title")).to_have_text("已提交", timeout=30_000)
    expect(page.locator("#done-text")).to_contain_text(EXPECTED_SCORE)
    shot(page, "submitted")
    inspection = wait_until(lambda: Inspection.objects.filter(status="submitted").first())
    assert Inspection.objects.count() == 1
    assert str(inspection.score) == EXPECTED_SCORE
    assert inspection.created_by == institution.inspector
    assert inspection.site == institution.site
    assert list(inspection.key_points.all()) == [institution.key_point]
    assert inspection.summary == "整体良好，一层垃圾桶需整改。"
    results = {r.item.code: r for r in inspection.results.select_related("item")}
    assert (results[FAIL].result, results[PARTIAL].points, results[NOT_APPLICABLE].result) == ("fail", 3, "na")
    assert results[FAIL].note == "垃圾桶满溢，未及时清运"

    # the photo: stored once, re-encoded, its EXIF (GPS included) gone
    from PIL import Image

    [photo] = InspectionPhoto.objects.filter(inspection=inspection)
    assert photo.item.code == FAIL
    stored = photo.image.read()
    assert stored != original and b"TestCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif(), dict(image.getexif())

    # the failed item opened one rectification order, with the photo as evidence
    [order] = RectificationOrder.objects.filter(contract=institution.contract)
    assert order.item_result == results[FAIL] and order.status == RectificationStatus.OPEN
    assert RectificationPhoto.objects.filter(order=order, stage="issue").count() == 1

    # the inspection page shows what was sent
    page.goto(f"/inspections/{inspection.pk}/")
    expect(page.locator("main")).to_contain_text(EXPECTED_SCORE)
    shot(page, "inspection-detail", full_page=True)

    # offline again, the form still opens: the service worker serves the page and its assets
    context.set_offline(True)
    page.goto("/inspect/")
    expect(page.locator("#btn-start")).to_be_visible()
    # ... with its translations (the JavaScript catalogue comes from the cache too)
    expect(page.locator("#net-status.is-offline")).to_have_text("网络已断开：您填写的内容已保存在本设备上。")
    shot(page, "offline-reload")
    context.set_offline(False)

    # --- the vendor answers the order with a photo, on its own tablet
    vendor = new_page(TABLET, touch=True)
    login(vendor, "vendor1", "/rectifications/")
    vendor.locator(f"a[href='/rectifications/{order.pk}/']").first.tap()
    expect(vendor.locator("h1")).to_contain_text(order.reference)
    vendor.fill("#response", "已增加一次清运，垃圾桶已清空并消毒。")
    after = photo_with_gps(tmp_path / "after.jpg", color="#3b6ea5")
    with vendor.expect_file_chooser() as chooser:
        vendor.locator("#photos").tap()
    chooser.value.set_files(str(after))
    shot(vendor, "vendor-answer")
    vendor.get_by_role("button", name="提交回复").tap()
    expect(vendor.locator(".message-success")).to_be_visible()
    order.refresh_from_db()
    assert order.status == RectificationStatus.ANSWERED
    [answer_photo] = RectificationPhoto.objects.filter(order=order, stage="response")
    with Image.open(answer_photo.image) as image:
        assert not image.getexif()

    # --- the inspector checks it and closes the order
    page.goto(f"/rectifications/{order.pk}/")
    expect(page.locator("main")).to_contain_text("已增加一次清运")
    expect(page.locator(".photo-grid img")).to_have_count(2)  # the issue and the answer
    page.fill("#note", "现场复查，已整改到位。")
    page.get_by_role("button", name="复查通过，关闭整改通知单").tap()
    expect(page.locator(".message-success")).to_be_visible()
    shot(page, "verified", full_page=True)
    order.refresh_from_db()
    assert order.status == RectificationStatus.VERIFIED
    assert page.errors == [] and vendor.errors == []
