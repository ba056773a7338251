"""The service desk's API: complaints, work orders and callbacks under the same access rules as the pages
(vendors only their own, employees nothing), the caller's contact for the office only, the services' refusals as
400s in the reader's language, the shared FilterSets, flat query counts, and a repair from the hotline to its
redo through the API alone.

The shared data is built once for the module inside a transaction rolled back at the end (as the access table
does); each test runs in a savepoint of it, so what a POST changes is undone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from conftest import ROLES, make_png, role_users, shared_data

pytestmark = pytest.mark.django_db

CONTACT = {"name": "李娜", "phone": "13900139000", "email": "li.na@example.cn"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def photo(name: str = "done.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_png(), content_type="image/png")


def zh(message: str, **values: Any) -> str:
    """``message`` as the API says it to a reader of the institution's language (Chinese)."""
    with translation.override("zh-hans"):
        text = gettext(message) % values if values else gettext(message)
    assert CHINESE.search(text), f"not translated: {message}"
    return text


# --- the shared data ------------------------------------------------------------------------------------
def build_desk() -> SimpleNamespace:
    """Two vendors with a contract each at the same site, a third contract elsewhere; complaints and work
    orders in each state an action starts from; a closed complaint's callback."""
    from contracts.tests.factories import ContractFactory
    from inspections.models import Callback
    from inspections.services import complaints as complaint_services
    from inspections.services import desk as desk_services
    from logistics.models import ServiceCategory
    from logistics.tests.factories import SiteFactory, VendorFactory

    w = SimpleNamespace()
    cleaning = ServiceCategory.objects.get(code="cleaning")
    vendor_a = VendorFactory(legal_name="甲物业服务有限公司")
    vendor_b = VendorFactory(legal_name="乙物业服务有限公司")
    users = role_users("desk", vendor_a, vendor_b)
    w.users = users
    office, vendor_user = users["office"], users["vendor_a"]
    site = SiteFactory(code="desk-library", name="图书馆")
    far = SiteFactory(code="desk-gym", name="体育馆")
    w.site, w.far = site.pk, far.pk
    w.category = cleaning.pk
    contract_a = ContractFactory(vendor=vendor_a, category=cleaning, number="HT-DESK-A")
    contract_b = ContractFactory(vendor=vendor_b, category=cleaning, number="HT-DESK-B")
    contract_far = ContractFactory(vendor=vendor_b, category=cleaning, number="HT-DESK-FAR")
    for contract in (contract_a, contract_b):
        contract.sites.add(site)
    contract_far.sites.add(far)
    contract_a.inspectors.add(users["inspector"])
    w.contract_a, w.contract_b, w.contract_far = contract_a.pk, contract_b.pk, contract_far.pk

    # complaints: new (with the caller's contact), dispatched to A (with contact) and to B, answered by A,
    # answered and ruled, closed (with its callback)
    def filed(description: str, **kwargs: Any) -> Any:
        return complaint_services.complaint_submit(category=cleaning, site=site, description=description, **kwargs)

    def dispatched(contract: Any, description: str, **kwargs: Any) -> Any:
        complaint = filed(description, **kwargs)
        return complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office)

    new = filed("三楼走廊灯不亮", name="王芳", phone="13800138000")
    w.complaint_new = new.pk
    complaint_a = dispatched(contract_a, "阅览室地面湿滑", **CONTACT)
    w.complaint_a, w.complaint_a_code = complaint_a.pk, complaint_a.tracking_code
    w.complaint_b = dispatched(contract_b, "卫生间无纸巾").pk
    answered = dispatched(contract_a, "楼梯扶手有灰")
    complaint_services.complaint_answer(complaint=answered, response="已擦拭", by=vendor_user)
    w.complaint_answered = answered.pk
    ruled = dispatched(contract_a, "垃圾桶满溢")
    complaint_services.complaint_answer(complaint=ruled, response="已清运", by=vendor_user)
    complaint_services.complaint_rule(complaint=ruled, upheld=True, reason="经查属实。", by=office)
    w.complaint_ruled = ruled.pk
    closed = dispatched(contract_a, "门厅玻璃有污渍", **CONTACT)
    complaint_services.complaint_answer(complaint=closed, response="已清洁", by=vendor_user)
    complaint_services.complaint_rule(complaint=closed, upheld=False, reason="经查不属实。", by=office)
    complaint_services.complaint_close(complaint=closed, reply="已处理完毕", by=office)
    w.complaint_closed = closed.pk
    w.callback = Callback.objects.get(complaint=closed).pk

    # work orders: new (with contact), dispatched to A and to B, taken by A, completed by A
    def ordered(description: str, **kwargs: Any) -> Any:
        return desk_services.desk_intake(
            kind="repair", channel="hotline", category=cleaning, site=site, description=description, by=office, **kwargs
        )

    def sent(contract: Any, description: str, **kwargs: Any) -> Any:
        return desk_services.work_order_dispatch(order=ordered(description, **kwargs), contract=contract, by=office)

    w.order_new = ordered("水龙头漏水", name="王芳", phone="13800138000").pk
    w.order_a = sent(contract_a, "阅览室空调滴水", **CONTACT).pk
    w.order_b = sent(contract_b, "卫生间门锁坏了").pk
    taken = sent(contract_a, "窗帘轨道脱落")
    desk_services.work_order_take(order=taken, by=vendor_user)
    w.order_taken = taken.pk
    done = sent(contract_a, "书架松动")
    desk_services.work_order_take(order=done, by=vendor_user)
    desk_services.work_order_complete(order=done, note="已加固", photos=[photo()], by=vendor_user)
    w.order_done = done.pk
    return w


