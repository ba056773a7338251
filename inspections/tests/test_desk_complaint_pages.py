"""The desk on the complaint page and the public side: the office's ruling, reassignment, a reply to a
suggestion, the public board; the vendor's decline; a requester confirming a repair on the tracking page; the
public page's kinds and the message board's channel."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections.forms import form_stamp
from inspections.models import Complaint, WorkOrder
from inspections.services import complaints as complaint_services
from inspections.services import desk
from inspections.tests.factories import desk_record
from logistics.models import ServiceCategory
from logistics.tests.factories import ServiceCategoryFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory(code="admin-building", name="行政楼")


@pytest.fixture
def contract(vendor_a, site):
    contract = ContractFactory(
        vendor=vendor_a, category=ServiceCategory.objects.get(code="cleaning"), number="HT-BJ-01"
    )
    contract.sites.add(site)
    return contract


@pytest.fixture
def answered(contract, site, office_user, vendor_user):
    complaint = complaint_services.complaint_submit(category=contract.category, site=site, description="保洁不及时")
    complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    complaint_services.complaint_answer(complaint=complaint, response="已加派人手", by=vendor_user)
    return complaint


def test_the_office_rules_on_the_complaint_page_and_the_employee_reads_it(client, client_for, office_user, answered):
    office = client_for(office_user)
    page = office.get(f"/complaints/{answered.pk}/").content.decode()
    assert "调查后认定" in page
    # no reasons: refused, the choice kept
    response = office.post(f"/complaints/{answered.pk}/", {"action": "rule", "upheld": "yes", "reason": ""})
    assert response.status_code == 200
    assert re.search(r'value="yes"[^>]*checked', response.content.decode())  # the choice is kept
    answered.refresh_from_db()
    assert answered.ruled_at is None
    response = office.post(
        f"/complaints/{answered.pk}/", {"action": "rule", "upheld": "yes", "reason": "现场核实，确有延误。"}
    )
    assert response.status_code == 302
    answered.refresh_from_db()
    assert (answered.upheld, answered.ruling_reason) == (True, "现场核实，确有延误。")
    track = client.get(f"/complaints/track/{answered.tracking_code}/").content.decode()
    assert "经调查，投诉属实。 现场核实，确有延误。" in track
    # a second ruling through the page is refused with the reason
    response = office.post(f"/complaints/{answered.pk}/", {"action": "rule", "upheld": "no", "reason": "复核"})
    assert "这件投诉已经认定过了。" in response.content.decode()


def test_reassignment_to_a_contract_that_does_not_serve_the_place_is_refused_and_the_reason_kept(
    client_for, office_user, contract, site, vendor_b
):
    complaint = complaint_services.complaint_submit(category=contract.category, site=site, description="地面湿滑")
    complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    other = ContractFactory(vendor=vendor_b, category=ServiceCategoryFactory(code="catering", name="餐饮"))
    response = client_for(office_user).post(
        f"/complaints/{complaint.pk}/", {"action": "reassign", "contract": other.pk, "reason": "派错了"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "不是卫生保洁" in html and "派错了" in html
    complaint.refresh_from_db()
    assert complaint.contract == contract


def test_the_vendor_declines_a_complaint_back_to_the_office(client_for, office_user, vendor_user, contract, site):
    complaint = complaint_services.complaint_submit(category=contract.category, site=site, description="空调不制冷")
    complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    vendor = client_for(vendor_user)
    assert "退回后勤管理部门" in vendor.get(f"/complaints/{complaint.pk}/").content.decode()
    response = vendor.post(f"/complaints/{complaint.pk}/", {"action": "decline", "reason": "空调不属于保洁合同"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "accepted"
    assert complaint.events.last().kind == "declined"


def test_a_suggestion_is_answered_by_the_office_and_published_on_the_board(client, client_for, office_user, contract):
    suggestion = complaint_services.complaint_submit(
        category=contract.category, description="建议一楼增加饮水机。王老师 13800001234", kind="suggestion"
    )
    office = client_for(office_user)
    assert office.post(f"/complaints/{suggestion.pk}/", {"action": "reply", "reply": "已采纳。"}).status_code == 302
    response = office.post(
        f"/complaints/{suggestion.pk}/",
        {"action": "publish", "text": "建议一楼增加饮水机。", "reply": "已采纳，下月安装。"},
    )
    assert response.status_code == 302
    board = client.get("/board/").content.decode()
    assert "建议一楼增加饮水机。" in board and "已采纳，下月安装。" in board
    assert "13800001234" not in board and "王老师" not in board
    # by service: another service's filter leaves it out
    other = ServiceCategoryFactory(code="catering", name="餐饮")
    assert "饮水机" not in client.get(f"/board/?category={other.pk}").content.decode()
    office.post(f"/complaints/{suggestion.pk}/", {"action": "unpublish"})
    assert "饮水机" not in client.get("/board/").content.decode()


@override_settings(DESK_CALLBACK_SAMPLE_PERCENT=0)
def test_the_requester_confirms_a_repair_on_the_tracking_page(client, office_user, vendor_user, contract, site):
    order = desk_record("repair", contract, "水龙头漏水", office_user, site=site)
    desk.work_order_dispatch(order=order, contract=contract, by=office_user)
    desk.work_order_take(order=order, by=vendor_user)
    photo = SimpleUploadedFile("done.png", make_png(), content_type="image/png")
    desk.work_order_complete(order=order, note="已更换阀芯", photos=[photo], by=vendor_user)
    url = f"/complaints/track/{order.tracking_code}/"
    page = client.get(url).content.decode()
    assert "服务企业说已完工，是否修好了？" in page and "已更换阀芯" in page
    # "not fixed" without saying what: refused, nothing lost
    response = client.post(url, {"action": "confirm", "fixed": "no", "reason": ""})
    assert "请告诉我们还有什么问题。" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "completed"
    response = client.post(url, {"action": "confirm", "fixed": "yes", "rating": "4"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.rating) == ("closed", 4)
    assert "您对服务的评价为 4 分（满分 5 分）。" in client.get(url).content.decode()


def test_the_public_page_files_a_suggestion_and_the_board_link_files_a_board_post(client, contract, monkeypatch):
    import inspections.forms as complaint_forms

    monkeypatch.setattr(complaint_forms, "MIN_FILL_SECONDS", 0)
    page = client.get("/complaints/new/?via=board").content.decode()
    assert 'name="via" value="board"' in page
    data = {
        "kind": "suggestion",
        "category": contract.category.pk,
        "description": "建议食堂延长晚餐供应时间。",
        "started": form_stamp(),
        "via": "board",
    }
    assert client.post("/complaints/new/", data).status_code == 302
    filed = Complaint.objects.get()
    assert (filed.kind, filed.channel, filed.quarantined) == ("suggestion", "board", False)
    assert not WorkOrder.objects.exists()
