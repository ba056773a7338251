"""Monthly reports (issue 22): one month's figures per contract and for the institution, exact on a worked example
with facts either side of the month's end in Shanghai; final or running data; who may ask and download; a fixed
number of queries; the PDFs in both languages with the CJK font embedded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from contracts.tests.factories import ContractFactory
from feedback import services as feedback_services
from feedback.models import FeedbackRequest, FeedbackRespondent
from inspections.models import ChecklistItem, Inspection, InspectionPlan, ItemResult, RectificationOrder, Round
from inspections.selectors import Coverage
from inspections.services import plans as plan_services
from inspections.tests.factories import make_template
from logistics.models import Document
from logistics.quarters import Month, Quarter
from logistics.tests.factories import DepartmentFactory
from scoring import monthly, monthly_reports, services
from scoring.models import Evaluation
from scoring.tests.factories import SHANGHAI, complaint, publish_past
from scoring.tests.test_reports import HAS_POPPLER, pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db
MARCH = Month(2026, 3)
NOW = dt.datetime(2026, 4, 10, 12, tzinfo=SHANGHAI)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def submitted(contract, user, kind: str, started: dt.datetime, score: str, fails=()) -> Inspection:
    """A submitted inspection started at ``started`` (its date is the local date), with failed items."""
    ins = Inspection.objects.create(
        kind=kind,
        contract=contract,
        created_by=user,
        started_at=started,
        inspected_on=started.astimezone(SHANGHAI).date(),
        status="draft",
        score=D(score),
    )
    for item in fails:
        ItemResult.objects.create(inspection=ins, item=item, result="fail", awarded=D(0))
    Inspection.objects.filter(pk=ins.pk).update(status="submitted", submitted_at=started)
    ins.refresh_from_db()
    return ins


def order(contract, issued: dt.datetime, deadline: dt.datetime, status: str = "open", **fields) -> RectificationOrder:
    return RectificationOrder.objects.create(
        contract=contract,
        source="manual",
        description="地面积水",
        severity="minor",
        issued_at=issued,
        deadline=deadline,
        status=status,
        **fields,
    )


def plan(contract, kind: str, user, **fields) -> InspectionPlan:
    return plan_services.plan_create(
        by=user,
        inspectors=[user] if kind != "self" else [],
        allow_past=True,
        contract=contract,
        kind=kind,
        effective_from=dt.date(2026, 1, 1),
        window_start=dt.time(8),
        window_end=dt.time(12),
        **fields,
    )


def rounds(the_plan: InspectionPlan, *rows) -> None:
    """(day, status, inspection or None): rounds of the plan with their window 08:00-12:00 on the day."""
    for day, status, inspection in rows:
        Round.objects.create(
            plan=the_plan,
            contract=the_plan.contract,
            kind=the_plan.kind,
            due_on=day,
            opens_at=dt.datetime.combine(day, dt.time(8), tzinfo=SHANGHAI),
            closes_at=dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI),
            late_until=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), tzinfo=SHANGHAI),
            status=status,
            inspection=inspection,
            note="会场封闭" if status == "excused" else "",
        )


@pytest.fixture
def march(inspector_user):
    """A contract's March 2026, with facts just inside and just outside the month's end in Shanghai (23:30 on
    31 March there is 15:30 UTC the same day; 00:30 on 1 April there is still 31 March in UTC)."""
    contract = ContractFactory(number="HT-MON-001", start_date=dt.date(2026, 1, 1))
    template = make_template(category=contract.category)
    a1, a2 = (ChecklistItem.objects.get(template=template, code=code) for code in ("A1", "A2"))
    inside = at(31, 23, 30)
    outside = at(1, 0, 30, month=4)
    assert inside.astimezone(dt.UTC).date() == outside.astimezone(dt.UTC).date() == dt.date(2026, 3, 31)

    # inspections: daily 90 and 81 (the latter at 23:30 on the 31st), weekly 75.50, a self-check; outside: February,
    # 00:30 on 1 April, and a draft
    daily_2 = submitted(contract, inspector_user, "daily", at(2), "90.00", fails=[a1])
    daily_31 = submitted(contract, inspector_user, "daily", inside, "81.00", fails=[a2])
    weekly_11 = submitted(contract, inspector_user, "weekly", at(11), "75.50", fails=[a1])
    submitted(contract, inspector_user, "self", at(5), "100.00", fails=[a1, a2])  # the vendor's: no failed items
    submitted(contract, inspector_user, "daily", at(28, month=2), "10.00", fails=[a1])
    submitted(contract, inspector_user, "daily", outside, "20.00", fails=[a1, a2])
    Inspection.objects.create(
        kind="daily", contract=contract, created_by=inspector_user, started_at=at(10), inspected_on=dt.date(2026, 3, 10)
    )

    # rounds: daily 2 done (one late) of 3 due; weekly 1 done of 3 due (one excused); self-checks none planned
    daily = plan(contract, "daily", inspector_user, frequency="working_day")
    rounds(
        daily,
        (dt.date(2026, 3, 2), "done", daily_2),
        (dt.date(2026, 3, 3), "missed", None),
        (dt.date(2026, 3, 31), "late", daily_31),
        (dt.date(2026, 4, 1), "missed", None),
    )
    weekly = plan(contract, "weekly", inspector_user, frequency="weekly", weekday=2)
    rounds(
        weekly,
        (dt.date(2026, 3, 4), "missed", None),
        (dt.date(2026, 3, 11), "done", weekly_11),
        (dt.date(2026, 3, 18), "excused", None),
        (dt.date(2026, 3, 25), "missed", None),
    )

    # rectification orders
    order(contract, inside, at(3, month=4))  # opened in March
    order(contract, outside, at(4, month=4))  # April's
    order(  # February's, answered late on 3 March and verified on the 4th: closed in March, overdue in March
        contract,
        at(20, month=2),
        at(25, month=2),
        "verified",
        answered_at=at(3),
        resolved_at=at(3),
        verified_at=at(4),
    )
    order(contract, at(5), at(8), "answered", answered_at=at(7))  # opened; answered in time: never overdue
    order(contract, at(10), at(12))  # opened; open past its deadline: overdue
    order(  # January's, rectified late in February: not March's
        contract,
        at(10, month=1),
        at(15, month=1),
        "verified",
        answered_at=at(1, month=2),
        resolved_at=at(1, month=2),
        verified_at=at(2, month=2),
    )
    order(contract, at(20), at(27), "withdrawn")  # withdrawn: nowhere
    order(  # opened in March, answered in time, verified at 00:30 on 1 April: April's closing
        contract, at(25), at(28), "verified", answered_at=at(27), resolved_at=at(27), verified_at=outside
    )

    # complaints: 23:30 on the 31st upheld, 10 March not upheld; outside: 1 April, quarantined, February
    complaint(contract, inside)
    complaint(contract, at(10), upheld=False)
    complaint(contract, outside)
    complaint(contract, at(12), quarantined=True)
    complaint(contract, at(28, month=2))

    # monthly feedback forms: 80 of 100 and 45 of 50 submitted (125 of 150: 83.33), one not answered; February's
    feedback(contract, "2026-03", [(80, 100, "地面很干净"), (45, 50, ""), (None, 100, "")])
    feedback(contract, "2026-02", [(10, 100, "二月的意见")])
    return contract


def feedback(contract, month: str, forms) -> None:
    """The month's feedback forms of the contract: (points or None when not answered, max points, comment)."""
    form = feedback_services.form_create_default(category=contract.category)
    for index, (points, max_points, comment) in enumerate(forms):
        person = FeedbackRespondent.objects.create(
            department=DepartmentFactory(), name=f"答复人{index}", email=f"r{index}-{month}@example.cn"
        )
        FeedbackRequest.objects.create(
            month=month,
            contract=contract,
            respondent=person,
            form=form,
            status="open" if points is None else "submitted",
            issued_at=at(25, month=int(month[-2:])),
            last_sent_at=at(25, month=int(month[-2:])),
            expires_at=at(28, month=int(month[-2:])),
            submitted_at=None if points is None else at(27, month=int(month[-2:])),
            points=points,
            max_points=max_points,
            comment=comment,
        )


