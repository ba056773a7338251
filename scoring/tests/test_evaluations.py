"""Quarterly evaluations on the database: facts gathered in the quarter only, review, finalize, reopen, jobs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat.models import PeriodicTask

from contracts.models import LedgerLine, Settlement
from contracts.tests.factories import ClauseFactory, ContractFactory, per_failed_item_clause
from inspections.models import ChecklistItem, Inspection, ItemResult
from inspections.tests.factories import make_template
from logistics.immutability import ImmutableError
from logistics.quarters import Quarter
from scoring import selectors, services
from scoring.models import Evaluation, EvaluationComponent, EvaluationScheme, QuarterRun
from scoring.tests.factories import SHANGHAI, complaint, inspection, meeting_review, publish_past, survey

pytestmark = pytest.mark.django_db
D = Decimal
Q3 = Quarter(2026, 3)


@pytest.fixture
def contract():
    return ContractFactory(start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31), annual_fee=D("400000"))


@pytest.fixture
def worked(contract, inspector_user, office_user):
    """The worked quarter of the README: D 95 (3), W 82.5 (2), M 70 (1), C 85, S 70 (10 answers)."""
    for day, score in ((dt.date(2026, 7, 1), "90"), (dt.date(2026, 8, 15), "95"), (dt.date(2026, 9, 30), "100")):
        inspection(contract, inspector_user, "daily", day, score)
    inspection(contract, inspector_user, "weekly", dt.date(2026, 7, 8), "80")
    inspection(contract, inspector_user, "weekly", dt.date(2026, 7, 15), "85")
    inspection(contract, inspector_user, "monthly_joint", dt.date(2026, 7, 25), "70")
    complaint(contract, dt.datetime(2026, 8, 1, 10, tzinfo=SHANGHAI))
    complaint(contract, dt.datetime(2026, 8, 2, 10, tzinfo=SHANGHAI), severity="serious")
    survey(contract, "2026Q3", [5, 5, 4, 4, 4, 5, 4, 3, 2, 1], office_user)
    # none of these count: a draft, inspections outside the quarter, a complaint not upheld, a quarantined one,
    # a complaint filed at 00:30 on 1 October in Shanghai (16:30 UTC on 30 September), last quarter's survey
    inspection(contract, inspector_user, "daily", dt.date(2026, 8, 20), "10", status="draft")
    inspection(contract, inspector_user, "daily", dt.date(2026, 6, 30), "10")
    inspection(contract, inspector_user, "daily", dt.date(2026, 10, 1), "10")
    complaint(contract, dt.datetime(2026, 8, 3, 10, tzinfo=SHANGHAI), upheld=False)
    complaint(contract, dt.datetime(2026, 8, 4, 10, tzinfo=SHANGHAI), quarantined=True)
    complaint(contract, dt.datetime(2026, 9, 30, 16, 30, tzinfo=dt.UTC))
    survey(contract, "2026Q2", [1, 1, 1], office_user)
    return contract


def components(evaluation):
    return {c.code: (c.value, c.n, c.effective_weight) for c in evaluation.components.all()}


def test_a_worked_quarter(worked):
    [evaluation] = services.evaluations_compute(quarter=Q3)
    assert components(evaluation) == {
        "D": (D("95.000000"), 3, D("0.3000000000")),
        "W": (D("82.500000"), 2, D("0.2000000000")),
        "M": (D("70.000000"), 1, D("0.2000000000")),
        "C": (D("85.000000"), 2, D("0.1000000000")),
        "S": (D("70.000000"), 10, D("0.2000000000")),
    }
    assert (evaluation.raw_score, evaluation.score, evaluation.grade) == (D("81.500000"), D("81.50"), "B")
    assert evaluation.scheme.family == "default" and evaluation.scheme.version == 1


def test_recompute_gives_identical_rows(worked):
    first = services.evaluations_compute(quarter=Q3)[0]
    rows = list(Evaluation.objects.values())
    component_rows = list(EvaluationComponent.objects.values())
    history = Evaluation.history.count()
    second = services.evaluations_compute(quarter=Q3)[0]
    assert first.pk == second.pk
    assert list(Evaluation.objects.values()) == rows
    assert list(EvaluationComponent.objects.values()) == component_rows
    assert Evaluation.history.count() == history


def test_a_missing_component_drops_out(contract, inspector_user):
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 1), "90")
    [evaluation] = services.evaluations_compute(quarter=Q3)
    weights = {code: w for code, (_v, _n, w) in components(evaluation).items()}
    # D 0.30 and C 0.10 are present: rescaled to 0.75 and 0.25
    assert (weights["D"], weights["C"], weights["W"], weights["S"]) == (D("0.75"), D("0.25"), 0, 0)
    assert evaluation.explanation["missing"] == ["W", "M", "S"]
    assert evaluation.score == D("92.50")  # 0.75 x 90 + 0.25 x 100


def test_review_with_an_adjustment_at_and_beyond_its_bound(worked, office_user):
    [evaluation] = services.evaluations_compute(quarter=Q3)

    def meeting(adjustment, reason):
        return meeting_review(
            evaluation,
            office_user,
            meeting_date=dt.date(2026, 10, 10),
            attendees="张三",
            adjustment=adjustment,
            reason=reason,
        )

    with pytest.raises(ValidationError):
        meeting("5.01", "超限")
    with pytest.raises(ValidationError):
        meeting("2", "")  # no reason
    assert Evaluation.objects.get(pk=evaluation.pk).status == "computed"
    reviewed = meeting("5.00", "重大保障任务表现突出")
    assert (reviewed.status, reviewed.adjustment, reviewed.score, reviewed.grade) == (
        "reviewed",
        D("5.00"),
        D("86.50"),
        "B",
    )


def test_finalize_writes_the_ledger_once_even_when_called_twice(worked, office_user):
    ClauseFactory(contract=worked, kind="per_upheld_complaint", amount=D("500"))
    ClauseFactory(contract=worked, kind="score_below", amount=None, threshold=D(85), percent=D(5))
    [evaluation] = services.evaluations_compute(quarter=Q3)
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 10), attendees="张三", by=office_user
    )
    publish_past(evaluation, office_user)
    first = services.evaluation_finalize(evaluation=evaluation, by=office_user)
    publish_past(evaluation, office_user)
    second = services.evaluation_finalize(evaluation=evaluation, by=office_user)
    assert first.inputs_hash == second.inputs_hash and len(first.inputs_hash) == 64
    assert sorted(LedgerLine.objects.values_list("evidence_type", "amount")) == [
        ("complaint", D("500.00")),
        ("complaint", D("500.00")),
        ("score", D("5000.00")),
    ]
    settlement = Settlement.objects.get()
    # fee 100000 - 6000 deductions
    assert (settlement.status, settlement.fee, settlement.deductions, settlement.payable) == (
        "final",
        D("100000.00"),
        D("6000.00"),
        D("94000.00"),
    )
    assert services.seal(Evaluation.objects.get(pk=evaluation.pk)) == first.inputs_hash


def test_a_final_evaluation_is_read_only(worked, office_user, client_for, api_client):
    [evaluation] = services.evaluations_compute(quarter=Q3)
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 10), attendees="张三", by=office_user
    )
    publish_past(evaluation, office_user)
    evaluation = services.evaluation_finalize(evaluation=evaluation, by=office_user)
    evaluation.score = D(1)
    with pytest.raises(ImmutableError):
        evaluation.save()
    with pytest.raises(ImmutableError):
        Evaluation.objects.filter(pk=evaluation.pk).update(score=D(1))
    with pytest.raises(ImmutableError):
        EvaluationComponent.objects.filter(evaluation=evaluation).update(value=D(1))
    with pytest.raises(ValidationError):
        services.evaluation_review(
            evaluation=evaluation, meeting_date=dt.date(2026, 10, 11), attendees="x", by=office_user
        )
    assert services.evaluations_compute(quarter=Q3) == []  # recompute leaves it alone
    assert client_for(office_user).post(f"/admin/scoring/evaluation/{evaluation.pk}/change/").status_code == 403
    api_client.force_authenticate(office_user)
    assert api_client.patch(f"/api/evaluations/{evaluation.pk}/", {"score": "1"}, format="json").status_code == 405
    assert Evaluation.objects.get(pk=evaluation.pk).score == D("81.50")


def test_reopen_is_the_audited_way_to_correct(worked, office_user, inspector_user):
    [evaluation] = services.evaluations_compute(quarter=Q3)
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 10), attendees="张三", by=office_user
    )
    publish_past(evaluation, office_user)
    evaluation = services.evaluation_finalize(evaluation=evaluation, by=office_user)
    with pytest.raises(ValidationError):
        services.evaluation_reopen(evaluation=evaluation, reason="x", by=inspector_user)
    with pytest.raises(ValidationError):
        services.evaluation_reopen(evaluation=evaluation, reason="", by=office_user)
    reopened = services.evaluation_reopen(evaluation=evaluation, reason="投诉复核后撤销", by=office_user)
    assert (reopened.status, reopened.reopen_count, reopened.inputs_hash) == ("reviewed", 1, "")
    record = reopened.reopenings.get()
    assert (record.reason, record.previous_score, record.by) == ("投诉复核后撤销", D("81.50"), office_user)
    assert Settlement.objects.get().status == "draft"
    assert Evaluation.history.filter(id=evaluation.pk).latest("history_id").history_change_reason == "投诉复核后撤销"


def test_failed_items_for_the_clauses_come_from_the_offices_inspections(contract, inspector_user):
    template = make_template(category=contract.category)
    item = ChecklistItem.objects.get(template=template, code="A2")
    for kind in ("daily", "self"):
        ins = inspection(contract, inspector_user, kind, dt.date(2026, 7, 2), "50", status="draft")
        ItemResult.objects.create(inspection=ins, item=item, result="fail", awarded=D(0))
        Inspection.objects.filter(pk=ins.pk).update(status="submitted", submitted_at=ins.started_at)
    facts = selectors.quarter_facts(Q3, [contract])[contract.pk]
    assert [(f.severity, f.ref.split("/")[1]) for f in facts.failed_items] == [("major", "A2")]


def test_computing_a_quarter_costs_the_same_number_of_queries_for_3_and_20_contracts(inspector_user, count_queries):
    def build(count):
        for _ in range(count):
            contract = ContractFactory(start_date=dt.date(2026, 1, 1))
            inspection(contract, inspector_user, "daily", dt.date(2026, 7, 1), "90")
            complaint(contract, dt.datetime(2026, 8, 1, 10, tzinfo=SHANGHAI))

    build(3)
    small, first = count_queries(lambda: services.evaluations_compute(quarter=Q3))
    Evaluation.objects.all().delete()
    build(17)  # (SQLite's 999 parameters split a history insert of more rows than 999 / its columns: ~25)
    large, second = count_queries(lambda: services.evaluations_compute(quarter=Q3))
    assert (len(first), len(second)) == (3, 20)
    assert small == large


def test_reading_the_facts_costs_a_fixed_number_of_queries(inspector_user, count_queries):
    contracts = []
    for _ in range(3):
        contracts.append(ContractFactory(start_date=dt.date(2026, 1, 1)))
    small, _ = count_queries(lambda: selectors.quarter_facts(Q3, contracts))
    for _ in range(30):
        contracts.append(ContractFactory(start_date=dt.date(2026, 1, 1)))
    large, _ = count_queries(lambda: selectors.quarter_facts(Q3, contracts))
    assert small == large == 9  # scores, complaints, surveys, feedback months, the desk's work order rounds,
    # failed items, upheld, overdue orders, missed self-checks


def test_the_beat_schedule_exists_after_migrate():
    tasks = dict(PeriodicTask.objects.values_list("task", "crontab__hour"))
    assert set(tasks) >= {
        "scoring.tasks.nightly_task",
        "scoring.tasks.quarter_close_task",
        "scoring.tasks.catch_up_task",
        "logistics.tasks.relay_outbox_task",
        "inspections.tasks.rounds_task",
    }
    assert tasks["inspections.tasks.rounds_task"] == "*"  # hourly
    close = PeriodicTask.objects.get(task="scoring.tasks.quarter_close_task").crontab
    assert (close.minute, close.hour, close.day_of_month, close.month_of_year, str(close.timezone)) == (
        "0",
        "2",
        "1",
        "1,4,7,10",
        "Asia/Shanghai",
    )


def test_the_catch_up_job_closes_a_missed_quarter_once(worked):
    assert QuarterRun.objects.count() == 0
    run = services.catch_up(today=dt.date(2026, 10, 5))
    assert (run.quarter, run.status, run.contracts) == ("2026Q3", "done", 1)
    assert services.catch_up(today=dt.date(2026, 10, 6)) is None
    assert services.quarter_close(quarter=Q3) is None  # a second close (another beat, a retry) does nothing
    assert QuarterRun.objects.count() == 1 and Evaluation.objects.count() == 1


def test_scheme_changes_make_a_new_version_once_used(worked, office_user):
    scheme = EvaluationScheme.objects.get(family="default", is_current=True)
    services.evaluations_compute(quarter=Q3)
    changed = services.scheme_save(
        scheme=scheme, changes={"weight_daily": D(40), "weight_satisfaction": D(10)}, by=office_user
    )
    assert (changed.version, changed.is_current) == (2, True)
    assert EvaluationScheme.objects.get(pk=scheme.pk).is_current is False
    with pytest.raises(ValidationError):
        services.scheme_save(scheme=changed, changes={"weight_daily": D(50)}, by=office_user)  # sums to 110


def test_the_evaluate_quarter_command_prints_json(worked, capsys):
    import json

    from django.core.management import call_command

    call_command("evaluate_quarter", "2026Q3", "--json")
    [row] = json.loads(capsys.readouterr().out)
    assert row["components"]["D"] == {"value": "95.000000", "n": 3, "weight": "0.30", "effective_weight": "0.3000"}
    assert (row["score"], row["grade"], row["quarter"], row["scheme_version"]) == ("81.50", "B", "2026Q3", 1)
    assert "SELF" not in row["components"]
    assert row["fee"] == "100000.00" and row["payable"] == "100000.00"
    assert row["terms_versions"] == [
        {"version": 1, "first": "2026-07-01", "last": "2026-09-30", "days": 92, "annual_fee": "400000.00"}
    ]
    assert (row["settlement"], row["cap"], row["ledger"]) == ("draft", None, [])
    # a rerun prints the same
    call_command("evaluate_quarter", "2026Q3", "--json")
    assert json.loads(capsys.readouterr().out) == [row]


def test_the_overview_page_and_the_what_if(client_for, office_user, worked, count_queries):
    services.evaluations_compute(quarter=Q3)
    client = client_for(office_user)
    html = client.get("/evaluation/2026Q3/").content.decode()
    assert worked.number in html and "81.50" in html
    html = client.get("/evaluation/2026Q3/?what_if=1&w_D=100&w_W=0&w_M=0&w_C=0&w_S=0&w_SELF=0").content.decode()
    assert "95.00" in html  # D alone
    assert Evaluation.objects.get().score == D("81.50")  # nothing saved
    html = client.get("/evaluation/2026Q3/?what_if=1&w_D=90&w_W=0&w_M=0&w_C=0&w_S=0&w_SELF=0").content.decode()
    assert "100%" in html


def test_vendors_see_their_evaluations_once_final(client_for, worked, office_user, make_user):
    vendor = make_user("vendor", username="v-eval", vendor=worked.vendor)
    [evaluation] = services.evaluations_compute(quarter=Q3)
    assert client_for(vendor).get(f"/evaluations/{evaluation.pk}/").status_code == 404
    services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 10), attendees="张三", by=office_user
    )
    assert client_for(vendor).get(f"/evaluations/{evaluation.pk}/").status_code == 404  # the meeting's draft
    publish_past(evaluation, office_user)
    services.evaluation_finalize(evaluation=evaluation, by=office_user)
    assert client_for(vendor).get(f"/evaluations/{evaluation.pk}/").status_code == 200
    other = make_user("vendor", username="v-other", vendor=ContractFactory().vendor)
    assert client_for(other).get(f"/evaluations/{evaluation.pk}/").status_code == 404


def test_the_quarter_close_applies_the_clauses_as_draft_settlements_in_a_fixed_number_of_queries(
    inspector_user, count_queries
):
    template = make_template()
    item = ChecklistItem.objects.get(template=template, code="A2")  # major

    def build(count):
        for _ in range(count):
            contract = ContractFactory(start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))
            per_failed_item_clause(contract)
            ClauseFactory(contract=contract, kind="warning_below", amount=None, threshold=D(70))
            ins = inspection(contract, inspector_user, "daily", dt.date(2026, 7, 1), "60", status="draft")
            ItemResult.objects.create(inspection=ins, item=item, result="fail", awarded=D(0))
            Inspection.objects.filter(pk=ins.pk).update(status="submitted", submitted_at=ins.started_at)
            complaint(contract, dt.datetime(2026, 8, 1, 10, tzinfo=SHANGHAI))

    build(3)
    small, run = count_queries(lambda: services.quarter_close(quarter=Q3))
    assert run.contracts == 3
    settlement = Settlement.objects.order_by("pk").first()
    # D 60 alone (the complaint costs C 5 points: 95); score 60*30/40 + 95*10/40 = 68.75 -> a warning
    assert (settlement.status, settlement.score, settlement.deductions, settlement.payable) == (
        "draft",
        D("68.75"),
        D("300.00"),
        D("99700.00"),
    )
    assert list(settlement.lines.values_list("kind", "amount", "evidence_ref")) == [
        ("deduction", D("300.00"), f"JC-{Inspection.objects.get(contract=settlement.contract).pk:06d}/A2")
    ]
    # a draft issues no formal warning: the warning comes with the final settlement
    assert settlement.contract.warnings.filter(quarter="2026Q3").count() == 0
    Evaluation.objects.all().delete()
    LedgerLine.objects.all().delete()
    Settlement.objects.all().delete()
    QuarterRun.objects.all().delete()
    from contracts.models import FormalWarning

    FormalWarning.objects.all().delete()
    build(17)
    large, run = count_queries(lambda: services.quarter_close(quarter=Q3))
    assert run.contracts == 20
    # (a settlement's history row carries 35 columns: SQLite's 999 parameters split more than 28 rows in two)
    assert (Settlement.objects.count(), LedgerLine.objects.count()) == (20, 20)
    assert small == large
    # every line has its audit row, as if saved one by one
    current = LedgerLine.history.filter(id__in=LedgerLine.objects.values("pk"))
    assert sorted(current.values_list("id", "history_type", "amount")) == sorted(
        (pk, "+", amount) for pk, amount in LedgerLine.objects.values_list("pk", "amount")
    )
    # computing again with the same facts writes nothing new
    lines = LedgerLine.history.count()
    services.evaluations_compute(quarter=Q3)
    assert LedgerLine.history.count() == lines
