"""The service desk's pages: the office's intake of a call, the queue (filters, search, late first, bulk dispatch
and close, Excel), a work order's page for the office and the vendor, the callbacks list; flat query counts."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections.models import Callback, Complaint, WorkOrder, WorkOrderPhoto, WorkOrderRound
from inspections.services import complaints as complaint_services
from inspections.services import desk
from logistics.models import ServiceCategory
from logistics.tests.factories import KeyPointFactory, SiteFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("inspections:desk_queue")
INTAKE = reverse("inspections:desk_intake")
CALLBACKS = reverse("inspections:desk_callbacks")


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("done.png", make_png(), content_type="image/png")


def order_url(order: WorkOrder) -> str:
    return reverse("inspections:work_order", args=[order.pk])


@pytest.fixture
def cleaning():
    return ServiceCategory.objects.get(code="cleaning")


@pytest.fixture
def site():
    return SiteFactory(code="admin-building", name="行政楼", name_en="Admin building")


@pytest.fixture
def contract(vendor_a, cleaning, site):
    contract = ContractFactory(vendor=vendor_a, category=cleaning, number="HT-BJ-01")
    contract.sites.add(site)
    return contract


def new_order(category, site, description="三楼茶水间水龙头漏水", **kwargs) -> WorkOrder:
    return desk.work_order_submit(category=category, site=site, description=description, channel="hotline", **kwargs)


def dispatched(category, site, contract, by, **kwargs) -> WorkOrder:
    return desk.work_order_dispatch(order=new_order(category, site, **kwargs), contract=contract, by=by)


def completed(category, site, contract, office, vendor, **kwargs) -> WorkOrder:
    order = dispatched(category, site, contract, office, **kwargs)
    desk.work_order_take(order=order, by=vendor)
    return desk.work_order_complete(order=order, note="已更换阀芯", photos=[photo()], by=vendor)


def make_late(order: WorkOrder) -> None:
    """The current round's response clock passed an hour ago, the job not yet taken."""
    past = timezone.now() - dt.timedelta(hours=1)
    WorkOrderRound.objects.filter(order=order, number=order.rounds).update(response_due=past)


# --- intake ---------------------------------------------------------------------------------------------
def test_a_hotline_repair_without_a_number_makes_a_work_order_and_shows_its_code(
    client_for, office_user, cleaning, site
):
    client = client_for(office_user)
    # given a hotline call about a repair, the caller leaving no number
    data = {
        "channel": "hotline",
        "kind": "repair",
        "category": cleaning.pk,
        "site": site.pk,
        "location": "三楼茶水间",
        "description": "水龙头漏水",
        "priority": "urgent",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    # when the office records it
    response = client.post(INTAKE, data)
    # then it is a work order of the hotline, recorded by the clerk, and the page shows its code to read out
    order = WorkOrder.objects.get()
    assert (order.channel, order.priority, order.status, order.phone) == ("hotline", "urgent", "received", "")
    assert order.recorded_by == office_user
    assert response.status_code == 302
    assert response["Location"] == f"{INTAKE}?order={order.pk}"
    html = client.get(response["Location"]).content.decode()
    assert f'<p class="tracking-code" id="tracking-code">{order.tracking_code}</p>' in html
    assert "不发送短信或邮件（来电人未留联系方式）：请把查询码读给来电人。" in html
    assert order_url(order) in html


def test_a_hotline_complaint_is_a_complaint_of_the_hotline_and_the_caller_gets_an_sms(
    client_for, office_user, cleaning, site
):
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    response = client.post(
        INTAKE,
        {
            "channel": "hotline",
            "kind": "complaint",
            "category": cleaning.pk,
            "site": site.pk,
            "description": "保洁员态度恶劣",
            "priority": "normal",
            "name": "王芳",
            "phone": "13800138000",
        },
    )
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.kind, complaint.phone, complaint.recorded_by) == (
        "hotline",
        "complaint",
        "13800138000",
        office_user,
    )
    assert WorkOrder.objects.count() == 0
    assert response["Location"] == f"{INTAKE}?complaint={complaint.pk}"
    html = client.get(response["Location"]).content.decode()
    assert complaint.tracking_code in html
    assert "An SMS with the code is on its way to 13800138000." in html
    assert reverse("inspections:complaint", args=[complaint.pk]) in html