desk, _desk_media = shared_data("desk", build_desk)


def api_as(desk: Any, role: str) -> APIClient:
    """An API client of ``role``'s user (a fresh copy: no role cached from an earlier request)."""
    client = APIClient()
    user = desk.users[role]
    if user is not None:
        client.force_authenticate(type(user).objects.get(pk=user.pk))
    return client


# --- who may do what: every route, every role -----------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One request and the status of each role, in the order of ``ROLES``."""

    name: str
    url: Callable[[Any], str]
    expect: str
    method: str = "get"
    data: Callable[[Any], dict[str, Any]] | None = None
    multipart: bool = False

    def statuses(self) -> dict[str, int]:
        codes = [int(code) for code in self.expect.split()]
        assert len(codes) == len(ROLES), self.name
        return dict(zip(ROLES, codes, strict=True))


def at(path: str, key: str | None = None, action: str = "") -> Callable[[Any], str]:
    def url(w: Any) -> str:
        parts = [f"/api/{path}/"]
        if key:
            parts.append(f"{getattr(w, key)}/")
        if action:
            parts.append(f"{action}/")
        return "".join(parts)

    return url


#                                                   anonymous employee inspector vendor_a vendor_b leader office finance
ROWS = [
    Row("complaints", at("complaints"), "403 403 200 200 200 200 200 403"),
    Row("complaint A", at("complaints", "complaint_a"), "403 403 200 200 404 200 200 403"),
    Row("complaint B", at("complaints", "complaint_b"), "403 403 404 404 200 200 200 403"),
    Row("complaint new", at("complaints", "complaint_new"), "403 403 404 404 404 200 200 403"),
    Row(
        "complaint accept",
        at("complaints", "complaint_new", "accept"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"contract": w.contract_a, "severity": "serious", "urgency": "urgent"},
    ),
    Row(
        "complaint answer",
        at("complaints", "complaint_a", "answer"),
        "403 403 403 200 404 403 403 403",
        "post",
        lambda w: {"response": "已拖干并放置警示牌", "photos": [photo()]},
        multipart=True,
    ),
    Row(
        "complaint decline",
        at("complaints", "complaint_a", "decline"),
        "403 403 403 200 404 403 403 403",
        "post",
        lambda w: {"reason": "不属于本合同的服务范围"},
    ),
    Row(
        "complaint rule",
        at("complaints", "complaint_answered", "rule"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"upheld": True, "reason": "现场核实属实。"},
    ),
    Row(
        "complaint close",
        at("complaints", "complaint_ruled", "close"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"reply": "已处理，感谢反映。"},
    ),
    Row(
        "complaint reassign",
        at("complaints", "complaint_a", "reassign"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"contract": w.contract_b, "reason": "应由乙方负责"},
    ),
    Row("work orders", at("work-orders"), "403 403 200 200 200 200 200 403"),
    Row("work order A", at("work-orders", "order_a"), "403 403 200 200 404 200 200 403"),
    Row("work order B", at("work-orders", "order_b"), "403 403 200 404 200 200 200 403"),
    Row(
        "work order create",
        at("work-orders"),
        "403 403 403 403 403 403 201 403",
        "post",
        lambda w: {"channel": "hotline", "category": w.category, "site": w.site, "description": "暖气不热"},
    ),
    Row(
        "work order dispatch",
        at("work-orders", "order_new", "dispatch"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"contract": w.contract_a, "priority": "urgent"},
    ),
    Row(
        "work order reassign",
        at("work-orders", "order_a", "reassign"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"contract": w.contract_b, "reason": "甲方人手不足"},
    ),
    Row(
        "work order close",
        at("work-orders", "order_done", "close"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"note": "现场查看已修好"},
    ),
    Row(
        "work order cancel",
        at("work-orders", "order_new", "cancel"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"reason": "重复报修"},
    ),
    Row("work order take", at("work-orders", "order_a", "take"), "403 403 403 200 404 403 403 403", "post"),
    Row(
        "work order decline",
        at("work-orders", "order_a", "decline"),
        "403 403 403 200 404 403 403 403",
        "post",
        lambda w: {"reason": "不是我方的设备"},
    ),
    Row("work order arrive", at("work-orders", "order_a", "arrive"), "403 403 403 200 404 403 403 403", "post"),
    Row(
        "work order complete",
        at("work-orders", "order_taken", "complete"),
        "403 403 403 200 404 403 403 403",
        "post",
        lambda w: {"note": "已重新安装轨道", "parts": "轨道卡扣 4 个", "photos": [photo()]},
        multipart=True,
    ),
    Row("callbacks", at("callbacks"), "403 403 200 403 403 200 200 403"),
    Row("callback", at("callbacks", "callback"), "403 403 200 403 403 200 200 403"),
    Row(
        "callback record",
        at("callbacks", "callback", "record"),
        "403 403 403 403 403 403 200 403",
        "post",
        lambda w: {"result": "satisfied", "note": "满意"},
    ),
]
CELLS = [pytest.param(row, role, id=f"{row.name}-{role}") for row in ROWS for role in ROLES]


