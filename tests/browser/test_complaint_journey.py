"""An employee's complaint from a QR code, on a phone and on a tablet: prefilled location, a bad upload that
keeps the typed text, the tracking code, the reply and the rating."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, photo_with_gps

pytestmark = pytest.mark.browser

DESCRIPTION = "一层公共卫生间洗手液用完了，地面有积水。"
REPLY = "已补充洗手液并清理积水，感谢您的反映。"


BAD_FILES = {
    "phone": ("photo.jpg", b"this is a text file, not a picture\n", "不是有效的图片"),
    "tablet": ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "只接受 JPEG、PNG 和 WebP"),
}


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_a_complaint_from_a_qr_code_is_tracked_answered_and_rated(
    new_page, institution, shot, tmp_path, viewport, request
):
    from inspections.forms import MIN_FILL_SECONDS
    from inspections.models import Complaint
    from inspections.services import complaints as complaint_services

    page = new_page(viewport, touch=True)
    site, key_point, category = institution.site, institution.key_point, institution.category
    opened = time.monotonic()
    page.goto(f"/complaints/new/?site={site.code}&kp={key_point.code}&cat={category.code}")

    # the QR code's location is prefilled
    expect(page.locator("h1")).to_have_text("反映服务问题")
    expect(page.locator("#id_category")).to_have_value(str(category.pk))
    expect(page.locator("#id_site")).to_have_value(str(site.pk))
    expect(page.locator("#id_key_point")).to_have_value(str(key_point.pk))
    page.locator("#id_location").fill("东侧")
    page.locator("#id_description").fill(DESCRIPTION)
    page.locator("#id_email").fill("wang@example.cn")
    # a "photo" that is a text file renamed .jpg (on the phone), a program (on the tablet)
    name, content, message = BAD_FILES[request.node.callspec.id]
    fake = tmp_path / name
    fake.write_bytes(content)
    page.set_input_files("#id_photos", str(fake))
    shot(page, "form", docs="public-complaint" if viewport == PHONE else None, full_page=True)

    # a person takes longer than the minimum fill time; so does this test
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.3 - (time.monotonic() - opened)))
    page.locator("form button[type=submit].btn-primary").tap()
    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()  # screen readers read it first
    expect(page.locator("#id_photos_error")).to_contain_text(message)
    expect(page.locator("#id_description")).to_have_value(DESCRIPTION)  # what was typed is kept
    expect(page.locator("#id_location")).to_have_value("东侧")
    expect(page.locator("#id_key_point")).to_have_value(str(key_point.pk))
    shot(page, "bad-upload", full_page=True)
    assert not Complaint.objects.exists()

    # the employee picks a real photo (with GPS in it) and sends again at once
    photo = photo_with_gps(tmp_path / "IMG_2041.jpg")
    page.set_input_files("#id_photos", str(photo))
    page.locator("form button[type=submit].btn-primary").tap()
    code_box = page.locator("#tracking-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    shot(page, "tracking-code", full_page=True)
    complaint = Complaint.objects.get()
    assert complaint.tracking_code == code and len(code) == 12
    assert not complaint.quarantined, "a corrected post right after an error is not a bot's"
    assert (complaint.site, complaint.key_point, complaint.category) == (site, key_point, category)
    assert complaint.description == DESCRIPTION and complaint.location == "东侧"
    [stored] = complaint.photos.all()
    assert b"TestCam" not in stored.image.read()

    # the office and the vendor handle it (service layer)
    complaint = complaint_services.complaint_accept(
        complaint=complaint, contract=institution.contract, by=institution.office
    )
    complaint_services.complaint_answer(
        complaint=complaint, response="保洁员已补充洗手液。", by=institution.vendor_user
    )
    complaint_services.complaint_rule(complaint=complaint, upheld=True, reason="经调查属实。", by=institution.office)
    complaint_services.complaint_close(complaint=complaint, reply=REPLY, by=institution.office)

    # later, with the code kept
    page.goto("/complaints/track/")
    page.locator("#code").fill(code.lower())
    page.get_by_role("button", name="查询").tap()
    expect(page.locator("main")).to_contain_text(REPLY)
    expect(page.locator("main")).not_to_contain_text("wang@example.cn")  # no personal data on the page
    page.locator("label:has(input[name=rating][value='4'])").tap()
    expect(page.locator("input[name=rating][value='4']")).to_be_checked()
    shot(page, "reply", full_page=True)
    page.get_by_role("button", name="提交评价").tap()
    expect(page.locator(".messages")).to_contain_text("感谢您的评价。")
    complaint.refresh_from_db()
    assert complaint.rating == 4
    expect(page.locator("input[name=rating]")).to_have_count(0)  # rated once
    assert page.errors == []
