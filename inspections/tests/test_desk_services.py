"""The service desk's services: intake for a caller, a work order's rounds and clocks, decline and reassignment,
completion evidence, the requester's confirmation, callbacks that send a job back for a redo, and the office's
ruling after the investigation. Worked examples with exact times (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections import desk_rules
from inspections.models import Callback, Complaint, WorkOrder, WorkOrderRound
from inspections.services import complaints as complaint_services
from inspections.services import desk
from inspections.tests.factories import desk_record, service_clock
from logistics.models import CalendarDay, Notification, ServiceCategory
from logistics.tests.factories import ServiceCategoryFactory, SiteFactory
from logistics.workdays import WorkCalendar, add_working_minutes

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("done.png", make_png(), content_type="image/png")


@pytest.fixture
def cleaning():
    return ServiceCategory.objects.get(code="cleaning")


@pytest.fixture
def site():
    return SiteFactory(code="admin-building", name="行政楼")


@pytest.fixture
def contract(vendor_a, cleaning, site):
    contract = ContractFactory(vendor=vendor_a, category=cleaning, number="HT-BJ-01")
    contract.sites.add(site)
    return contract


@pytest.fixture
def clock(cleaning):
    # normal: respond in 2 working hours, on site in 4, complete in 8 (one working day)
    return service_clock(cleaning, "normal", (120, 240, 480), working_hours_only=True)


@pytest.fixture
def now(monkeypatch):
    state = {"now": at(2026, 12, 4, 16, 0)}  # a Friday, 16:00
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def move(value: dt.datetime) -> None:
        state["now"] = value

    return move


# --- the clock in working hours ---------------------------------------------------------------------------
def test_working_minutes_skip_the_night_the_weekend_and_a_holiday():
    calendar = WorkCalendar({dt.date(2026, 12, 7): "holiday", dt.date(2026, 12, 12): "workday"})
    opens, closes = dt.time(8, 30), dt.time(17, 30)
    # Friday 16:00 + 120 min: 90 min on Friday, Monday is a holiday, 30 min on Tuesday -> Tuesday 09:00
    assert add_working_minutes(calendar, at(2026, 12, 4, 16, 0), 120, opens, closes) == at(2026, 12, 8, 9, 0)
    # before opening: the clock starts at the opening
    assert add_working_minutes(calendar, at(2026, 12, 8, 6, 0), 60, opens, closes) == at(2026, 12, 8, 9, 30)
    # a make-up working Saturday counts
    assert add_working_minutes(calendar, at(2026, 12, 11, 17, 0), 60, opens, closes) == at(2026, 12, 12, 9, 0)
    # exactly to the closing minute stays on that day
    assert add_working_minutes(calendar, at(2026, 12, 8, 17, 0), 30, opens, closes) == at(2026, 12, 8, 17, 30)


def test_a_clock_around_the_clock_ignores_the_calendar():
    spec = desk_rules.ClockSpec(30, 120, 480, working_hours_only=False)
    start = at(2026, 12, 5, 23, 0)  # Saturday night
    assert desk_rules.dues(spec, start, WorkCalendar(), dt.time(8, 30), dt.time(17, 30)) == (
        at(2026, 12, 5, 23, 30),
        at(2026, 12, 6, 1, 0),
        at(2026, 12, 6, 7, 0),
    )


def test_the_callback_sample_is_stable_and_always_includes_the_doubtful():
    assert desk_rules.needs_callback(order_id=7, confirmed=False, rating=None, percent=0, key="k")
    assert desk_rules.needs_callback(order_id=7, confirmed=True, rating=2, percent=0, key="k")
    assert not desk_rules.needs_callback(order_id=7, confirmed=True, rating=5, percent=0, key="k")
    assert desk_rules.needs_callback(order_id=7, confirmed=True, rating=5, percent=100, key="k")
    picked = [
        n for n in range(1, 201) if desk_rules.needs_callback(order_id=n, confirmed=True, rating=4, percent=20, key="k")
    ]
    assert picked == [
        n for n in range(1, 201) if desk_rules.needs_callback(order_id=n, confirmed=True, rating=4, percent=20, key="k")
    ]
    assert 20 <= len(picked) <= 60  # about a fifth of 200


# --- a repair from a hotline call to its closing ----------------------------------------------------------
def test_a_hotline_repair_is_dispatched_with_clocks_in_working_hours(
    now, office_user, vendor_user, contract, site, clock, django_capture_on_commit_callbacks
):
    CalendarDay.objects.create(date=dt.date(2026, 12, 7), kind="holiday", name="测试假日")
    with django_capture_on_commit_callbacks(execute=True):
        order = desk_record(
            "repair",
            contract,
            "水龙头漏水，地面有积水",
            office_user,
            site=site,
            location="三楼东侧卫生间",
            phone="13800001111",
        )
    assert isinstance(order, WorkOrder)
    assert (order.status, order.channel, order.recorded_by, order.rounds) == ("received", "hotline", office_user, 0)
    # the caller is sent the code by SMS (a mobile number and no email)
    sms = Notification.objects.filter(phone="13800001111")
    assert [n.channel for n in sms] == ["sms"] and order.tracking_code in sms.get().body
    desk.work_order_dispatch(order=order, contract=contract, by=office_user)
    job = WorkOrderRound.objects.get(order=order)
    # Friday 16:00; Monday 7 December a holiday: 90 min on Friday, the rest from Tuesday 08:30
    assert (job.response_due, job.arrival_due, job.completion_due) == (
        at(2026, 12, 8, 9, 0),
        at(2026, 12, 8, 11, 0),
        at(2026, 12, 8, 15, 0),
    )
    now(at(2026, 12, 8, 8, 45))
    desk.work_order_take(order=order, by=vendor_user)
    now(at(2026, 12, 8, 10, 30))
    desk.work_order_arrive(order=order, by=vendor_user)
    now(at(2026, 12, 8, 14, 0))
    # evidence is required: a note and a photo
    with pytest.raises(ValidationError) as refused:
        desk.work_order_complete(order=order, note="已更换阀芯", by=vendor_user)
    assert refused.value.message_dict == {"photos": ["请至少上传一张完工照片。"]}
    desk.work_order_complete(order=order, note="已更换阀芯", parts="阀芯 1 个", photos=[photo()], by=vendor_user)
    job.refresh_from_db()
    assert (job.accepted_at, job.arrived_at, job.completed_at, job.parts) == (
        at(2026, 12, 8, 8, 45),
        at(2026, 12, 8, 10, 30),
        at(2026, 12, 8, 14, 0),
        "阀芯 1 个",
    )
    # the requester confirms it fixed with 5 stars: closed; outside the sample, no callback
    with override_settings(DESK_CALLBACK_SAMPLE_PERCENT=0):
        desk.work_order_confirm(order=order, fixed=True, rating=5)
    order.refresh_from_db()
    assert (order.status, order.rating, order.callbacks.count()) == ("closed", 5, 0)


def test_not_fixed_and_a_callback_not_satisfied_each_send_the_job_back_to_the_same_vendor(
    now, office_user, vendor_user, contract, site, clock
):
    order = desk_record("repair", contract, "门锁坏了", office_user, channel="walk_in", site=site)
    desk.work_order_dispatch(order=order, contract=contract, by=office_user)
    desk.work_order_take(order=order, by=vendor_user)
    desk.work_order_complete(order=order, note="已修好", photos=[photo()], by=vendor_user)
    # not fixed, says the requester: round 2 to the same contract
    desk.work_order_confirm(order=order, fixed=False, reason="还是锁不上")
    order.refresh_from_db()
    assert (order.status, order.rounds, order.contract) == ("dispatched", 2, contract)
    desk.work_order_take(order=order, by=vendor_user)
    desk.work_order_complete(order=order, note="更换锁芯", photos=[photo()], by=vendor_user)
    # the office closes it without the requester's word: always called back
    desk.work_order_close(order=order, by=office_user)
    [callback] = Callback.objects.filter(work_order=order)
    assert (callback.number, callback.due_on, callback.contract) == (1, dt.date(2026, 12, 7), contract)
    # a callback before the job is closed is refused; "not satisfied" needs the reason
    with pytest.raises(ValidationError) as refused:
        desk.callback_record(callback=callback, result="not_satisfied", by=office_user)
    assert refused.value.message_dict == {"note": ["请记下来电人不满意之处。"]}
    desk.callback_record(callback=callback, result="not_satisfied", note="锁芯松动", by=office_user)
    order.refresh_from_db()
    assert (order.status, order.rounds) == ("dispatched", 3)
    assert list(order.round_set.values_list("number", "reason")) == [(1, ""), (2, "还是锁不上"), (3, "锁芯松动")]
    with pytest.raises(ValidationError) as refused:
        desk.callback_record(callback=callback, result="satisfied", by=office_user)
    assert refused.value.messages == ["这次回访已经记录过了。"]
    with pytest.raises(ValidationError) as refused:
        desk.callback_schedule(work_order=order, by=office_user)
    assert refused.value.messages == ["工单办结后才能回访。"]


def test_decline_and_reassignment_check_that_the_contract_serves_the_place(
    now, office_user, vendor_user, contract, site, clock, vendor_b, cleaning
):
    elsewhere = ContractFactory(vendor=vendor_b, category=cleaning, number="HT-BJ-02")
    elsewhere.sites.add(SiteFactory(code="library", name="图书馆"))
    catering = ContractFactory(
        vendor=vendor_b, number="HT-ST-01", category=ServiceCategoryFactory(code="catering", name="餐饮")
    )
    order = desk.desk_intake(
        kind="repair", channel="hotline", category=cleaning, site=site, description="地面破损", by=office_user
    )
    desk.work_order_dispatch(order=order, contract=contract, by=office_user)
    desk.work_order_decline(order=order, reason="不属于保洁范围", by=vendor_user)
    order.refresh_from_db()
    assert (order.status, order.declined_reason) == ("declined", "不属于保洁范围")
    desk.work_order_dispatch(order=order, contract=contract, by=office_user)
    for other, message in (
        (elsewhere, "合同 HT-BJ-02 不服务于行政楼。"),
        (catering, f"合同 HT-ST-01 的服务是餐饮，不是{cleaning}。"),
    ):
        with pytest.raises(ValidationError) as refused:
            desk.work_order_reassign(order=order, contract=other, reason="换一家", by=office_user)
        assert refused.value.message_dict == {"contract": [message]}
    order.refresh_from_db()
    assert (order.status, order.rounds, order.contract) == ("dispatched", 2, contract)  # nothing lost


def test_passed_clocks_escalate_once_each(now, office_user, vendor_user, contract, site, clock, make_user):
    head = make_user("office", username="head", email="head@example.cn")
    order = desk_record("repair", contract, "灯不亮", office_user, site=site)
    desk.work_order_dispatch(order=order, contract=contract, by=office_user)  # respond by Monday 09:00
    now(at(2026, 12, 7, 9, 1))
    with override_settings(DESK_ESCALATE_TO=["head"]):
        assert desk.work_orders_escalate() == 1
        assert desk.work_orders_escalate() == 0
    assert sorted(Notification.objects.filter(recipient=head).values_list("channel", "subject")) == [
        ("email", f"工单 GD-{order.pk:06d}：响应超时"),
        ("inbox", f"工单 GD-{order.pk:06d}：响应超时"),
    ]
    job = WorkOrderRound.objects.get(order=order)
    assert job.response_escalated_at == at(2026, 12, 7, 9, 1) and job.completion_escalated_at is None


# --- a complaint: ruling after the investigation, callback and redo ---------------------------------------
def test_a_complaint_is_ruled_after_the_vendors_answer_once_and_its_callback_can_send_it_back(
    now, office_user, vendor_user, contract, site
):
    complaint = desk_record("complaint", contract, "保洁员态度差", office_user, site=site)
    assert isinstance(complaint, Complaint) and (complaint.channel, complaint.recorded_by) == ("hotline", office_user)
    complaint_services.complaint_accept(complaint=complaint, contract=contract, by=office_user)
    with pytest.raises(ValidationError) as refused:
        complaint_services.complaint_rule(complaint=complaint, upheld=True, reason="x", by=office_user)
    assert refused.value.messages == ["请在服务企业答复后再认定（调查需要听取其说明）。"]
    complaint_services.complaint_answer(complaint=complaint, response="已批评教育", by=vendor_user)
    with pytest.raises(ValidationError) as refused:
        complaint_services.complaint_close(complaint=complaint, reply="已处理", by=office_user)
    assert refused.value.messages == ["请先认定投诉是否属实（并写明理由），再办结。"]
    complaint_services.complaint_rule(complaint=complaint, upheld=True, reason="监控核实属实", by=office_user)
    with pytest.raises(ValidationError) as refused:
        complaint_services.complaint_rule(complaint=complaint, upheld=False, reason="复核", by=office_user)
    assert refused.value.messages == ["这件投诉已经认定过了。"]
    complaint_services.complaint_close(complaint=complaint, reply="已约谈服务企业", by=office_user)
    [callback] = complaint.callbacks.all()
    desk.callback_record(callback=callback, result="not_satisfied", note="态度仍未改善", by=office_user)
    complaint.refresh_from_db()
    assert complaint.status == "dispatched" and complaint.upheld is True
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["closed", "callback", "redo", "dispatched"]


def test_a_suggestion_is_answered_by_the_office_and_may_go_on_the_board(now, office_user, contract):
    suggestion = desk_record(
        "suggestion",
        contract,
        "建议在一楼大厅增加饮水机，张三 13800002222",
        office_user,
        channel="mailbox",
        name="张三",
    )
    with pytest.raises(ValidationError):
        complaint_services.complaint_rule(complaint=suggestion, upheld=True, reason="x", by=office_user)
    complaint_services.complaint_reply(complaint=suggestion, reply="已采纳，下月安装。", by=office_user)
    desk.complaint_publish(
        complaint=suggestion, text="建议在一楼大厅增加饮水机。", reply="已采纳，下月安装。", by=office_user
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.board_text) == ("closed", "建议在一楼大厅增加饮水机。")
    assert suggestion.board_published_at is not None


def test_an_anonymous_hotline_record_keeps_no_contact(now, office_user, contract):
    order = desk_record("repair", contract, "电梯异响", office_user, anonymous=True, name="王老师", phone="13800003333")
    assert (order.name, order.phone, order.email) == ("", "", "")
    assert not Notification.objects.filter(phone="13800003333").exists()


def test_a_job_declined_as_another_service_is_dispatched_to_the_right_one(
    now, office_user, vendor_user, contract, site, vendor_b
):
    catering = ServiceCategoryFactory(code="catering", name="餐饮")
    canteen = ContractFactory(vendor=vendor_b, category=catering, number="HT-ST-01")
    order = desk_record("repair", contract, "食堂灶台漏气", office_user, site=site)
    desk.work_order_dispatch(order=order, contract=contract, by=office_user)
    desk.work_order_decline(order=order, reason="灶台不属于保洁服务", by=vendor_user)
    desk.work_order_dispatch(order=order, contract=canteen, category=catering, by=office_user)
    order.refresh_from_db()
    assert (order.status, order.category, order.contract, order.rounds) == ("dispatched", catering, canteen, 2)


def test_each_clock_is_judged_once_in_the_quarter_it_falls_due():
    q4 = (at(2026, 10, 1, 0, 0), at(2027, 1, 1, 0, 0))
    q1 = (at(2027, 1, 1, 0, 0), at(2027, 4, 1, 0, 0))
    # sent on 31 December at 16:00, taken at 16:30, due on 4 January, completed on 5 January (late)
    job = desk_rules.RoundFacts(
        contract_id=1,
        dispatched_at=at(2026, 12, 31, 16, 0),
        response_due=at(2026, 12, 31, 17, 0),
        completion_due=at(2027, 1, 4, 12, 0),
        accepted_at=at(2026, 12, 31, 16, 30),
        declined_at=None,
        completed_at=at(2027, 1, 5, 9, 0),
        withdrawn_at=None,
        escalations=1,
        number=1,
        order_id=1,
    )
    fourth, first = desk_rules.DeskFigures(), desk_rules.DeskFigures()
    desk_rules.add_round(fourth, job, at(2027, 1, 1, 0, 0), q4)
    desk_rules.add_round(first, job, at(2027, 4, 1, 0, 0), q1)
    # counted and its response judged in 2026Q4; its completion judged (missed) in 2027Q1 only
    assert (fourth.rounds, fourth.response_judged, fourth.response_kept, fourth.completion_judged) == (1, 1, 1, 0)
    assert (first.rounds, first.response_judged, first.completion_judged, first.completion_kept) == (0, 0, 1, 0)
    assert [r.order_id for r in first.late_rounds] == [1] and not fourth.late_rounds
