"""The service desk's quarter (issue 20, "Into the quarter"): a worked example built through the desk's services
with exact times (Asia/Shanghai), its figures per contract from ``selectors_desk.desk_figures`` and the
``service_desk`` command, and the figures' queries flat in the data's size.

Contract A (HT-BJ-01) and contract B (HT-BJ-02) both clean the administration building, 2026Q4; every clock
runs around the clock: respond in 60 minutes, on site in 120, complete in 240.

======  ====================================  ==========  ============  ==============================
order   what happens                          round       response      completion
======  ====================================  ==========  ============  ==============================
GD1     hotline, key point KP1, Oct 12 09:00  A #1        09:30 kept    12:00 kept
        requester: not fixed, 14:00           A #2 redo   15:30 missed  19:00 missed (late)
GD2     web, the site, Nov 2 09:00            A #1        declined      not judged (declined)
        dispatched again to B, 09:40          B #2        kept          kept
GD3     hotline, the site, Nov 10 09:00       A #1        not judged    not judged (reassigned 09:30)
        reassigned to B                       B #2        kept          kept
GD5     hotline, key point KP2, Dec 7 09:00   A #1        missed        missed (reassigned 14:00, late)
        reassigned to B                       B #2        kept          kept
GD4     WeChat, the site, Dec 31 22:00        A #1        22:30 kept    running at the quarter's end
======  ====================================  ==========  ============  ==============================

A: response 3 of 5 = 60.00, completion 1 of 3 = 33.33, R = (60.00 + 33.33) / 2 = 46.665 -> 46.67 (half up);
B: 3 of 3 each, R = 100.00. GD4 is completed on 1 January, after the quarter: not seen, its clock not judged.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from conftest import make_png
from contracts.tests.factories import ContractFactory
from inspections import desk_rules, selectors_desk
from inspections.choices import WorkOrderStatus
from inspections.models import Callback, Complaint, WorkOrder
from inspections.services import complaints as complaint_services
from inspections.services import desk
from inspections.tests.factories import round_written, service_clock, work_order_written
from logistics.models import ServiceCategory
from logistics.quarters import Quarter
from logistics.tests.factories import KeyPointFactory, SiteFactory
from scoring import services as scoring_services
from scoring.models import EvaluationScheme

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
Q4 = Quarter(2026, 4)
D = Decimal


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("done.png", make_png(), content_type="image/png")


@pytest.fixture
def now(monkeypatch):
    state = {"now": at(2026, 9, 20, 10, 0)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def move(*args: int) -> None:
        state["now"] = at(*args)

    return move


@pytest.fixture
def quarter(now, settings, office_user, vendor_user, vendor_b_user, vendor_a, vendor_b):
    """The worked example of the module's docstring, built through the desk's services."""
    settings.DESK_CALLBACK_SAMPLE_PERCENT = 0  # a job confirmed fixed with 5 stars is not called back
    cleaning = ServiceCategory.objects.get(code="cleaning")
    service_clock(cleaning, "normal", (60, 120, 240))
    site = SiteFactory(code="admin-building", name="行政楼")
    kp1 = KeyPointFactory(site=site, code="wc-3f", name="三楼卫生间")
    kp2 = KeyPointFactory(site=site, code="lobby", name="一楼大厅")
    a = ContractFactory(vendor=vendor_a, category=cleaning, number="HT-BJ-01")
    a.sites.add(site)
    b = ContractFactory(vendor=vendor_b, category=cleaning, number="HT-BJ-02")  # the whole institution

    def repair(channel: str, key_point=None, by=office_user) -> WorkOrder:
        return desk.work_order_submit(
            channel=channel, category=cleaning, site=site, key_point=key_point, description="需要维修", by=by
        )

    def complete(order: WorkOrder, by) -> None:
        desk.work_order_complete(order=order, note="已处理", photos=[photo()], by=by)

    def work(order: WorkOrder, by, taken: tuple[int, ...], completed: tuple[int, ...]) -> None:
        """``by`` takes ``order`` at the time ``taken`` and completes it at the time ``completed``."""
        now(*taken)
        desk.work_order_take(order=order, by=by)
        now(*completed)
        complete(order, by)

    def complaint(channel: str, kind: str = "complaint", key_point=None) -> Complaint:
        return complaint_services.complaint_submit(
            category=cleaning, site=site, key_point=key_point, description="地面脏", kind=kind, channel=channel
        )

    # September: a complaint at KP1 under A (the look-back of the repeat rate only)
    complaint("web", key_point=kp1)
    complaint_services.complaint_accept(complaint=Complaint.objects.get(), contract=a, by=office_user)

    # GD1: done on time, not fixed, redone late; closed by the office and called back: satisfied
    now(2026, 10, 12, 9, 0)
    gd1 = repair("hotline", kp1)
    desk.work_order_dispatch(order=gd1, contract=a, by=office_user)
    work(gd1, vendor_user, taken=(2026, 10, 12, 9, 30), completed=(2026, 10, 12, 12, 0))
    now(2026, 10, 12, 14, 0)
    desk.work_order_confirm(order=gd1, fixed=False, reason="还在漏水")
    now(2026, 10, 12, 15, 10)
    assert desk.work_orders_escalate() == 1  # round 2's response
    now(2026, 10, 12, 15, 30)
    desk.work_order_take(order=gd1, by=vendor_user)
    now(2026, 10, 12, 18, 30)
    assert desk.work_orders_escalate() == 2  # its arrival and its completion
    now(2026, 10, 12, 19, 0)
    complete(gd1, vendor_user)
    now(2026, 10, 13, 9, 0)
    desk.work_order_close(order=gd1, by=office_user)
    now(2026, 10, 14, 10, 0)
    desk.callback_record(callback=Callback.objects.get(work_order=gd1), result="satisfied", by=office_user)

    # a complaint at KP1 eight days after GD1: upheld, closed, called back "not satisfied": sent back
    now(2026, 10, 20, 10, 0)
    c1 = complaint("web", key_point=kp1)
    complaint_services.complaint_accept(complaint=c1, contract=a, by=office_user)
    complaint_services.complaint_answer(complaint=c1, response="已重新清洁", by=vendor_user)
    complaint_services.complaint_rule(complaint=c1, upheld=True, reason="现场核实", by=office_user)
    complaint_services.complaint_close(complaint=c1, reply="已处理", by=office_user)
    now(2026, 10, 21, 10, 0)
    desk.callback_record(callback=c1.callbacks.get(), result="not_satisfied", note="仍然很脏", by=office_user)

    # a suggestion by the leaders' mailbox at KP1: received, never a repeat
    now(2026, 10, 25, 10, 0)
    suggestion = complaint("mailbox", kind="suggestion", key_point=kp1)
    complaint_services.complaint_accept(complaint=suggestion, contract=a, by=office_user)

    # GD2: declined by A in time, done by B
    now(2026, 11, 2, 9, 0)
    gd2 = repair("web", by=None)
    desk.work_order_dispatch(order=gd2, contract=a, by=office_user)
    now(2026, 11, 2, 9, 20)
    desk.work_order_decline(order=gd2, reason="不属于本合同", by=vendor_user)
    now(2026, 11, 2, 9, 40)
    desk.work_order_dispatch(order=gd2, contract=b, by=office_user)
    work(gd2, vendor_b_user, taken=(2026, 11, 2, 9, 50), completed=(2026, 11, 2, 11, 0))
    desk.work_order_confirm(order=gd2, fixed=True, rating=5)

    # GD3: reassigned from A to B before A's clocks passed
    now(2026, 11, 10, 9, 0)
    gd3 = repair("hotline")
    desk.work_order_dispatch(order=gd3, contract=a, by=office_user)
    now(2026, 11, 10, 9, 30)
    desk.work_order_reassign(order=gd3, contract=b, reason="甲方人手不足", by=office_user)
    work(gd3, vendor_b_user, taken=(2026, 11, 10, 9, 40), completed=(2026, 11, 10, 11, 0))
    desk.work_order_confirm(order=gd3, fixed=True, rating=5)

    # a walk-in complaint at KP2: not upheld, closed, the caller could not be reached
    now(2026, 12, 1, 10, 0)
    c2 = desk.desk_intake(
        kind="complaint",
        channel="walk_in",
        category=cleaning,
        site=site,
        key_point=kp2,
        description="大厅地面湿滑",
        by=office_user,
    )
    complaint_services.complaint_accept(complaint=c2, contract=a, by=office_user)
    complaint_services.complaint_answer(complaint=c2, response="已放置警示牌", by=vendor_user)
    complaint_services.complaint_rule(complaint=c2, upheld=False, reason="非保洁原因", by=office_user)
    complaint_services.complaint_close(complaint=c2, reply="已处理", by=office_user)
    now(2026, 12, 2, 10, 0)
    desk.callback_record(callback=c2.callbacks.get(), result="unreachable", by=office_user)

    # GD5: A lets every clock pass; reassigned to B after them
    now(2026, 12, 7, 9, 0)
    gd5 = repair("hotline", kp2)
    desk.work_order_dispatch(order=gd5, contract=a, by=office_user)
    now(2026, 12, 7, 10, 5)
    assert desk.work_orders_escalate() == 1
    now(2026, 12, 7, 13, 10)
    assert desk.work_orders_escalate() == 2
    now(2026, 12, 7, 14, 0)
    desk.work_order_reassign(order=gd5, contract=b, reason="甲方未响应", by=office_user)
    work(gd5, vendor_b_user, taken=(2026, 12, 7, 14, 10), completed=(2026, 12, 7, 15, 0))
    desk.work_order_confirm(order=gd5, fixed=True, rating=5)

    # GD4: dispatched on New Year's Eve, taken in time, completed after the quarter
    now(2026, 12, 31, 22, 0)
    gd4 = repair("wechat")
    desk.work_order_dispatch(order=gd4, contract=a, by=office_user)
    work(gd4, vendor_user, taken=(2026, 12, 31, 22, 30), completed=(2027, 1, 1, 1, 0))

    now(2027, 1, 5, 9, 0)
    return {"a": a, "b": b, "gd1": gd1, "gd2": gd2, "gd3": gd3, "gd4": gd4, "gd5": gd5}


def expected(quarter: dict) -> dict:
    gd1, gd5 = quarter["gd1"], quarter["gd5"]
    return {
        "quarter": "2026Q4",
        "as_of": "2027-01-01T00:00:00+08:00",
        "contracts": [
            {
                "contract": "HT-BJ-01",
                "received": {
                    "hotline": {"repair": 1},
                    "mailbox": {"suggestion": 1},
                    "walk_in": {"complaint": 1},
                    "web": {"complaint": 1},
                    "wechat": {"repair": 1},
                },
                "received_total": 5,
                "rounds": 6,
                "redo_rounds": 1,
                "response": {"kept": 3, "judged": 5, "rate": "60.00"},
                "completion": {"kept": 1, "judged": 3, "rate": "33.33"},
                "late_rounds": [f"{gd1.reference} #2", f"{gd5.reference} #1"],
                "escalations": 6,
                "callbacks": {
                    "due": 3,
                    "not_done": 0,
                    "done": 3,
                    "results": {"not_satisfied": 1, "satisfied": 1, "unreachable": 1},
                    "complaints": {"not_satisfied": 1, "unreachable": 1},
                    "work_orders": {"satisfied": 1},
                },
                "callback_satisfaction": "50.00",
                "complaint_reopens": 1,
                # GD1 follows September's complaint at KP1 (three weeks), the October complaint follows GD1 (8 days)
                "repeats": {"repeats": 2, "reports": 4, "rate": "50.00"},
                "R": "46.67",
                "R_weight": "10.00",
            },
            {
                "contract": "HT-BJ-02",
                "received": {"hotline": {"repair": 2}, "web": {"repair": 1}},  # the orders its latest rounds hold
                "received_total": 3,
                "rounds": 3,
                "redo_rounds": 0,  # after a decline or a reassignment: a new dispatch, not a redo
                "response": {"kept": 3, "judged": 3, "rate": "100.00"},
                "completion": {"kept": 3, "judged": 3, "rate": "100.00"},
                "late_rounds": [],
                "escalations": 0,
                "callbacks": {"due": 0, "not_done": 0, "done": 0, "results": {}, "complaints": {}, "work_orders": {}},
                "callback_satisfaction": None,
                "complaint_reopens": 0,
                "repeats": {"repeats": 1, "reports": 3, "rate": "33.33"},  # GD3 follows GD2 at the site (8 days)
                "R": "100.00",
                "R_weight": "10.00",
            },
        ],
    }


def weigh_r(office_user, weight: str = "10") -> None:
    scheme = EvaluationScheme.objects.get(family="default", is_current=True)
    scoring_services.scheme_save(
        scheme=scheme, changes={"weight_satisfaction": D(20) - D(weight), "weight_r": D(weight)}, by=office_user
    )


def command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("service_desk", *args, stdout=out)
    return out.getvalue()


def test_the_worked_quarter_gives_exact_figures(quarter, office_user):
    figures = selectors_desk.desk_figures(Q4, [quarter["a"], quarter["b"]])
    a, b = figures[quarter["a"].pk], figures[quarter["b"].pk]
    assert (a.response_rate, a.completion_rate, a.score()) == (D("60.00"), D("33.33"), D("46.67"))
    assert (b.response_rate, b.completion_rate, b.score()) == (D("100.00"), D("100.00"), D("100.00"))
    assert a.callback_satisfaction == D("50.00") and b.callback_satisfaction is None
    [redo, withdrawn] = a.late_rounds
    assert (redo.completion_due, redo.completed_at) == (at(2026, 10, 12, 18, 0), at(2026, 10, 12, 19, 0))
    assert (withdrawn.completion_due, withdrawn.completed_at, withdrawn.withdrawn_at) == (
        at(2026, 12, 7, 13, 0),
        None,
        at(2026, 12, 7, 14, 0),
    )
    # the scheme does not weigh R: the command says nothing of it
    data = json.loads(command("2026Q4", "--json"))
    assert [(row["R"], row["R_weight"]) for row in data["contracts"]] == [(None, None), (None, None)]
    # a scheme weighing R: the command prints it, and the whole quarter is as worked out above
    weigh_r(office_user)
    assert json.loads(command("2026Q4", "--json")) == expected(quarter)
    only_b = json.loads(command("2026Q4", "--contract", "HT-BJ-02", "--json"))
    assert only_b["contracts"] == expected(quarter)["contracts"][1:]


def test_during_the_quarter_a_clock_is_judged_as_it_stands(quarter, now):
    # on 7 December at 12:00 GD5's response clock has passed (missed), its completion clock runs (13:00)
    figures = selectors_desk.desk_figures(Q4, [quarter["a"]], as_of=at(2026, 12, 7, 12, 0))[quarter["a"].pk]
    assert (figures.rounds, figures.response_kept, figures.response_judged) == (5, 2, 4)
    assert (figures.completion_kept, figures.completion_judged, figures.escalations) == (1, 2, 4)
    # before 1 October: nothing of the quarter yet
    empty = selectors_desk.desk_figures(Q4, [quarter["a"]], as_of=at(2026, 9, 30, 12, 0))[quarter["a"].pk]
    assert (empty.rounds, empty.received_total, empty.repeat_base, empty.score()) == (0, 0, 0, None)


def test_the_table_reads_in_both_languages(quarter, office_user):
    weigh_r(office_user)
    english = command("2026Q4", "--contract", "HT-BJ-01", "--language", "en")
    assert "Service desk 2026Q4, as of 2027-01-01 00:00" in english
    assert "On-time response" in english and "60.00% (3 of 5)" in english
    assert "On-time completion" in english and "33.33% (1 of 3)" in english
    assert "Callback satisfaction" in english and "R · on-time work orders (weight 10.00%)" in english
    assert "46.67" in english
    chinese = command("2026Q4", "--contract", "HT-BJ-01", "--language", "zh-hans")
    assert "服务台 2026Q4" in chinese and "按时响应" in chinese and "60.00%（5 件中 3 件）" in chinese
    assert "回访满意度" in chinese and "50.00%" in chinese


def _jobs(contracts: list, cleaning, site, office_user, count: int) -> None:
    """Per contract ``count`` work orders with two rounds each (a redo), a complaint and callbacks, written
    directly (the services are the worked example's)."""
    for contract in contracts:
        for n in range(count):
            received = at(2026, 10, 5 + n, 9, 0)
            order = work_order_written(contract, site, received, WorkOrderStatus.CLOSED, rounds=2)
            for number in (1, 2):
                start = received + dt.timedelta(hours=3 * (number - 1))
                round_written(
                    order,
                    number,
                    start,
                    accepted_after=dt.timedelta(minutes=30),
                    completion_due_after=dt.timedelta(hours=2),
                    completed_at=start + dt.timedelta(hours=2 + number - 1),
                    response_escalated_at=start + dt.timedelta(hours=1),
                )
            called_back = {
                "contract": contract,
                "created_at": received,
                "due_on": received.date() + dt.timedelta(days=3),
                "done_at": received + dt.timedelta(days=1),
            }
            Callback.objects.create(work_order=order, result="satisfied", **called_back)
            complaint = Complaint.objects.create(
                category=cleaning, site=site, description="x", contract=contract, status="closed"
            )
            Complaint.objects.filter(pk=complaint.pk).update(created_at=received)
            Callback.objects.create(complaint=complaint, result="not_satisfied", note="x", **called_back)


def test_the_figures_cost_the_same_queries_for_2_and_10_contracts_and_orders(office_user, count_queries):
    cleaning = ServiceCategory.objects.get(code="cleaning")
    site = SiteFactory()
    two = [ContractFactory(category=cleaning) for _ in range(2)]
    _jobs(two, cleaning, site, office_user, 2)
    small, few = count_queries(lambda: selectors_desk.desk_figures(Q4, two, as_of=at(2026, 12, 1, 0, 0)))
    ten = two + [ContractFactory(category=cleaning) for _ in range(8)]
    _jobs(ten[2:], cleaning, site, office_user, 10)
    large, many = count_queries(lambda: selectors_desk.desk_figures(Q4, ten, as_of=at(2026, 12, 1, 0, 0)))
    rounds_only, _figures = count_queries(lambda: selectors_desk.desk_figures(Q4, ten, rounds_only=True))
    assert small == large == 4  # rounds, complaints, work orders, callbacks
    assert rounds_only == 1
    one = few[two[0].pk]
    assert (one.rounds, one.redo_rounds, one.response_kept, one.completion_kept, one.completion_judged) == (
        4,
        2,
        4,
        2,
        4,
    )
    last = many[ten[-1].pk]
    assert (last.rounds, last.escalations, last.callbacks, last.complaint_reopens) == (
        20,
        20,
        {"satisfied": 10, "not_satisfied": 10},
        10,
    )
    assert (last.received_total, last.repeats, last.repeat_base) == (20, 19, 20)
    assert desk_rules.total(many.values()).rounds == 2 * 4 + 8 * 20