def test_a_contracts_month_in_exact_figures(march):
    facts = monthly.month_facts(MARCH, [march.pk], now=NOW)
    [row] = facts.rows
    assert [(k.kind, k.count, k.mean, k.coverage) for k in row.kinds] == [
        ("daily", 2, D("85.50"), Coverage(due=3, done=2, late=1, missed=1)),
        ("weekly", 1, D("75.50"), Coverage(due=3, done=1, late=0, missed=2)),
        ("self", 1, D("100.00"), None),
    ]
    assert (row.inspections, row.mean) == (3, D("82.17"))  # (90 + 81 + 75.50) / 3, self-checks left out
    assert row.office_coverage == Coverage(due=6, done=3, late=1, missed=3)
    assert row.office_coverage.percent == D("50.0")
    assert row.failed == 3
    assert [(item.code, item.severity, item.count) for item in row.top_failed] == [
        ("A1", "minor", 2),
        ("A2", "major", 1),
    ]
    assert row.rectifications == monthly.Rectifications(opened=4, closed=1, overdue=2)
    assert row.complaints == monthly.Complaints(received=2, upheld=1)
    assert (row.feedback.score, row.feedback.answered, row.feedback.expected) == (D("83.33"), 2, 3)
    assert row.feedback.comments == ["地面很干净"]
    assert (row.evaluation_status, row.final, facts.final) == (None, False, False)


