"""The service desk's scheduled work and its demo: the clocks' escalation every 10 minutes (each passed clock once,
to the office head or the office), the morning list of completed work orders nobody confirmed, their beat rows,
and the demo's four weeks of requests in every state."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections import demo_desk, models, tasks
from inspections.choices import CallbackResult, WorkOrderStatus
from inspections.services import desk
from inspections.tests.factories import service_clock
from logistics.models import Notification, ServiceCategory
from logistics.tests.factories import KeyPointFactory, SiteFactory, VendorFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def now(monkeypatch):
    state = {"now": at(2026, 12, 4, 10, 0)}  # a Friday
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def move(value: dt.datetime) -> None:
        state["now"] = value

    return move


@pytest.fixture
def cleaning():
    category = ServiceCategory.objects.get(code="cleaning")
    # urgent, around the clock: respond in 30 minutes, on site in 2 hours, done in 8
    service_clock(category, "urgent", (30, 120, 480))
    return category


@pytest.fixture
def chief(make_user):
    return make_user("office", username="chief", is_staff=True)


@pytest.fixture
def order(now, office_user, chief, vendor_a, vendor_user, cleaning):
    site = SiteFactory(code="admin-building", name="行政楼")
    contract = ContractFactory(vendor=vendor_a, category=cleaning, number="HT-BJ-01")
    contract.sites.add(site)
    job = desk.work_order_submit(category=cleaning, description="一楼大厅地面积水", site=site, by=office_user)
    return desk.work_order_dispatch(order=job, contract=contract, priority="urgent", by=office_user)


def escalation_inbox() -> dict[str, int]:
    rows = Notification.objects.filter(dedup_key__startswith="workorder-escalated:", channel="inbox")
    counts: dict[str, int] = {}
    for username in rows.values_list("recipient__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


# --- escalation -------------------------------------------------------------------------------------------
@override_settings(DESK_ESCALATE_TO=[])
def test_the_escalation_task_escalates_each_passed_clock_once_to_the_office(now, order):
    # given an urgent order dispatched at 10:00 (respond by 10:30, on site by 12:00, done by 18:00), not taken
    # when the task runs at 10:45, and again
    now(at(2026, 12, 4, 10, 45))
    assert tasks.work_orders_escalate_task() == 1
    assert tasks.work_orders_escalate_task() == 0
    # then at 18:30 the two other clocks, once
    now(at(2026, 12, 4, 18, 30))
    assert tasks.work_orders_escalate_task() == 2
    assert tasks.work_orders_escalate_task() == 0
    job = models.WorkOrderRound.objects.get(order=order)
    assert (job.response_escalated_at, job.arrival_escalated_at, job.completion_escalated_at) == (
        at(2026, 12, 4, 10, 45),
        at(2026, 12, 4, 18, 30),
        at(2026, 12, 4, 18, 30),
    )
    assert models.WorkOrderEvent.objects.filter(order=order, kind="escalated").count() == 3
    # each office user (the office head among them) and the vendor's staff read one notice per clock
    assert escalation_inbox() == {"office1": 3, "chief": 3, "vendor-a": 3}


@override_settings(DESK_ESCALATE_TO=["chief"])
def test_with_escalation_users_set_only_they_of_the_office_are_told(now, order):
    now(at(2026, 12, 4, 12, 30))
    assert tasks.work_orders_escalate_task() == 2  # response and arrival
    assert tasks.work_orders_escalate_task() == 0
    assert escalation_inbox() == {"chief": 2, "vendor-a": 2}


def test_a_taken_order_on_site_in_time_escalates_only_its_completion(now, order, vendor_user):
    now(at(2026, 12, 4, 10, 20))
    desk.work_order_arrive(order=order, by=vendor_user)  # on site takes the job: response and arrival kept
    now(at(2026, 12, 4, 19, 0))
    assert tasks.work_orders_escalate_task() == 1
    job = models.WorkOrderRound.objects.get(order=order)
    assert (job.response_escalated_at, job.arrival_escalated_at) == (None, None)
    assert job.completion_escalated_at == at(2026, 12, 4, 19, 0)


# --- completed, not confirmed ---------------------------------------------------------------------------------
@override_settings(DESK_CONFIRM_DAYS=3)
def test_a_completed_order_unconfirmed_after_the_days_is_listed_for_the_office_once(now, order, vendor_user):
    # given the order taken and completed on Friday at 10:30
    now(at(2026, 12, 4, 10, 30))
    desk.work_order_take(order=order, by=vendor_user)
    photo = SimpleUploadedFile("done.png", make_png(), content_type="image/png")
    desk.work_order_complete(order=order, note="已清理积水并放置警示牌", photos=[photo], by=vendor_user)
    # when the morning task runs on Monday at 09:00 (not three days yet), then on Tuesday twice
    now(at(2026, 12, 7, 9, 0))
    assert tasks.work_orders_remind_confirm_task() == 0
    now(at(2026, 12, 8, 9, 0))
    assert tasks.work_orders_remind_confirm_task() == 1
    assert tasks.work_orders_remind_confirm_task() == 0
    # then each office user read it once; the vendor was not told
    rows = Notification.objects.filter(dedup_key__startswith="workorder-confirm-overdue:", channel="inbox")
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["chief", "office1"]
    assert order.reference in rows.first().subject
    # and once confirmed, it is listed no more (nor is a new order)
    desk.work_order_confirm(order=order, fixed=True, rating=5)
    now(at(2026, 12, 12, 9, 0))
    assert tasks.work_orders_remind_confirm_task() == 0


# --- the beat -------------------------------------------------------------------------------------------------
def test_the_desk_beat_rows_exist_after_migrate():
    escalate = PeriodicTask.objects.get(task="inspections.tasks.work_orders_escalate_task")
    assert escalate.name == "服务台：工单超时督办（每10分钟）"
    assert (escalate.interval.every, escalate.interval.period, escalate.enabled) == (10, "minutes", True)
    remind = PeriodicTask.objects.get(task="inspections.tasks.work_orders_remind_confirm_task")
    crontab = remind.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == (
        "0",
        "9",
        "*",
        "Asia/Shanghai",
    )


# --- the demo -------------------------------------------------------------------------------------------------
DEMO_WORLD = {  # the demo contracts the test needs, with the demo's sites and key points
    "equipment": {"main-office": ["corridor", "toilet-std", "pantry"], "plant-room": ["chiller", "generator"]},
    "cleaning": {"main-1f": ["lobby", "toilet-1f"], "main-office": []},
    "canteen": {"canteen": ["dining-hall"]},
}


def demo_context(office) -> dict:
    contracts = {}
    for key, sites in DEMO_WORLD.items():
        contract = ContractFactory(
            vendor=VendorFactory(), category=ServiceCategory.objects.get(code=key), number=f"HT-DEMO-{key.upper()}"
        )
        for code, points in sites.items():
            site = SiteFactory(code=code)
            for point in points:
                KeyPointFactory(site=site, code=point)
            contract.sites.add(site)
        contracts[key] = contract
    return {"contracts": contracts, "users": {"office": office}}


def test_the_demo_desk_holds_work_orders_in_every_status_and_runs_once(office_user):
    # given three of the demo's contracts (the requests of the others are left out)
    context = demo_context(office_user)
    # when the desk's demo is seeded
    made = demo_desk.seed(context)
    # then the work orders are in every status, some escalated, one done again in a second round
    assert made["work_orders"] == models.WorkOrder.objects.count() > 15
    assert set(models.WorkOrder.objects.values_list("status", flat=True)) == set(WorkOrderStatus.values)
    assert models.WorkOrderEvent.objects.filter(kind="escalated").exists()
    redo = models.WorkOrder.objects.get(rounds=2)
    assert (redo.status, redo.rating) == (WorkOrderStatus.CLOSED, 5)
    assert redo.callbacks.filter(result=CallbackResult.NOT_SATISFIED).exists()
    results = set(models.Callback.objects.exclude(result="").values_list("result", flat=True))
    assert results == set(CallbackResult.values)
    # complaints: one upheld, one not, an answered suggestion on the board in words of its own
    assert sorted(models.Complaint.objects.exclude(upheld=None).values_list("upheld", flat=True)) == [False, True]
    board = models.Complaint.objects.get(board_published_at__isnull=False)
    assert "13911230000" in board.description and "13911230000" not in board.board_text
    # the clocks of the demo's services: three priorities each
    assert models.ServiceClock.objects.filter(category__code__in=demo_desk.CLOCK_CATEGORIES).count() == 18
    # every time is in the past and in order: the rounds' clocks after their dispatch, what was done after that
    moment = timezone.now()
    assert not models.WorkOrderEvent.objects.filter(at__gt=moment).exists()
    assert not models.ComplaintEvent.objects.filter(at__gt=moment).exists()
    for job in models.WorkOrderRound.objects.select_related("order"):
        assert job.order.received_at <= job.dispatched_at <= job.response_due <= job.completion_due
        steps = [job.dispatched_at, job.accepted_at, job.arrived_at, job.completed_at]
        done = [step for step in steps if step is not None]
        assert done == sorted(done) and done[-1] <= moment, job
    # and a second run changes nothing
    counts = (models.WorkOrder.objects.count(), models.Complaint.objects.count(), Notification.objects.count())
    assert demo_desk.seed(context) == {}
    assert (models.WorkOrder.objects.count(), models.Complaint.objects.count(), Notification.objects.count()) == counts
