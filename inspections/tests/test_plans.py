"""Plans, rounds and coverage: placement by the official calendar, windows, done / late / missed, a plan
changed mid-quarter, a night shift, and the coverage command (ARCHITECTURE.md, "Inspection plans, rounds and
coverage"; README, "Plans, rounds and coverage")."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from inspections import planning
from inspections.choices import PlanFrequency, RoundStatus, Shift
from inspections.models import Inspection, InspectionPlan, Round
from inspections.services import inspections as inspection_services
from inspections.services import plans as svc
from inspections.tests.factories import assigned_contract, make_template, tablet_data
from logistics.models import CalendarDay, Notification
from logistics.services.calendar import calendar_import
from logistics.tests.factories import KeyPointFactory, SiteFactory
from logistics.workdays import HOLIDAY, WORKDAY, WorkCalendar

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SH)


@contextmanager
def clock(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- the calendar and placement (pure) ------------------------------------------------------------------
SEPTEMBER = WorkCalendar(
    {D(2026, 9, 20): WORKDAY, D(2026, 9, 25): HOLIDAY, D(2026, 9, 26): HOLIDAY, D(2026, 9, 27): HOLIDAY}
)


def test_working_days_follow_the_holidays_and_the_make_up_days():
    days = list(SEPTEMBER.working_days(D(2026, 9, 1), D(2026, 9, 30)))
    # 22 weekdays, less the Mid-autumn Friday (25th), plus the make-up Sunday (20th)
    assert len(days) == 22
    assert D(2026, 9, 20) in days and D(2026, 9, 25) not in days and D(2026, 9, 19) not in days


def test_a_weekly_round_on_a_holiday_moves_within_its_week():
    plan = planning.PlanSpec(PlanFrequency.WEEKLY, D(2026, 9, 1), weekday=4)  # Fridays
    # Friday the 25th is a holiday and so are Saturday and Sunday: the previous working day, Thursday the 24th
    assert planning.due_days(plan, D(2026, 9, 1), D(2026, 9, 30), SEPTEMBER) == [
        D(2026, 9, 4),
        D(2026, 9, 11),
        D(2026, 9, 18),
        D(2026, 9, 24),
    ]
    monday = planning.PlanSpec(PlanFrequency.WEEKLY, D(2026, 9, 1), weekday=5)  # Saturdays: the next working day
    assert planning.due_days(monday, D(2026, 9, 14), D(2026, 9, 20), SEPTEMBER) == [D(2026, 9, 20)]


def test_fortnightly_and_monthly_placement():
    fortnight = planning.PlanSpec(PlanFrequency.FORTNIGHTLY, D(2026, 9, 2), weekday=2)  # every other Wednesday
    assert planning.due_days(fortnight, D(2026, 9, 1), D(2026, 9, 30), SEPTEMBER) == [
        D(2026, 9, 2),
        D(2026, 9, 16),
        D(2026, 9, 30),
    ]
    monthly = planning.PlanSpec(PlanFrequency.MONTHLY, D(2026, 9, 1), day_of_month=26)  # the 26th is a holiday
    assert planning.due_days(monthly, D(2026, 9, 1), D(2026, 9, 30), SEPTEMBER) == [D(2026, 9, 28)]


def test_a_night_window_closes_the_next_morning():
    plan = planning.PlanSpec(
        PlanFrequency.EVERY_DAY, D(2026, 9, 1), shift=Shift.NIGHT, window_start=dt.time(22), window_end=dt.time(6)
    )
    opens, closes, late_until = planning.window(plan, D(2026, 9, 30), SH)
    assert (opens, closes, late_until) == (at(D(2026, 9, 30), 22), at(D(2026, 10, 1), 6), at(D(2026, 10, 2), 6))


def test_the_official_calendar_is_imported_once_and_keeps_the_office_days():
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarDay.objects.create(date=D(2026, 6, 1), kind=HOLIDAY, name="校庆", source=CalendarDay.Source.OFFICE)
    first = calendar_import(2026)
    again = calendar_import(2026)
    assert (first.created, again.created, again.updated) == (
        33 + 6,
        0,
        0,
    )  # 33 holidays, 6 make-up Saturdays and Sundays
    national_day = CalendarDay.objects.get(date=D(2026, 10, 1))
    assert (national_day.kind, national_day.name, national_day.source) == (HOLIDAY, "国庆节", "official")
    assert CalendarDay.objects.get(date=D(2026, 9, 20)).kind == WORKDAY
    assert CalendarDay.objects.get(date=D(2026, 6, 1)).name == "校庆"
    assert calendar_import(2031).known is False


# --- plans: bad input -----------------------------------------------------------------------------------
@pytest.fixture
def setup(inspector_user, vendor_user):
    site = SiteFactory()
    contract = assigned_contract(inspector_user, vendor=vendor_user.vendor)
    contract.sites.add(site)
    point = KeyPointFactory(site=site)
    return contract, site, point


def plan_fields(contract, **changes):
    fields = {
        "contract": contract,
        "kind": "daily",
        "frequency": PlanFrequency.WORKING_DAY,
        "window_start": dt.time(8),
        "window_end": dt.time(12),
        "effective_from": D(2026, 9, 1),
    }
    fields.update(changes)
    return fields


def test_bad_plans_are_refused_with_clear_messages(setup, inspector_user, office_user):
    contract, site, _point = setup
    other_point = KeyPointFactory()
    cases = [
        ({}, [], {"inspectors": ["Name at least one inspector for the office's rounds."]}),
        (
            {"window_start": dt.time(14), "window_end": dt.time(9)},
            [inspector_user],
            {"window_end": ["The window ends before it starts; a window past midnight is for the night shift."]},
        ),
        (
            {"frequency": PlanFrequency.MONTHLY, "day_of_month": 31},
            [inspector_user],
            {"day_of_month": ["Ensure this value is less than or equal to 28."]},
        ),
        (
            {"frequency": PlanFrequency.WEEKLY},
            [inspector_user],
            {"weekday": ["Choose the day of the week of a weekly or fortnightly plan."]},
        ),
    ]
    for changes, inspectors, expected in cases:
        with pytest.raises(ValidationError) as caught:
            svc.plan_create(by=office_user, inspectors=inspectors, allow_past=True, **plan_fields(contract, **changes))
        assert caught.value.message_dict == expected
    with pytest.raises(ValidationError) as caught:
        svc.plan_create(
            by=office_user,
            inspectors=[inspector_user],
            key_points=[other_point],
            allow_past=True,
            **plan_fields(contract, site=site),
        )
    assert caught.value.message_dict == {"key_points": ["A key point does not belong to the chosen site."]}
    with pytest.raises(ValidationError) as caught:
        svc.plan_create(by=office_user, inspectors=[inspector_user], today=D(2026, 9, 10), **plan_fields(contract))
    assert caught.value.message_dict == {
        "effective_from": ["A plan takes effect today or later: the rounds already made are not rewritten."]
    }
    with pytest.raises(ValidationError) as caught:
        svc.plan_create(by=office_user, inspectors=[office_user], allow_past=True, **plan_fields(contract, kind="self"))
    assert caught.value.message_dict == {
        "inspectors": ["A self-check is done by the vendor: leave the inspectors empty."]
    }
    assert InspectionPlan.objects.count() == 0


# --- the worked example ---------------------------------------------------------------------------------
def submit(user, contract, template, started, *, kind=None, key=None, key_points=(), site=None):
    data = tablet_data(
        contract,
        template,
        {item.code: {"result": "pass"} for item in template.items.all()},
        key,
        kind=kind or template.kind,
        site=site.pk if site else None,
        key_points=[p.pk for p in key_points],
        started_at=started.isoformat(),
    )
    with clock(started + dt.timedelta(minutes=20)):
        inspection, _created = inspection_services.inspection_submit(user=user, data=data)
    return inspection


def test_worked_example_holiday_make_up_day_plan_change_and_night_shift(
    setup, inspector_user, vendor_user, office_user
):
    """September 2026: Mid-autumn holiday Fri 25 to Sun 27, make-up working day Sun 20 (the official calendar).

    - Daily office round every working day 08:00-12:00 from 1 September, changed from 16 September to
      14:00-18:00: 11 rounds under the first plan (1-4, 7-11, 14-15), 11 under the second (16-18, 20, 21-24,
      28-30) = 22. Done: 1st 09:00, 15th 10:00, 16th 15:00, the make-up Sunday 20th 15:00; late: 2nd at
      13:00 (after 12:00). A check on the 16th at 09:00 fits no round (the new window opens at 14:00).
    - Weekly key-point round on Fridays 08:00-17:00 at one key point: 4th, 11th, 18th, Thursday 24th (the
      Friday is a holiday, the weekend too) and Wednesday 30th (Friday 2 October is National Day, the weekend
      too: the week's last working day is in September). Done: 11th and 24th with the key point; the 4th's
      check missed the key point, so it does not count.
    - Vendor's self-check every day on the night shift 22:00-06:00: 30 rounds. Done: 5th at 23:00, 6th's
      night at 03:00 on the 7th; late: the 9th's at 07:00 on the 10th.
    """
    contract, site, point = setup
    daily_tpl = make_template(category=contract.category, kind="daily")
    weekly_tpl = make_template(category=contract.category, kind="weekly")
    daily = svc.plan_create(by=office_user, inspectors=[inspector_user], allow_past=True, **plan_fields(contract))
    weekly = svc.plan_create(
        by=office_user,
        inspectors=[inspector_user],
        key_points=[point],
        allow_past=True,
        **plan_fields(
            contract,
            kind="weekly",
            frequency=PlanFrequency.WEEKLY,
            weekday=4,
            site=site,
            window_end=dt.time(17),
        ),
    )
    night = svc.plan_create(
        by=office_user,
        allow_past=True,
        **plan_fields(
            contract,
            kind="self",
            frequency=PlanFrequency.EVERY_DAY,
            shift=Shift.NIGHT,
            window_start=dt.time(22),
            window_end=dt.time(6),
        ),
    )
    # the nightly job ran each night of the first half of the month
    for day in range(1, 16):
        svc.rounds_tick(at(D(2026, 9, day), 6, 30))
    # the change mid-quarter: from the 16th the window is in the afternoon
    changed = svc.plan_create(
        by=office_user,
        inspectors=[inspector_user],
        allow_past=True,
        **plan_fields(
            contract, window_start=dt.time(14), window_end=dt.time(18), effective_from=D(2026, 9, 16), replaces=daily
        ),
    )
    daily.refresh_from_db()
    assert daily.effective_to == D(2026, 9, 15)
    assert Round.objects.filter(plan=daily, due_on__gte=D(2026, 9, 16)).count() == 0  # made for the 16th: dropped

    sept = lambda d: D(2026, 9, d)  # noqa: E731
    twice_key = uuid.uuid4()
    first = submit(inspector_user, contract, daily_tpl, at(sept(1), 9), key=twice_key)
    again = submit(inspector_user, contract, daily_tpl, at(sept(1), 9), key=twice_key)  # an offline retry
    assert first.pk == again.pk
    submit(inspector_user, contract, daily_tpl, at(sept(2), 13))
    submit(inspector_user, contract, daily_tpl, at(sept(15), 10))
    submit(inspector_user, contract, weekly_tpl, at(sept(4), 10), site=site)  # without the key point
    submit(inspector_user, contract, weekly_tpl, at(sept(11), 10), site=site, key_points=[point])
    submit(vendor_user, contract, daily_tpl, at(sept(5), 23), kind="self")
    submit(vendor_user, contract, daily_tpl, at(sept(7), 3), kind="self")
    submit(vendor_user, contract, daily_tpl, at(sept(10), 7), kind="self")
    for day in range(16, 31):
        svc.rounds_tick(at(sept(day), 6, 30))
        if day == 16:
            unplanned = submit(inspector_user, contract, daily_tpl, at(sept(16), 9))
            submit(inspector_user, contract, daily_tpl, at(sept(16), 15))
        if day == 20:
            submit(inspector_user, contract, daily_tpl, at(sept(20), 15))
        if day == 24:
            submit(inspector_user, contract, weekly_tpl, at(sept(24), 10), site=site, key_points=[point])
    svc.rounds_tick(at(D(2026, 10, 1), 12))
    svc.rounds_tick(at(D(2026, 10, 1), 12))  # twice: nothing changes

    assert not Round.objects.filter(inspection=unplanned).exists()
    assert Round.objects.get(inspection=first).status == RoundStatus.DONE
    assert Round.objects.filter(plan=daily).count() == 11
    assert Round.objects.filter(plan=changed, due_on__lte=sept(30)).count() == 11
    assert list(Round.objects.filter(plan=weekly, due_on__lte=sept(30)).values_list("due_on", flat=True)) == [
        sept(4),
        sept(11),
        sept(18),
        sept(24),
        sept(30),
    ]
    assert Round.objects.filter(plan=changed, due_on=sept(20)).exists()  # the make-up Sunday
    assert not Round.objects.filter(plan=changed, due_on=sept(25)).exists()  # the holiday
    assert Round.objects.filter(plan=night, due_on__lte=sept(30)).count() == 30  # (and 1-2 October made)

    out = StringIO()
    with clock(at(D(2026, 10, 1), 12)):
        call_command("coverage", "2026Q3", "--contract", contract.number, "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["contracts"][0]["kinds"] == {
        "daily": {"due": 22, "done": 5, "late": 1, "missed": 17, "coverage": "22.7"},
        "self": {"due": 30, "done": 3, "late": 1, "missed": 27, "coverage": "10.0"},
        "weekly": {"due": 5, "done": 2, "late": 0, "missed": 3, "coverage": "40.0"},
    }
    assert result["office_by_inspector"] == [
        {
            "inspector": inspector_user.username,
            "name": inspector_user.get_full_name(),
            "due": 27,
            "done": 7,
            "late": 1,
            "missed": 20,
            "coverage": "25.9",
        }
    ]
    # what is due and what was missed reached the inspector and the vendor (once each, in the institution's
    # language, through the outbox)
    inbox = Notification.objects.filter(recipient=inspector_user, channel="inbox")
    assert inbox.filter(subject="2026-09-02 的巡检任务：1 项").count() == 1
    assert inbox.filter(subject="2026-09-04 的巡检任务：2 项").count() == 1  # daily and weekly on a Friday
    assert inbox.filter(subject__startswith="漏检的巡检任务").exists()
    vendor_inbox = Notification.objects.filter(recipient=vendor_user, channel="inbox")
    assert vendor_inbox.filter(subject="2026-09-30 的自查任务：1 项").count() == 1
    assert vendor_inbox.filter(subject__startswith="漏做的自查任务").exists()


def test_a_round_done_offline_counts_when_the_tablet_syncs(setup, inspector_user, office_user):
    """The check was started in the window; the tablet reached the server after the window: still on time."""
    contract, _site, _point = setup
    template = make_template(category=contract.category, kind="daily")
    svc.plan_create(by=office_user, inspectors=[inspector_user], allow_past=True, **plan_fields(contract))
    svc.rounds_tick(at(D(2026, 9, 1), 1))
    passed = {item.code: {"result": "pass"} for item in template.items.all()}
    data = tablet_data(contract, template, passed, started_at=at(D(2026, 9, 1), 11, 30).isoformat())
    with clock(at(D(2026, 9, 1), 14)):
        inspection, _ = inspection_services.inspection_submit(user=inspector_user, data=data)
    row = Round.objects.get(inspection=inspection)
    assert (row.status, row.due_on) == (RoundStatus.DONE, D(2026, 9, 1))
    assert Inspection.objects.count() == 1


def test_the_catch_up_makes_the_rounds_a_stopped_worker_missed_and_takes_their_checks(
    setup, inspector_user, office_user
):
    contract, _site, _point = setup
    template = make_template(category=contract.category, kind="daily")
    svc.plan_create(by=office_user, inspectors=[inspector_user], allow_past=True, **plan_fields(contract))
    submit(inspector_user, contract, template, at(D(2026, 9, 2), 9))  # no round made yet: the job was down
    svc.rounds_tick(at(D(2026, 9, 4), 1))
    assert dict(Round.objects.values_list("due_on", "status")) == {
        D(2026, 9, 1): RoundStatus.MISSED,
        D(2026, 9, 2): RoundStatus.DONE,
        D(2026, 9, 3): RoundStatus.MISSED,
        D(2026, 9, 4): RoundStatus.DUE,  # its window has not opened; the 5th is a Saturday: no round
    }


# --- the admin: the office adds and changes plans; who sees which rounds --------------------------------
def test_the_office_adds_a_plan_in_the_admin_and_bad_input_keeps_the_form(
    setup, client_for, office_user, inspector_user
):
    contract, site, point = setup
    client = client_for(office_user)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    form = {
        "contract": contract.pk,
        "kind": "weekly",
        "frequency": "weekly",
        "weekday": "2",
        "site": site.pk,
        "key_points": [point.pk],
        "inspectors": [inspector_user.pk],
        "shift": "day",
        "window_start": "14:00",
        "window_end": "09:00",
        "effective_from": tomorrow,
        "note": "重点部位每周巡查",
    }
    response = client.post("/admin/inspections/inspectionplan/add/", form)
    assert response.status_code == 200
    assert "完成时限早于开始时间；跨越午夜的时段请选夜班。" in response.content.decode()  # the page speaks Chinese
    assert InspectionPlan.objects.count() == 0
    response = client.post("/admin/inspections/inspectionplan/add/", {**form, "window_end": "17:00"})
    assert response.status_code == 302
    plan = InspectionPlan.objects.get()
    assert (plan.weekday, plan.created_by, list(plan.inspectors.all()), list(plan.key_points.all())) == (
        2,
        office_user,
        [inspector_user],
        [point],
    )
    # a change from a later date replaces it
    later = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    response = client.post(
        "/admin/inspections/inspectionplan/add/",
        {**form, "window_end": "17:00", "weekday": "3", "effective_from": later, "replaces": plan.pk},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.effective_to == dt.date.fromisoformat(later) - dt.timedelta(days=1)


def test_vendors_see_only_their_self_check_rounds(setup, client_for, office_user, inspector_user, vendor_user):
    contract, _site, _point = setup
    svc.plan_create(by=office_user, inspectors=[inspector_user], allow_past=True, **plan_fields(contract))
    svc.plan_create(
        by=office_user,
        allow_past=True,
        **plan_fields(contract, kind="self", frequency=PlanFrequency.EVERY_DAY),
    )
    svc.rounds_tick(at(D(2026, 9, 1), 7))
    from logistics.access import scoped

    assert set(scoped(vendor_user, Round.objects.all()).values_list("kind", flat=True)) == {"self"}
    assert set(scoped(inspector_user, Round.objects.all()).values_list("kind", flat=True)) == {"daily", "self"}
    listing = client_for(office_user).get("/admin/inspections/round/?status=due")
    assert listing.status_code == 200 and "待检查" in listing.content.decode()


# --- numbering at submission ----------------------------------------------------------------------------
def test_inspections_are_numbered_at_submission_so_abandoned_drafts_leave_no_gap(setup, inspector_user):
    contract, _site, _point = setup
    template = make_template(category=contract.category, kind="daily")
    for _ in range(3):  # three forms started and abandoned: drafts on the server, no number
        inspection_services.inspection_sync(
            user=inspector_user,
            data={"key": str(uuid.uuid4()), "kind": "daily", "contract": contract.pk, "template": template.pk},
        )
    now = dt.datetime.now(tz=SH)
    first = submit(inspector_user, contract, template, now - dt.timedelta(minutes=30))
    second = submit(inspector_user, contract, template, now - dt.timedelta(minutes=25))
    assert (first.reference, second.reference) == ("JC-000001", "JC-000002")
    draft = Inspection.objects.filter(number__isnull=True).first()
    assert draft.reference == f"draft {draft.pk}"


# --- coverage beside the components: the evaluation page and the contract PDF ---------------------------
def test_the_evaluation_page_and_the_report_say_how_many_planned_rounds_were_done(
    setup, inspector_user, office_user, client_for
):
    from django.urls import reverse

    from logistics.quarters import Quarter
    from scoring import reports, services

    contract, _site, _point = setup
    template = make_template(category=contract.category, kind="daily")
    svc.plan_create(by=office_user, inspectors=[inspector_user], allow_past=True, **plan_fields(contract))
    svc.rounds_tick(at(D(2026, 9, 1), 7))
    submit(inspector_user, contract, template, at(D(2026, 9, 1), 9))
    submit(inspector_user, contract, template, at(D(2026, 9, 2), 13))  # late
    svc.rounds_tick(at(D(2026, 10, 1), 7))  # the rest of September: made (catch-up of 14 days) and missed
    q3 = Quarter.parse("2026Q3")
    due = Round.objects.filter(due_on__lte=D(2026, 9, 30)).count()
    assert due == 2 + 10  # 1-2 September, then the working days of the last 14 days (17-30, the 20th in, the 25th out)
    [evaluation] = services.evaluations_compute(quarter=q3, contracts=[contract])
    page = client_for(office_user).get(reverse("scoring:evaluation", args=[evaluation.pk])).content.decode()
    assert "2/12 (16.7%)" in page and "其中逾时 1 次" in page
    context = reports.contract_context(evaluation)
    assert context["coverage"]["D"].as_dict() == {"due": 12, "done": 2, "late": 1, "missed": 10, "coverage": "16.7"}
    assert "W" not in context["coverage"]  # no weekly plan: "no plan" beside W


def test_leaders_see_the_offices_coverage_on_the_dashboard(setup, inspector_user, office_user, client_for, make_user):
    from logistics.quarters import Quarter
    from scoring import report_data

    contract, _site, _point = setup
    template = make_template(category=contract.category, kind="daily")
    svc.plan_create(by=office_user, inspectors=[inspector_user], allow_past=True, **plan_fields(contract))
    svc.plan_create(by=office_user, allow_past=True, **plan_fields(contract, kind="self", frequency="every_day"))
    svc.rounds_tick(at(D(2026, 9, 1), 7))
    submit(inspector_user, contract, template, at(D(2026, 9, 1), 9))
    svc.rounds_tick(at(D(2026, 9, 3), 7))  # 1-2 September due and closed (3rd: window not passed at 07:00)
    with clock(at(D(2026, 9, 3), 7)):
        data = report_data.supervision(Quarter.parse("2026Q3"))
    rows = {k["kind"]: (k["office"], k["coverage"].as_dict()) for k in data["kinds"]}
    assert rows == {
        "daily": (True, {"due": 2, "done": 1, "late": 0, "missed": 1, "coverage": "50.0"}),
        "self": (False, {"due": 2, "done": 0, "late": 0, "missed": 2, "coverage": "0.0"}),
    }
    assert [(i["name"], i["coverage"].as_dict()["coverage"]) for i in data["inspectors"]] == [
        (inspector_user.get_full_name(), "50.0")
    ]
    leader = make_user("leader", username="leader-cov")
    page = client_for(leader).get("/reports/?quarter=2026Q3").content.decode()
    assert "监督检查：计划巡检完成情况" in page and "（服务企业的责任）" in page


# --- pricing a missed self-check (clause kind per_missed_self_check) -------------------------------------
def test_missed_self_checks_are_priced_by_their_clause_and_a_late_one_is_not(setup, vendor_user, office_user):
    """Self-check every day 07:00-10:00 in September 2026 with a clause of 50 CNY per missed round: the vendor
    did 27 in their windows, one late (the 10th at 11:00), and missed 2 (the 11th and 12th): 2 x 50 = 100."""
    from contracts.models import LedgerLine, Settlement
    from contracts.tests.factories import ClauseFactory
    from logistics.quarters import Quarter
    from scoring import services

    contract, _site, _point = setup
    ClauseFactory(contract=contract, kind="per_missed_self_check", amount="50.00")
    template = make_template(category=contract.category, kind="daily")
    svc.plan_create(
        by=office_user,
        allow_past=True,
        **plan_fields(
            contract,
            kind="self",
            frequency=PlanFrequency.EVERY_DAY,
            window_start=dt.time(7),
            window_end=dt.time(10),
            effective_from=D(2026, 9, 1),
        ),
    )
    for day in range(1, 31):
        svc.rounds_tick(at(D(2026, 9, day), 6, 30))
        if day in (11, 12):
            continue
        submit(vendor_user, contract, template, at(D(2026, 9, day), 11 if day == 10 else 8), kind="self")
    svc.rounds_tick(at(D(2026, 10, 1), 12))
    assert Round.objects.filter(due_on__lte=D(2026, 9, 30), status=RoundStatus.MISSED).count() == 2
    assert Round.objects.get(due_on=D(2026, 9, 10)).status == RoundStatus.LATE

    with clock(at(D(2026, 10, 1), 12)):
        services.evaluations_compute(quarter=Quarter.parse("2026Q3"), contracts=[contract])
    settlement = Settlement.objects.get(contract=contract, quarter="2026Q3")
    lines = LedgerLine.objects.filter(settlement=settlement, evidence_type="round").order_by("evidence_id")
    missed = Round.objects.filter(status=RoundStatus.MISSED, due_on__lte=D(2026, 9, 30)).order_by("pk")
    assert [(line.evidence_ref, line.amount) for line in lines] == [(r.reference, Decimal("50.00")) for r in missed]
    assert settlement.deductions == Decimal("100.00")
    assert lines[0].explanation["params"]["day"] == "2026-09-11"


def test_the_office_excuses_a_round_with_a_reason_and_it_is_neither_due_nor_priced(
    setup, vendor_user, office_user, client_for
):
    from contracts.models import LedgerLine
    from contracts.tests.factories import ClauseFactory
    from logistics.quarters import Quarter
    from scoring import services

    contract, _site, _point = setup
    ClauseFactory(contract=contract, kind="per_missed_self_check", amount="50.00")
    svc.plan_create(
        by=office_user,
        allow_past=True,
        **plan_fields(contract, kind="self", frequency=PlanFrequency.EVERY_DAY, effective_from=D(2026, 9, 29)),
    )
    svc.rounds_tick(at(D(2026, 10, 1), 12))  # 29 and 30 September: missed
    first, second = Round.objects.filter(due_on__lte=D(2026, 9, 30)).order_by("due_on")
    # bad input: no reason; a round not open
    with pytest.raises(ValidationError) as caught:
        svc.round_excuse(round=first, reason="  ", by=office_user)
    assert caught.value.message_dict == {"note": ["Give the reason the round is excused."]}
    # the office excuses the 29th from the admin's action, with its reason
    response = client_for(office_user).post(
        "/admin/inspections/round/",
        {
            "action": "excuse_round",
            "_selected_action": [first.pk],
            "apply_reason": "1",
            "reason": "该区域停水检修，暂停保洁",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.note) == (RoundStatus.EXCUSED, "该区域停水检修，暂停保洁")
    assert first.history.latest().history_user == office_user
    with pytest.raises(ValidationError):
        svc.round_excuse(round=first, reason="again", by=office_user)
    # then it is neither due nor priced: one missed round, one line of 50
    with clock(at(D(2026, 10, 1), 12)):
        services.evaluations_compute(quarter=Quarter.parse("2026Q3"), contracts=[contract])
        from inspections.selectors import coverage_by_contract

        cov = coverage_by_contract(D(2026, 7, 1), D(2026, 9, 30), [contract.pk])[contract.pk]["self"]
    assert cov.as_dict() == {"due": 1, "done": 0, "late": 0, "missed": 1, "coverage": "0.0"}
    assert list(LedgerLine.objects.filter(evidence_type="round").values_list("evidence_id", "amount")) == [
        (second.pk, Decimal("50.00"))
    ]


def test_an_objection_upheld_on_a_missed_self_check_excuses_the_round_and_the_money_follows(
    setup, vendor_user, office_user
):
    from contracts.models import Settlement
    from contracts.tests.factories import ClauseFactory
    from logistics.quarters import Quarter
    from scoring import selectors as scoring_selectors
    from scoring import services
    from scoring import services_objections as objections

    contract, _site, _point = setup
    ClauseFactory(contract=contract, kind="per_missed_self_check", amount="50.00")
    svc.plan_create(
        by=office_user,
        allow_past=True,
        **plan_fields(contract, kind="self", frequency=PlanFrequency.EVERY_DAY, effective_from=D(2026, 9, 29)),
    )
    svc.rounds_tick(at(D(2026, 10, 1), 12))
    missed = Round.objects.filter(due_on=D(2026, 9, 29)).get()
    [evaluation] = services.evaluations_compute(quarter=Quarter.parse("2026Q3"), contracts=[contract])
    assert Settlement.objects.get(contract=contract, quarter="2026Q3").deductions == Decimal("100.00")
    evaluation = services.evaluation_review(
        evaluation=evaluation, meeting_date=D(2026, 10, 9), attendees="后勤处", by=office_user
    )
    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)
    key = next(o.key for o in scoring_selectors.objection_options(evaluation) if o.evidence_id == missed.pk)
    objection = objections.objection_file(
        evaluation=evaluation, target_key=key, reasons="当晚已自查，纸质记录附后", by=vendor_user
    )
    objections.objection_rule(objection=objection, upheld=True, ruling="核实自查记录属实，免除该次任务", by=office_user)
    missed.refresh_from_db()
    assert missed.status == RoundStatus.EXCUSED and missed.note.endswith("核实自查记录属实，免除该次任务")
    assert Settlement.objects.get(contract=contract, quarter="2026Q3").deductions == Decimal("50.00")