def test_the_running_month_counts_overdue_orders_up_to_now(march):
    # on 11 March 12:00, the order due on the 12th is not overdue yet; the one due 25 February still is
    facts = monthly.month_facts(MARCH, [march.pk], now=at(11, 12))
    assert facts.rows[0].rectifications.overdue == 1


def test_the_institution_rows_totals_and_worst_items(march, inspector_user):
    other = ContractFactory(number="HT-MON-002", start_date=dt.date(2026, 1, 1))
    template = make_template(category=other.category)
    b1 = ChecklistItem.objects.get(template=template, code="A3")
    submitted(other, inspector_user, "daily", at(9), "70.00", fails=[b1])
    complaint(other, at(9))
    ContractFactory(number="HT-MON-DRAFT", status="draft")  # a draft is in no report
    ContractFactory(number="HT-MON-LATER", start_date=dt.date(2026, 4, 1))  # nor one not yet in force

    facts = monthly.month_facts(MARCH, now=NOW)
    assert [row.contract.number for row in facts.rows] == ["HT-MON-001", "HT-MON-002"]
    assert (facts.inspections, facts.mean, facts.failed) == (4, D("79.13"), 4)  # (246.50 + 70) / 4 = 79.125
    assert facts.office_coverage == Coverage(due=6, done=3, late=1, missed=3)
    assert facts.self_coverage is None
    assert facts.rectifications == monthly.Rectifications(opened=4, closed=1, overdue=2)
    assert facts.complaints == monthly.Complaints(received=3, upheld=2)
    assert (facts.feedback_mean, facts.feedback_answered, facts.feedback_expected) == (D("83.33"), 2, 3)
    assert [(i.code, i.count, i.contracts) for i in facts.worst_items] == [
        ("A1", 2, ("HT-MON-001",)),
        ("A2", 1, ("HT-MON-001",)),
        ("A3", 1, ("HT-MON-002",)),
    ]


def finalize(contract, office_user, quarter: Quarter) -> Evaluation:
    [evaluation] = services.evaluations_compute(quarter=quarter, contracts=[contract])
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 4, 9), attendees="后勤处", by=office_user
    )
    publish_past(evaluation, office_user)
    return services.evaluation_finalize(evaluation=evaluation, by=office_user)


def test_final_or_running_follows_the_quarters_evaluation(march, office_user):
    other = ContractFactory(number="HT-MON-002", start_date=dt.date(2026, 1, 1))
    [computed] = services.evaluations_compute(quarter=Quarter(2026, 1), contracts=[other])
    finalize(march, office_user, Quarter(2026, 1))
    facts = monthly.month_facts(MARCH, now=NOW)
    by_number = {row.contract.number: row for row in facts.rows}
    assert (by_number["HT-MON-001"].final, by_number["HT-MON-002"].final) == (True, False)
    assert by_number["HT-MON-002"].evaluation_status == computed.status == "computed"
    assert (facts.final, facts.final_count) == (False, 1)
    assert monthly.month_facts(MARCH, [march.pk], now=NOW).final is True


def report_head(template: str, context: dict, language: str) -> str:
    """The words of a report's head (before its first section), one space between them."""
    with translation.override(language):
        html = render_to_string(template, context)
    return " ".join(strip_tags(html.split("<h2>")[0].replace("<br>", " ")).split())


