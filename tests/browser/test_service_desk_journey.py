"""The service desk end to end, on a tablet and on phones: a hotline call recorded by the office -> dispatched ->
the vendor completes it with a photo -> the requester confirms -> the callback is "not satisfied" -> a redo ->
closed; and a web post the bot filter held, released by the office."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET, fits, login, photo_with_gps

pytestmark = pytest.mark.browser

CALL = "三楼东侧卫生间水龙头漏水，地面有积水。"


def test_a_hotline_repair_goes_round_twice_until_the_caller_is_satisfied(
    new_page, institution, shot, tmp_path, settings
):
    from inspections.models import Callback, WorkOrder

    settings.DESK_CALLBACK_SAMPLE_PERCENT = 100  # every closed work order is called back
    office = new_page(TABLET, touch=True)
    login(office, "office1", "/desk/new/")

    # the office records the call (no number left: the code is read out)
    office.select_option("#id_channel", "hotline")
    office.select_option("#id_kind", "repair")
    office.select_option("#id_category", str(institution.category.pk))
    office.select_option("#id_site", str(institution.site.pk))
    office.locator("#id_location").fill("三楼东侧卫生间")
    office.locator("#id_name").fill("王老师")
    # nothing said yet: refused, what was typed is kept
    office.get_by_role("button", name="登记并生成查询码").tap()
    expect(office.locator("#form-errors")).to_be_visible()
    expect(office.locator("#id_location")).to_have_value("三楼东侧卫生间")
    office.locator("#id_description").fill(CALL)
    office.get_by_role("button", name="登记并生成查询码").tap()
    code = office.locator("#tracking-code").inner_text().strip()
    expect(office.locator("#made")).to_contain_text("请把查询码读给来电人")
    shot(office, "1-recorded", full_page=True)
    order = WorkOrder.objects.get()
    assert (order.tracking_code, order.channel, order.name, order.status) == (code, "hotline", "王老师", "received")

    # dispatched to the suggested contract (the one serving the site)
    office.goto(f"/desk/orders/{order.pk}/")
    expect(office.locator("#dispatch select[name=contract]")).to_have_value(str(institution.contract.pk))
    office.get_by_role("button", name="派单给服务企业").tap()
    expect(office.locator(".messages, .message").first).to_be_visible()
    order.refresh_from_db()
    assert (order.status, order.rounds, order.contract) == ("dispatched", 1, institution.contract)
    fits(office)
    shot(office, "2-dispatched", full_page=True)

    # the vendor on a phone: takes it, is on site, completes it with a photo
    vendor = new_page(PHONE, touch=True)
    login(vendor, "vendor1", f"/desk/orders/{order.pk}/")

    def vendor_round(note: str) -> None:
        vendor.get_by_role("button", name="接单").tap()
        vendor.get_by_role("button", name="已到场").tap()
        vendor.locator("#complete textarea").first.fill(note)
        vendor.set_input_files("#complete input[type=file]", str(photo_with_gps(tmp_path / "done.jpg")))
        vendor.get_by_role("button", name="报完工").tap()
        expect(vendor.locator(".messages, .message").first).to_be_visible()
        fits(vendor)

    vendor_round("已更换水龙头阀芯，地面已清理。")
    shot(vendor, "3-completed", full_page=True)
    order.refresh_from_db()
    assert order.status == "completed"

    # the requester, on a phone with the code, confirms it fixed
    caller = new_page(PHONE, touch=True)
    caller.goto(f"/complaints/track/{code}/")
    expect(caller.locator("#confirm")).to_contain_text("服务企业说已完工")
    caller.locator("#confirm label.choice", has_text="修好了").first.tap()
    caller.locator("#confirm label.choice", has_text="4").first.tap()
    caller.get_by_role("button", name="提交").tap()
    expect(caller.locator("#order-status")).to_have_text("已办结")
    fits(caller)
    shot(caller, "4-confirmed", full_page=True)

    # the office's callback: not satisfied (it drips again at night) -> round 2 to the same vendor
    [callback] = Callback.objects.filter(work_order=order)
    office.goto("/desk/callbacks/")
    row = office.locator(f"#callback-{callback.pk}")
    row.locator("label.choice", has_text="不满意").tap()
    row.get_by_role("button", name="登记回访结果").tap()
    expect(office.locator(f"#callback-{callback.pk}")).to_contain_text("请记下来电人不满意之处")  # the reason first
    row = office.locator(f"#callback-{callback.pk}")
    row.locator("label.choice", has_text="不满意").tap()
    row.locator("textarea").fill("晚上还在滴水。")
    row.get_by_role("button", name="登记回访结果").tap()
    expect(office.locator(".messages, .message").first).to_contain_text("返工")
    fits(office)
    shot(office, "5-callback-not-satisfied", full_page=True)
    order.refresh_from_db()
    assert (order.status, order.rounds, order.contract) == ("dispatched", 2, institution.contract)

    # the redo, confirmed again; the second callback satisfied closes the loop
    vendor.goto(f"/desk/orders/{order.pk}/")
    vendor_round("更换整套水龙头，观察两小时无滴漏。")
    caller.goto(f"/complaints/track/{code}/")
    caller.locator("#confirm label.choice", has_text="修好了").first.tap()
    caller.locator("#confirm label.choice", has_text="5").first.tap()
    caller.get_by_role("button", name="提交").tap()
    expect(caller.locator("#order-status")).to_have_text("已办结")
    second = Callback.objects.get(work_order=order, number=2)
    office.goto("/desk/callbacks/")
    row = office.locator(f"#callback-{second.pk}")
    row.locator("label.choice").first.tap()  # 满意
    row.get_by_role("button", name="登记回访结果").tap()
    expect(office.locator(".messages, .message").first).to_contain_text("满意")
    order.refresh_from_db()
    assert (order.status, order.rounds, order.rating) == ("closed", 2, 5)
    assert list(order.callbacks.order_by("number").values_list("result", flat=True)) == ["not_satisfied", "satisfied"]

    # the order's page tells the whole story, in Chinese and in English, on the phone too
    office.goto(f"/desk/orders/{order.pk}/")
    expect(office.locator("#rounds")).to_contain_text("晚上还在滴水。")
    shot(office, "6-story", full_page=True)
    office.get_by_role("button", name="English").tap()
    expect(office.locator("#rounds")).to_contain_text("Rounds and clocks")
    shot(office, "6-story-en", full_page=True)
    office.set_viewport_size(PHONE)
    for url in ("/desk/", f"/desk/orders/{order.pk}/", "/desk/callbacks/?done=true", "/desk/new/"):
        office.goto(url)
        fits(office)
    shot(office, "7-queue-phone-en", full_page=True)


def test_a_held_web_post_is_released_by_the_office(new_page, institution, shot):
    from inspections.models import Complaint

    employee = new_page(PHONE, touch=True)
    employee.goto(f"/complaints/new/?site={institution.site.code}")
    employee.select_option("#id_category", str(institution.category.pk))
    employee.locator("#id_description").fill("一楼大厅的门禁坏了，刷卡进不去。")
    employee.locator("form button[type=submit].btn-primary").tap()  # within 3 seconds: held
    expect(employee.locator("#held-notice")).to_be_visible()
    fits(employee)
    shot(employee, "1-held-told", full_page=True)
    held = Complaint.objects.get()
    assert held.quarantined and not held.events.exists()

    office = new_page(TABLET, touch=True)
    login(office, "office1", "/complaints/")
    office.get_by_role("link", name="待审核提交").first.tap()
    expect(office.locator("body")).to_contain_text("一楼大厅的门禁坏了")
    shot(office, "2-held-list", full_page=True)
    office.get_by_role("button", name="放行").first.tap()
    expect(office.locator("body")).to_contain_text("已放行")
    held.refresh_from_db()
    assert (held.quarantined, held.status, list(held.events.values_list("kind", flat=True))) == (
        False,
        "received",
        ["received"],
    )
    office.goto("/complaints/")
    expect(office.locator("body")).to_contain_text("一楼大厅的门禁坏了")
    shot(office, "3-in-the-queue", full_page=True)