def test_bad_input_keeps_what_was_typed(client_for, office_user, cleaning, site):
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    other_site_point = KeyPointFactory(site=SiteFactory(), name="地下车库")
    typed = {
        "channel": "walk_in",
        "kind": "repair",
        "category": cleaning.pk,
        "site": site.pk,
        "key_point": other_site_point.pk,
        "location": "三楼东侧",
        "description": "走廊灯不亮，已经三天了",
        "priority": "normal",
        "name": "李雷",
        "phone": "13912345678",
    }
    # when the form misses what the caller wants
    response = client.post(INTAKE, {**typed, "kind": ""})
    # then nothing is made, the message says what is missing, and every typed value is back in the form
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose what the caller wants." in html
    assert "走廊灯不亮，已经三天了</textarea>" in html
    assert 'value="三楼东侧"' in html and 'value="李雷"' in html and 'value="13912345678"' in html
    assert '<option value="walk_in" selected>' in html
    # when the service refuses (a key point of another site): its message sits on the field, the text stays
    response = client.post(INTAKE, typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This key point is not at the chosen site." in html
    assert "走廊灯不亮，已经三天了</textarea>" in html
    # and a call in the future is refused by the form
    future = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    html = client.post(INTAKE, {**typed, "key_point": "", "received_at": future}).content.decode()
    assert "The call cannot be in the future." in html
    assert WorkOrder.objects.count() == 0 and Complaint.objects.count() == 0


def test_an_anonymous_caller_leaves_no_contact(client_for, office_user, cleaning):
    client = client_for(office_user)
    client.post(
        INTAKE,
        {
            "channel": "wechat",
            "kind": "repair",
            "category": cleaning.pk,
            "description": "食堂门口地面破损",
            "priority": "low",
            "anonymous": "on",
            "name": "赵六",
            "phone": "13700000000",
        },
    )
    order = WorkOrder.objects.get()
    assert (order.anonymous, order.name, order.phone, order.channel) == (True, "", "", "wechat")


def test_only_office_channels_are_offered(client_for, office_user):
    html = client_for(office_user).get(INTAKE).content.decode()
    channel = re.search(r'<select name="channel".*?</select>', html, re.S).group(0)
    assert re.findall(r'value="(\w+)"', channel) == ["hotline", "mailbox", "reception", "walk_in", "wechat"]


# --- the queue ------------------------------------------------------------------------------------------
def test_the_queue_lists_late_orders_first_then_new_then_by_the_next_clock(
    client_for, office_user, cleaning, site, contract
):
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    on_time = dispatched(cleaning, site, contract, office_user, description="会议室空调不制冷")
    new = new_order(cleaning, site, description="卫生间纸巾用完", location="二楼男卫")
    late = dispatched(cleaning, site, contract, office_user, description="电梯厅地面湿滑")
    make_late(late)
    closed = completed(cleaning, site, contract, office_user, _vendor_user_of(contract))
    desk.work_order_close(order=closed, by=office_user)
    # when the office opens the queue (to handle: not closed or cancelled)
    html = client.get(QUEUE).content.decode()
    # then the late one comes first (red, its passed clock named), the new one next, then by due time
    refs = re.findall(r"<strong>(GD-\d{6})</strong>", html)
    assert refs == [late.reference, new.reference, on_time.reference]
    row = re.search(r'<tr class="desk-late">.*?</tr>', html, re.S).group(0)
    assert late.reference in row
    assert "Response passed" in row
    # the filters: overdue only, search by place, priority, and "all" shows the closed one too
    assert re.findall(r"<strong>(GD-\d{6})</strong>", client.get(QUEUE, {"overdue": "true"}).content.decode()) == [
        late.reference
    ]
    assert re.findall(r"<strong>(GD-\d{6})</strong>", client.get(QUEUE, {"q": "二楼男卫"}).content.decode()) == [
        new.reference
    ]
    assert re.findall(r"<strong>(GD-\d{6})</strong>", client.get(QUEUE, {"q": late.reference}).content.decode()) == [
        late.reference
    ]
    assert re.findall(r"<strong>(GD-\d{6})</strong>", client.get(QUEUE, {"priority": "urgent"}).content.decode()) == []
    every = re.findall(r"<strong>(GD-\d{6})</strong>", client.get(QUEUE, {"status": "all"}).content.decode())
    assert sorted(every) == sorted([late.reference, new.reference, on_time.reference, closed.reference])


def _vendor_user_of(contract):
    from logistics.tests.factories import UserFactory

    return UserFactory(role="vendor", vendor=contract.vendor)


def test_bulk_dispatch_sends_each_to_its_suggested_contract_and_says_why_one_cannot_go(
    client_for, office_user, cleaning, site, contract
):
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    gardening = ServiceCategory.objects.create(code="desk-garden", name="绿化养护", name_en="Gardening")
    first, second = new_order(cleaning, site), new_order(cleaning, site)
    orphan = new_order(gardening, site, description="草坪需要修剪")
    taken = dispatched(cleaning, site, contract, office_user)
    # when the office dispatches the four selected
    response = client.post(
        QUEUE, {"action": "dispatch", "orders": [first.pk, second.pk, orphan.pk, taken.pk]}, follow=True
    )
    # then the two new cleaning orders went to the contract serving the site; the others say why not
    for order in (first, second):
        order.refresh_from_db()
        assert (order.status, order.contract_id, order.rounds) == ("dispatched", contract.pk, 1)
    orphan.refresh_from_db()
    assert (orphan.status, orphan.contract_id) == ("received", None)
    texts = [str(m) for m in response.context["messages"]]
    assert texts[0] == (
        f"Dispatched 2 work orders: {first.reference} → HT-BJ-01 甲物业服务有限公司; "
        f"{second.reference} → HT-BJ-01 甲物业服务有限公司."
    )
    assert (
        f"{orphan.reference}: no contract in force serves Gardening at Admin building; dispatch it from its page."
        in texts
    )
    assert any(t.startswith(f"{taken.reference} is not new") for t in texts)


def test_bulk_close_closes_the_completed_ones(client_for, office_user, cleaning, site, contract):
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    vendor = _vendor_user_of(contract)
    done_1 = completed(cleaning, site, contract, office_user, vendor)
    done_2 = completed(cleaning, site, contract, office_user, vendor)
    still_open = dispatched(cleaning, site, contract, office_user)
    response = client.post(QUEUE, {"action": "close", "orders": [done_1.pk, done_2.pk, still_open.pk]}, follow=True)
    statuses = dict(WorkOrder.objects.values_list("pk", "status"))
    assert (statuses[done_1.pk], statuses[done_2.pk], statuses[still_open.pk]) == ("closed", "closed", "dispatched")
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [
        f"Closed 2 work orders: {done_1.reference}, {done_2.reference}.",
        f"{still_open.reference}: Only a completed work order can be closed.",
    ]
    # closed by the office (not confirmed by the requester): each is called back
    assert Callback.objects.filter(work_order__in=[done_1, done_2], done_at__isnull=True).count() == 2


def test_leaders_read_the_queue_but_cannot_act_on_it(client_for, leader_user, cleaning, site):
    order = new_order(cleaning, site)
    client = client_for(leader_user)
    html = client.get(QUEUE).content.decode()
    assert order.reference in html and 'name="orders"' not in html
    assert client.post(QUEUE, {"action": "close", "orders": [order.pk]}).status_code == 403


def test_the_excel_export_has_the_filtered_rows(client_for, office_user, cleaning, site, contract):
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    late = dispatched(cleaning, site, contract, office_user, priority="urgent")
    make_late(late)
    new = new_order(cleaning, site, location="一楼大厅")
    response = client.get(QUEUE, {"format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:11] == (
        "Work order",
        "Tracking code",
        "Received at",
        "Channel",
        "Service",
        "Place",
        "Priority",
        "Status",
        "Contract",
        "Service company",
        "Round",
    )
    assert rows[0][11:14] == ("Response due", "Response done", "Response kept")
    assert [r[0] for r in rows[1:]] == [late.reference, new.reference]
    late_row, new_row = rows[1], rows[2]
    assert late_row[3:11] == (
        "Hotline",
        "Cleaning",
        "Admin building",
        "Urgent",
        "Sent to the service company",
        "HT-BJ-01",
        "甲物业服务有限公司",
        1,
    )
    assert late_row[13] == "passed"  # the response clock, not kept
    assert isinstance(late_row[11], dt.datetime)
    assert new_row[5] == "Admin building · 一楼大厅"
    assert new_row[8:] == (None,) * (len(new_row) - 8)  # not dispatched: no contract, round or clock
    # filtered: only the overdue one
    response = client.get(QUEUE, {"format": "xlsx", "overdue": "true"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [late.reference]


def test_the_queue_runs_the_same_queries_for_2_and_12_orders(
    client_for, count_queries, office_user, cleaning, site, contract
):
    client = client_for(office_user)

    def add(count: int) -> None:
        for index in range(count):
            order = dispatched(cleaning, site, contract, office_user) if index % 2 else new_order(cleaning, site)
            if index % 3 == 0 and order.rounds:
                make_late(order)

    def measure(size: int) -> int:
        client.get(QUEUE)  # the session and the caches warm
        queries, response = count_queries(lambda: client.get(QUEUE))
        assert response.content.decode().count('name="orders"') == size
        return queries

    add(2)
    small = measure(2)
    add(10)
    assert measure(12) == small


# --- a work order's page --------------------------------------------------------------------------------
def test_the_vendor_takes_the_job_and_cannot_complete_it_without_a_photo(
    client_for, vendor_user, office_user, cleaning, site, contract
):
    order = dispatched(cleaning, site, contract, office_user)
    client = client_for(vendor_user)
    client.cookies["django_language"] = "en"
    url = order_url(order)
    assert client.post(url, {"action": "take"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "accepted"
    # when the vendor completes it without a photo
    response = client.post(url, {"action": "complete", "note": "已更换水龙头阀芯", "parts": "阀芯×1"})
    # then it is refused with the service's message, and the note typed is still there
    html = response.content.decode()
    assert response.status_code == 200
    assert "Add at least one photo of the finished work." in html
    assert "已更换水龙头阀芯</textarea>" in html and "阀芯×1</textarea>" in html
    order.refresh_from_db()
    assert order.status == "accepted"
    # when it sends the photo too, the job is completed with its evidence
    response = client.post(
        url, {"action": "complete", "note": "已更换水龙头阀芯", "parts": "阀芯×1", "photos": photo()}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "completed"
    job = order.round_set.get()
    assert (job.completion_note, job.parts) == ("已更换水龙头阀芯", "阀芯×1")
    assert WorkOrderPhoto.objects.filter(order=order, stage="completion").count() == 1
    # and its page shows the photo through the permission-checked download
    html = client.get(url).content.decode()
    assert reverse("download", args=["work-order-photo", order.photos.get().pk]) in html


def test_a_vendor_of_another_company_gets_404(client_for, vendor_b_user, office_user, cleaning, site, contract):
    order = dispatched(cleaning, site, contract, office_user)
    client = client_for(vendor_b_user)
    assert client.get(order_url(order)).status_code == 404
    assert client.post(order_url(order), {"action": "take"}).status_code == 404
    order.refresh_from_db()
    assert order.status == "dispatched"


def test_the_office_dispatches_from_the_page_with_the_suggested_contract_prefilled(
    client_for, office_user, cleaning, site, contract
):
    order = new_order(cleaning, site)
    client = client_for(office_user)
    html = client.get(order_url(order)).content.decode()
    assert f'<option value="{contract.pk}" selected>HT-BJ-01 · 甲物业服务有限公司</option>' in html
    response = client.post(order_url(order), {"action": "dispatch", "contract": contract.pk, "priority": "urgent"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.priority, order.contract_id) == ("dispatched", "urgent", contract.pk)


def test_a_reassignment_to_a_contract_that_does_not_serve_the_place_is_refused_and_the_reason_stays(
    client_for, office_user, vendor_b, cleaning, site, contract
):
    elsewhere = ContractFactory(vendor=vendor_b, category=cleaning, number="HT-BJ-02")
    elsewhere.sites.add(SiteFactory())
    order = dispatched(cleaning, site, contract, office_user)
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    response = client.post(
        order_url(order), {"action": "reassign", "contract": elsewhere.pk, "reason": "甲公司人手不足"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Contract HT-BJ-02 does not serve Admin building." in html
    assert "甲公司人手不足</textarea>" in html
    order.refresh_from_db()
    assert (order.contract_id, order.rounds) == (contract.pk, 1)


def test_the_vendor_sees_no_office_action_and_the_office_no_vendor_action(
    client_for, vendor_user, office_user, cleaning, site, contract
):
    order = dispatched(cleaning, site, contract, office_user)
    vendor_html = client_for(vendor_user).get(order_url(order)).content.decode()
    office_html = client_for(office_user).get(order_url(order)).content.decode()
    assert 'value="take"' in vendor_html and 'value="reassign"' not in vendor_html
    assert 'value="reassign"' in office_html and 'value="take"' not in office_html
    assert order.tracking_code in office_html and order.tracking_code not in vendor_html
    # a vendor's post of an office action is refused
    assert client_for(vendor_user).post(order_url(order), {"action": "cancel", "cancel-reason": "x"}).status_code == 403


def test_the_vendor_portal_lists_its_open_work_orders(client_for, vendor_user, office_user, cleaning, site, contract):
    late = dispatched(cleaning, site, contract, office_user)
    make_late(late)
    waiting = new_order(cleaning, site)
    html = client_for(vendor_user).get(reverse("logistics:vendor_portal")).content.decode()
    section = re.search(r'<section class="card" id="work-orders">.*?</section>', html, re.S).group(0)
    assert order_url(late) in section and order_url(waiting) not in section


# --- callbacks ------------------------------------------------------------------------------------------
def test_a_callback_not_satisfied_needs_the_note_then_sends_the_job_back_for_round_2(
    client_for, office_user, cleaning, site, contract
):
    order = completed(cleaning, site, contract, office_user, _vendor_user_of(contract))
    desk.work_order_close(order=order, by=office_user)
    callback = Callback.objects.get(work_order=order)
    client = client_for(office_user)
    client.cookies["django_language"] = "en"
    html = client.get(CALLBACKS).content.decode()
    assert order.reference in html
    prefix = f"cb{callback.pk}"
    # when "not satisfied" comes without a note
    response = client.post(CALLBACKS, {"callback": callback.pk, f"{prefix}-result": "not_satisfied"})
    # then the service refuses, on the row's form, and nothing changed
    assert response.status_code == 200
    assert "Write down what the caller is not satisfied with." in response.content.decode()
    callback.refresh_from_db()
    assert callback.done_at is None
    # when the note is there, the job goes back to the same vendor: round 2
    response = client.post(
        CALLBACKS,
        {"callback": callback.pk, f"{prefix}-result": "not_satisfied", f"{prefix}-note": "水龙头还在滴水"},
        follow=True,
    )
    order.refresh_from_db()
    callback.refresh_from_db()
    assert (order.status, order.rounds, order.contract_id) == ("dispatched", 2, contract.pk)
    assert (callback.result, callback.note) == ("not_satisfied", "水龙头还在滴水")
    assert [str(m) for m in response.context["messages"]] == [
        f"{order.reference}: Not satisfied. Sent back to 甲物业服务有限公司 for a redo."
    ]
    # the done list says what happened
    html = client.get(CALLBACKS, {"done": "true"}).content.decode()
    assert "Sent back to 甲物业服务有限公司 for a redo." in html


def test_the_callbacks_list_shows_the_phone_to_the_office_only(
    client_for, office_user, leader_user, cleaning, site, contract
):
    complaint = complaint_services.complaint_submit(
        category=cleaning, site=site, description="垃圾桶满了", name="张伟", phone="13611112222"
    )
    Callback.objects.create(complaint=complaint, contract=contract, due_on=timezone.localdate())
    office_html = client_for(office_user).get(CALLBACKS).content.decode()
    leader_html = client_for(leader_user).get(CALLBACKS).content.decode()
    assert complaint.reference in office_html and complaint.reference in leader_html
    assert "13611112222" in office_html and "13611112222" not in leader_html
    assert 'name="callback"' in office_html and 'name="callback"' not in leader_html


def _callbacks(count: int, category, site, contract) -> None:
    for index in range(count):
        if index % 2:
            job = complaint_services.complaint_submit(category=category, site=site, description="地面湿滑", phone="1")
            Callback.objects.create(complaint=job, contract=contract, due_on=timezone.localdate())
        else:
            job = new_order(category, site, phone="13900000000")
            Callback.objects.create(work_order=job, contract=contract, due_on=timezone.localdate())


def test_the_callbacks_list_runs_the_same_queries_for_2_and_12(
    client_for, count_queries, office_user, cleaning, site, contract
):
    client = client_for(office_user)

    def measure(size: int) -> int:
        client.get(CALLBACKS)
        queries, response = count_queries(lambda: client.get(CALLBACKS))
        assert response.content.decode().count('name="callback"') == size
        return queries

    _callbacks(2, cleaning, site, contract)
    small = measure(2)
    _callbacks(10, cleaning, site, contract)
    assert measure(12) == small