@pytest.mark.parametrize(
    ("language", "state", "expected"),
    [
        ("zh-hans", "final", "最终数据 2026Q1 季度考评已定稿。"),
        ("zh-hans", "computed", "实时数据，数字仍可能变动 2026Q1 季度考评尚未定稿（当前状态：已计算）。"),
        ("zh-hans", "none", "实时数据，数字仍可能变动 2026Q1 季度考评尚未计算。"),
        ("en", "final", "Final figures The evaluation of 2026Q1 is final."),
        (
            "en",
            "computed",
            "Running data — figures may still change The evaluation of 2026Q1 is not final (status: Computed).",
        ),
        ("en", "none", "Running data — figures may still change The evaluation of 2026Q1 has not been computed yet."),
    ],
)
def test_the_contract_report_says_at_the_top_whether_its_figures_are_final(
    march, office_user, language, state, expected
):
    if state == "final":
        finalize(march, office_user, Quarter(2026, 1))
    elif state == "computed":
        services.evaluations_compute(quarter=Quarter(2026, 1), contracts=[march])
    head = report_head("scoring/monthly_contract.pdf.html", monthly_reports.contract_context(MARCH, march.pk), language)
    assert expected in head


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "实时数据，数字仍可能变动 2 份合同中有 1 份的 2026Q1 季度考评已定稿。"),
        ("en", "Running data — figures may still change 1 of 2 contracts' evaluations of 2026Q1 are final."),
    ],
)
def test_the_institution_report_says_how_many_quarters_are_final(march, office_user, language, expected):
    ContractFactory(number="HT-MON-002", start_date=dt.date(2026, 1, 1))
    finalize(march, office_user, Quarter(2026, 1))
    head = report_head("scoring/monthly_summary.pdf.html", monthly_reports.summary_context(MARCH), language)
    assert expected in head


# --- queries ------------------------------------------------------------------------------------------------
def test_a_months_facts_cost_the_same_queries_for_1_and_6_contracts(inspector_user, count_queries):
    def build(count: int) -> list[int]:
        ids = []
        for _ in range(count):
            contract = ContractFactory(start_date=dt.date(2026, 1, 1))
            template = make_template(category=contract.category)
            item = ChecklistItem.objects.get(template=template, code="A1")
            submitted(contract, inspector_user, "daily", at(2), "90.00", fails=[item])
            order(contract, at(3), at(5))
            complaint(contract, at(4))
            ids.append(contract.pk)
        return ids

    one = build(1)
    small, facts = count_queries(lambda: monthly.month_facts(MARCH, one, now=NOW))
    six = one + build(5)
    large, more = count_queries(lambda: monthly.month_facts(MARCH, six, now=NOW))
    assert (len(facts.rows), len(more.rows)) == (1, 6)
    # contracts, inspections, rounds, failed items, rectification orders, complaints, evaluations; the feedback's 2;
    # the service desk's 4 (work order rounds, complaints, work orders, callbacks)
    assert small == large == 13


# --- the PDFs -----------------------------------------------------------------------------------------------
@pytest.mark.skipif(not HAS_POPPLER, reason="needs poppler-utils")
@pytest.mark.parametrize(
    ("kind", "language", "expected"),
    [
        (
            monthly_reports.CONTRACT,
            "zh-hans",
            ["月度服务监管报告", "HT-MON-001", "2026年3月", "巡检完成率", "整改通知单"],
        ),
        (monthly_reports.CONTRACT, "en", ["Monthly service supervision report", "HT-MON-001", "March 2026"]),
        (monthly_reports.SUMMARY, "zh-hans", ["HT-MON-001", "2026年3月", "不合格次数最多的检查项"]),
        (monthly_reports.SUMMARY, "en", ["HT-MON-001", "March 2026", "Most failed checklist items"]),
    ],
)
def test_the_monthly_pdfs_are_rendered_by_a_task_with_the_cjk_font(
    march, office_user, django_capture_on_commit_callbacks, tmp_path, kind, language, expected
):
    # given
    contract = march if kind == monthly_reports.CONTRACT else None
    # when
    with django_capture_on_commit_callbacks(execute=True):
        document = monthly_reports.monthly_report_request(
            month=MARCH, contract=contract, language=language, by=office_user
        )
    # then
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    data = document.file.read()
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    for words in expected:
        assert words in text, words
    fonts = pdf_fonts(data, tmp_path)
    assert "Noto-Sans-CJK-SC" in fonts and "yes yes yes" in fonts  # embedded, subset, unicode