def send(client: APIClient, row: Row, w: Any) -> Any:
    if row.method == "get":
        return client.get(row.url(w))
    data = row.data(w) if row.data else {}
    return client.post(row.url(w), data, format="multipart" if row.multipart else "json")


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_access(desk, row, role):
    # given a user of the role (or nobody), when they send the row's request
    response = send(api_as(desk, role), row, desk)
    # then they get the status of the table's cell
    assert response.status_code == row.statuses()[role], (response.status_code, response.content[:300])


def test_a_role_refused_an_action_is_told_why_in_chinese(desk):
    response = api_as(desk, "vendor_a").post(f"/api/complaints/{desk.complaint_new}/accept/", {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": zh("Only the logistics office does this.")}
    response = api_as(desk, "office").post(f"/api/work-orders/{desk.order_a}/take/", format="json")
    assert response.json() == {"detail": zh("Only the service company's staff do this.")}


# --- vendors see their own, and nobody but the office the caller -----------------------------------------
def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {item["id"] for item in response.json()["results"]}


def test_a_vendor_lists_only_the_jobs_of_its_contracts(desk):
    from inspections.models import Complaint, WorkOrder

    for role, contract in (("vendor_a", desk.contract_a), ("vendor_b", desk.contract_b)):
        client = api_as(desk, role)
        complaints = ids(client.get("/api/complaints/"))
        assert complaints == set(
            Complaint.objects.filter(contract=contract, status__in=["dispatched", "answered", "closed"]).values_list(
                "pk", flat=True
            )
        )
        assert complaints
        orders = ids(client.get("/api/work-orders/"))
        assert orders == set(WorkOrder.objects.filter(contract=contract).values_list("pk", flat=True))
        assert orders
    # the office and leaders see every one (the new ones too); the inspector its assigned contract's
    assert ids(api_as(desk, "office").get("/api/complaints/")) == set(Complaint.objects.values_list("pk", flat=True))
    assert ids(api_as(desk, "leader").get("/api/work-orders/")) == set(WorkOrder.objects.values_list("pk", flat=True))
    assert ids(api_as(desk, "inspector").get("/api/complaints/")) == set(
        Complaint.objects.filter(contract=desk.contract_a).values_list("pk", flat=True)
    )


def test_a_post_the_bot_filter_held_is_listed_marked_for_the_office_only(desk):
    from inspections.services import complaints as complaint_services
    from logistics.models import ServiceCategory

    held = complaint_services.complaint_submit(
        category=ServiceCategory.objects.get(pk=desk.category), description="点击领取优惠", quarantined=True
    )
    shown = {item["id"]: item for item in api_as(desk, "office").get("/api/complaints/").json()["results"]}
    assert shown[held.pk]["quarantined"] is True
    assert shown[desk.complaint_a]["quarantined"] is False
    for role in ("inspector", "vendor_a"):
        assert held.pk not in ids(api_as(desk, role).get("/api/complaints/"))


@pytest.mark.parametrize("role", ["vendor_a", "leader", "inspector"])
def test_only_the_office_reads_the_callers_contact_and_tracking_code(desk, role):
    from inspections.models import Complaint, WorkOrder

    code = Complaint.objects.get(pk=desk.complaint_a).tracking_code
    order_code = WorkOrder.objects.get(pk=desk.order_a).tracking_code
    client = api_as(desk, role)
    # given the complaint and the work order of a caller who left a name, a phone and an email
    answers = [client.get("/api/complaints/"), client.get(f"/api/complaints/{desk.complaint_a}/")]
    answers += [client.get("/api/work-orders/"), client.get(f"/api/work-orders/{desk.order_a}/")]
    for response in answers:
        # then nobody but the office reads them, in the list or on the page
        assert response.status_code == 200
        body = response.content.decode()
        for secret in (*CONTACT.values(), code, order_code):
            assert secret not in body, (role, secret)
    detail = answers[1].json()
    assert [detail[name] for name in ("tracking_code", "name", "phone", "email")] == [None] * 4
    assert all(event["internal_note"] is None for event in detail["events"])


def test_the_office_reads_the_contact_the_tracking_code_and_the_internal_notes(desk):
    from inspections.models import Complaint, WorkOrder

    client = api_as(desk, "office")
    complaint = client.get(f"/api/complaints/{desk.complaint_a}/").json()
    assert {name: complaint[name] for name in CONTACT} == CONTACT
    assert complaint["tracking_code"] == Complaint.objects.get(pk=desk.complaint_a).tracking_code
    order = client.get(f"/api/work-orders/{desk.order_a}/").json()
    assert (order["name"], order["phone"]) == (CONTACT["name"], CONTACT["phone"])
    assert order["tracking_code"] == WorkOrder.objects.get(pk=desk.order_a).tracking_code
    callback = client.get(f"/api/callbacks/{desk.callback}/").json()
    assert (callback["job"], callback["caller_name"], callback["caller_phone"]) == (
        f"TS-{desk.complaint_closed:06d}",
        CONTACT["name"],
        CONTACT["phone"],
    )
    leader = api_as(desk, "leader").get(f"/api/callbacks/{desk.callback}/").json()
    assert (leader["caller_name"], leader["caller_phone"]) == (None, None)


def test_a_work_order_shows_its_rounds_with_their_clocks_and_its_timeline(desk):
    body = api_as(desk, "vendor_a").get(f"/api/work-orders/{desk.order_done}/").json()
    assert body["status"] == "completed"
    assert body["round"] == 1
    [first] = body["rounds"]
    assert first["number"] == 1 and first["contract"] == desk.contract_a
    assert first["dispatched_at"] <= first["response_due"] <= first["arrival_due"] <= first["completion_due"]
    assert first["completion_note"] == "已加固"
    assert body["completion_due"] == first["completion_due"]
    assert [e["kind"] for e in body["events"]] == ["received", "dispatched", "accepted", "completed"]
    assert [p["stage"] for p in body["photos"]] == ["completion"]


# --- the services' refusals: a 400 with their messages, in Chinese ---------------------------------------
def test_a_work_order_completed_without_a_photo_is_refused(desk):
    from inspections.models import WorkOrder

    response = api_as(desk, "vendor_a").post(
        f"/api/work-orders/{desk.order_taken}/complete/", {"note": "已修好"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"photos": [zh("Add at least one photo of the finished work.")]}
    assert WorkOrder.objects.get(pk=desk.order_taken).status == "accepted"


def test_a_second_ruling_is_refused(desk):
    response = api_as(desk, "office").post(
        f"/api/complaints/{desk.complaint_ruled}/rule/", {"upheld": False, "reason": "再议"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [zh("This complaint has already been ruled on.")]}


@pytest.mark.parametrize(("path", "key"), [("complaints", "complaint_a"), ("work-orders", "order_a")])
def test_a_reassignment_to_a_contract_that_does_not_serve_the_place_is_refused(desk, path, key):
    response = api_as(desk, "office").post(
        f"/api/{path}/{getattr(desk, key)}/reassign/", {"contract": desk.contract_far, "reason": "试试"}, format="json"
    )
    assert response.status_code == 400
    message = zh("Contract %(number)s does not serve %(site)s.", number="HT-DESK-FAR", site="图书馆")
    assert response.json() == {"contract": [message]}


def test_a_callback_on_a_job_that_is_not_closed_is_refused(desk):
    from inspections.models import Callback
    from inspections.services import complaints as complaint_services

    # given a closed complaint's callback, and the employee reopening the complaint before the call
    complaint = complaint_services.complaint_reopen(
        complaint=Callback.objects.get(pk=desk.callback).complaint, reason="地面又脏了"
    )
    assert complaint.status == "dispatched"
    # when the office records the callback
    response = api_as(desk, "office").post(
        f"/api/callbacks/{desk.callback}/record/", {"result": "satisfied"}, format="json"
    )
    # then it is refused, and nothing is recorded
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [zh("A callback is made once the job is closed.")]}
    assert Callback.objects.get(pk=desk.callback).done_at is None


def test_bad_input_is_a_400_in_chinese_and_changes_nothing(desk):
    from inspections.models import Complaint

    office = api_as(desk, "office")
    # no contract: DRF's own message, in Chinese
    response = office.post(f"/api/complaints/{desk.complaint_new}/accept/", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["contract"] and CHINESE.search(response.json()["contract"][0])
    # a ruling without its reasons: the service's
    response = office.post(
        f"/api/complaints/{desk.complaint_answered}/rule/", {"upheld": True, "reason": " "}, format="json"
    )
    assert response.json() == {"reason": [zh("Give the reasons for the ruling.")]}
    assert Complaint.objects.get(pk=desk.complaint_answered).ruled_at is None
    # a callback "not satisfied" without what the caller is not satisfied with
    response = office.post(f"/api/callbacks/{desk.callback}/record/", {"result": "not_satisfied"}, format="json")
    assert response.json() == {"note": [zh("Write down what the caller is not satisfied with.")]}


# --- the FilterSets of the pages ------------------------------------------------------------------------
def test_complaints_filter_by_status_overdue_and_search(desk):
    from inspections.models import Complaint

    office = api_as(desk, "office")
    everyone = set(Complaint.objects.values_list("pk", flat=True))
    # no status: every one; an empty status: the pages' "to handle" (neither closed nor rejected)
    assert ids(office.get("/api/complaints/")) == everyone
    assert ids(office.get("/api/complaints/", {"status": ""})) == everyone - {desk.complaint_closed}
    assert ids(office.get("/api/complaints/", {"status": "received"})) == {desk.complaint_new}
    assert ids(office.get("/api/complaints/", {"status": "closed"})) == {desk.complaint_closed}
    # overdue: dispatched and past the answer deadline
    assert ids(office.get("/api/complaints/", {"overdue": "true"})) == set()
    Complaint.objects.filter(pk=desk.complaint_a).update(response_deadline=timezone.now() - dt.timedelta(hours=1))
    assert ids(office.get("/api/complaints/", {"overdue": "true"})) == {desk.complaint_a}
    assert desk.complaint_a not in ids(office.get("/api/complaints/", {"overdue": "false"}))
    # search by text, by reference, by tracking code, by person
    assert ids(office.get("/api/complaints/", {"q": "湿滑"})) == {desk.complaint_a}
    assert ids(office.get("/api/complaints/", {"q": f"TS-{desk.complaint_b:06d}"})) == {desk.complaint_b}
    assert ids(office.get("/api/complaints/", {"q": desk.complaint_a_code})) == {desk.complaint_a}
    assert ids(office.get("/api/complaints/", {"q": "王芳"})) == {desk.complaint_new}
    # a vendor's filter stays inside its scope
    assert ids(api_as(desk, "vendor_b").get("/api/complaints/", {"q": "湿滑"})) == set()
    # a value the filter does not know is a 400
    assert api_as(desk, "office").get("/api/complaints/", {"overdue": "maybe"}).status_code == 400
    assert api_as(desk, "office").get("/api/complaints/", {"status": "lost"}).status_code == 400


def test_work_orders_filter_by_status_overdue_and_search(desk):
    from inspections.models import WorkOrder, WorkOrderRound

    office = api_as(desk, "office")
    assert ids(office.get("/api/work-orders/")) == set(WorkOrder.objects.values_list("pk", flat=True))
    assert ids(office.get("/api/work-orders/", {"status": "received"})) == {desk.order_new}
    assert ids(office.get("/api/work-orders/", {"status": "completed"})) == {desk.order_done}
    # overdue: with the vendor and a clock of the current round passed undone
    assert ids(office.get("/api/work-orders/", {"overdue": "true"})) == set()
    past = timezone.now() - dt.timedelta(hours=1)
    WorkOrderRound.objects.filter(order_id=desk.order_a).update(
        response_due=past - dt.timedelta(hours=2), arrival_due=past - dt.timedelta(hours=1), completion_due=past
    )
    assert ids(office.get("/api/work-orders/", {"overdue": "true"})) == {desk.order_a}
    late = office.get(f"/api/work-orders/{desk.order_a}/").json()
    assert late["is_overdue"] is True
    assert office.get(f"/api/work-orders/{desk.order_b}/").json()["is_overdue"] is False
    # search by text, by reference, by person
    assert ids(office.get("/api/work-orders/", {"q": "空调"})) == {desk.order_a}
    assert ids(office.get("/api/work-orders/", {"q": f"GD-{desk.order_b:06d}"})) == {desk.order_b}
    assert ids(office.get("/api/work-orders/", {"q": "13800138000"})) == {desk.order_new}
    assert ids(api_as(desk, "vendor_a").get("/api/work-orders/", {"q": "门锁"})) == set()


def test_callbacks_filter_by_done_and_kind(desk):
    office = api_as(desk, "office")
    assert ids(office.get("/api/callbacks/")) == {desk.callback}
    assert ids(office.get("/api/callbacks/", {"done": "false", "kind": "complaint"})) == {desk.callback}
    assert ids(office.get("/api/callbacks/", {"done": "true"})) == set()
    assert ids(office.get("/api/callbacks/", {"kind": "work_order"})) == set()


# --- no N+1 ---------------------------------------------------------------------------------------------
def _more(desk: Any, count: int) -> None:
    """``count`` more of each: a complaint dispatched to A (with a photo) and answered, a work order of A done
    with a photo, closed by the office (a callback)."""
    from contracts.models import Contract
    from inspections.services import complaints as complaint_services
    from inspections.services import desk as desk_services
    from logistics.models import ServiceCategory, Site

    office, vendor = desk.users["office"], desk.users["vendor_a"]
    contract = Contract.objects.get(pk=desk.contract_a)
    category, site = ServiceCategory.objects.get(pk=desk.category), Site.objects.get(pk=desk.site)
    for n in range(count):
        complaint = complaint_services.complaint_submit(
            category=category, site=site, description=f"投诉 {n}", photos=[photo()], **CONTACT
        )
        complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office)
        complaint_services.complaint_answer(complaint=complaint, response="已处理", by=vendor)
        order = desk_services.desk_intake(
            kind="repair", channel="walk_in", category=category, site=site, description=f"报修 {n}", by=office
        )
        desk_services.work_order_dispatch(order=order, contract=contract, by=office)
        desk_services.work_order_take(order=order, by=vendor)
        desk_services.work_order_complete(order=order, note="已修好", photos=[photo()], by=vendor)
        desk_services.work_order_close(order=order, by=office)


@pytest.mark.parametrize(
    ("role", "route"),
    [
        ("office", "/api/complaints/"),
        ("vendor_a", "/api/complaints/"),
        ("office", "/api/work-orders/"),
        ("vendor_a", "/api/work-orders/"),
        ("office", "/api/callbacks/"),
    ],
)
def test_a_list_runs_the_same_queries_for_2_and_10_more_records(desk, count_queries, role, route):
    def listed() -> tuple[int, int]:
        client = api_as(desk, role)
        queries, response = count_queries(lambda: client.get(route))
        assert response.status_code == 200
        return queries, response.json()["count"]

    _more(desk, 2)
    small, shown_small = listed()
    _more(desk, 8)
    large, shown_large = listed()
    assert shown_large - shown_small == 8
    assert small == large


# --- a repair from the hotline to its redo, through the API ----------------------------------------------
def test_a_hotline_repair_through_the_api_until_the_redo(desk):
    from inspections.models import Callback, WorkOrder

    office, vendor = api_as(desk, "office"), api_as(desk, "vendor_a")
    # the office records a call: the caller's number, the place, what needs doing
    response = office.post(
        "/api/work-orders/",
        {
            "channel": "hotline",
            "category": desk.category,
            "site": desk.site,
            "location": "二楼东侧男卫",
            "description": "小便池一直流水",
            "name": "赵强",
            "phone": "13700137000",
            "priority": "urgent",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    order = response.json()
    pk = order["id"]
    assert (order["status"], order["channel"], order["priority"], order["phone"]) == (
        "received",
        "hotline",
        "urgent",
        "13700137000",
    )
    assert order["tracking_code"] == WorkOrder.objects.get(pk=pk).tracking_code  # read out to the caller
    # dispatched to A's contract; A takes it, is on site, completes it with a photo
    response = office.post(f"/api/work-orders/{pk}/dispatch/", {"contract": desk.contract_a}, format="json")
    assert response.json()["status"] == "dispatched"
    assert vendor.post(f"/api/work-orders/{pk}/take/").json()["status"] == "accepted"
    assert vendor.post(f"/api/work-orders/{pk}/arrive/").json()["status"] == "on_site"
    response = vendor.post(
        f"/api/work-orders/{pk}/complete/",
        {"note": "更换感应器", "parts": "感应器 1 个", "photos": [photo("a.png"), photo("b.png")]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    done = response.json()
    assert done["status"] == "completed"
    assert (done["rounds"][0]["completion_note"], done["rounds"][0]["parts"]) == ("更换感应器", "感应器 1 个")
    assert [p["stage"] for p in done["photos"]] == ["completion", "completion"]
    assert done["name"] is None  # the vendor never reads the caller
    # the office closes it (not confirmed by the caller: always called back)
    assert (
        office.post(f"/api/work-orders/{pk}/close/", {"note": "电话确认"}, format="json").json()["status"] == "closed"
    )
    [callback] = office.get("/api/callbacks/", {"kind": "work_order", "done": "false"}).json()["results"]
    assert (callback["work_order"], callback["job"], callback["caller_phone"]) == (pk, f"GD-{pk:06d}", "13700137000")
    # the caller is not satisfied: back to the same vendor, round 2
    response = office.post(
        f"/api/callbacks/{callback['id']}/record/", {"result": "not_satisfied", "note": "还在流水"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["result"], response.json()["done_at"] is not None) == ("not_satisfied", True)
    again = vendor.get(f"/api/work-orders/{pk}/").json()
    assert (again["status"], again["round"], again["contract"]) == ("dispatched", 2, desk.contract_a)
    assert [(r["number"], r["reason"]) for r in again["rounds"]] == [(1, ""), (2, "还在流水")]
    assert again["rounds"][1]["completed_at"] is None
    assert [e["kind"] for e in again["events"]][-3:] == ["closed", "callback", "redo"]
    assert Callback.objects.get(pk=callback["id"]).done_by == desk.users["office"]