def test_asking_twice_while_it_is_prepared_gives_the_same_document(march, office_user, leader_user):
    first = monthly_reports.monthly_report_request(month=MARCH, contract=march, language="zh-hans", by=office_user)
    again = monthly_reports.monthly_report_request(month=MARCH, contract=march, language="zh-hans", by=office_user)
    english = monthly_reports.monthly_report_request(month=MARCH, contract=march, language="en", by=office_user)
    summary = monthly_reports.monthly_report_request(month=MARCH, contract=None, language="zh-hans", by=office_user)
    leaders = monthly_reports.monthly_report_request(month=MARCH, contract=march, language="zh-hans", by=leader_user)
    assert again.pk == first.pk
    assert len({first.pk, english.pk, summary.pk, leaders.pk}) == 4
    assert first.params == {"month": "2026-03", "contract": march.pk, "language": "zh-hans"}
    assert summary.params == {"month": "2026-03", "language": "zh-hans"}
    assert (first.kind, summary.kind) == ("monthly_contract", "monthly_summary")
    assert first.title == "月度报告 2026-03 · 合同 HT-MON-001"


# --- the page and the downloads -------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "status"), [("office", 200), ("leader", 200), ("vendor", 403), (None, 403)])
def test_only_the_office_and_leaders_open_the_monthly_page(make_user, vendor_a, client_for, role, status):
    user = make_user(role, username=f"u-{role}", **({"vendor": vendor_a} if role == "vendor" else {}))
    assert client_for(user).get("/reports/monthly/").status_code == status


def test_a_leader_asks_for_the_institutions_report_and_downloads_it(
    march, leader_user, office_user, vendor_user, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(leader_user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/monthly/", {"month": "2026-03", "contract": "", "language": "en"})
    # then
    document = Document.objects.get(kind=monthly_reports.SUMMARY)
    assert response.status_code == 302 and response["Location"] == f"/reports/monthly/{document.pk}/"
    assert document.params == {"month": "2026-03", "language": "en"} and document.requested_by == leader_user
    page = client.get(f"/reports/monthly/{document.pk}/").content.decode()
    assert f"/files/monthly-report/{document.pk}/" in page
    download = client.get(f"/files/monthly-report/{document.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    # the office reads it too; a vendor neither sees the page nor the file (nor through the generic download)
    assert client_for(office_user).get(f"/files/monthly-report/{document.pk}/").status_code == 200
    vendor = client_for(vendor_user)
    assert vendor.get(f"/reports/monthly/{document.pk}/").status_code == 403
    assert vendor.get(f"/files/monthly-report/{document.pk}/").status_code == 404
    assert vendor.get(f"/files/document/{document.pk}/").status_code == 404


def test_a_contract_not_in_force_that_month_is_refused_with_a_reason(office_user, client_for):
    later = ContractFactory(number="HT-MON-LATER", start_date=dt.date(2026, 4, 1))
    response = client_for(office_user).post(
        "/reports/monthly/", {"month": "2026-03", "contract": later.pk, "language": "zh-hans"}
    )
    assert response.status_code == 200
    assert Document.objects.count() == 0
    assert "合同 HT-MON-LATER 在 2026-03 不在履行期内。" in response.content.decode()


def test_the_page_costs_the_same_queries_with_more_reports_and_contracts(office_user, client_for, count_queries):
    client = client_for(office_user)
    client.get("/reports/monthly/")  # the session and the user's roles, once

    def build(count: int) -> None:
        for _ in range(count):
            contract = ContractFactory()
            monthly_reports.monthly_report_request(month=MARCH, contract=contract, language="zh-hans", by=office_user)

    build(1)
    small, _ = count_queries(lambda: client.get("/reports/monthly/"))
    build(6)
    large, response = count_queries(lambda: client.get("/reports/monthly/"))
    assert response.status_code == 200 and response.content.decode().count("/reports/monthly/") >= 7
    assert small == large
