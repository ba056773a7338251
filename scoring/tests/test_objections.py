"""Due process: a published quarter, the vendor's objections, the office's rulings, and finalization after them
(ARCHITECTURE.md, "What a vendor sees, and when; objections")."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation

from contracts.models import LedgerLine, Settlement
from contracts.tests.factories import ClauseFactory, ContractFactory, per_failed_item_clause
from inspections.models import ChecklistItem, Complaint, Inspection, ItemResult, RectificationOrder
from inspections.services import complaints as complaint_services
from inspections.tests.factories import make_template
from logistics.access import scoped
from logistics.models import Notification
from logistics.quarters import Quarter
from scoring import selectors, services
from scoring import services_objections as objections
from scoring.models import Evaluation, Objection
from scoring.tests.factories import SHANGHAI, complaint, inspection

Q3 = Quarter(2026, 3)


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (a test before may have left Chinese active in this thread)."""
    with translation.override("en"):
        yield


def failed_item(contract, user, template, code: str, day: dt.date) -> ItemResult:
    ins = inspection(contract, user, "daily", day, "60", status="draft")
    row = ItemResult.objects.create(
        inspection=ins, item=ChecklistItem.objects.get(template=template, code=code), result="fail", awarded=D(0)
    )
    Inspection.objects.filter(pk=ins.pk).update(status="submitted", submitted_at=ins.started_at)
    return row


@pytest.fixture
def quarter(vendor_a, inspector_user, office_user):
    """Contract of vendor A, Q3 2026: fee 100,000.00 (400,000 a year); two failed major items at 300.00 each and
    a cap of 0.5% of the fee (500.00): deductions 600.00, 100.00 removed by the cap, payable 99,500.00."""
    contract = ContractFactory(vendor=vendor_a, start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))
    per_failed_item_clause(contract)
    ClauseFactory(contract=contract, kind="deduction_cap", amount=None, percent=D("0.50"))
    template = make_template()
    first = failed_item(contract, inspector_user, template, "A2", dt.date(2026, 7, 1))
    second = failed_item(contract, inspector_user, template, "A2", dt.date(2026, 8, 3))
    [evaluation] = services.evaluations_compute(quarter=Q3)
    evaluation = services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    return {"contract": contract, "evaluation": evaluation, "first": first, "second": second}


def end_the_period(evaluation):
    now = timezone.now()
    Evaluation.objects.filter(pk=evaluation.pk).update(
        published_at=now - dt.timedelta(days=6), objection_deadline=now - dt.timedelta(seconds=1)
    )
    evaluation.refresh_from_db()


def money(contract):
    s = Settlement.objects.get(contract=contract, quarter=Q3.key)
    return (s.status, s.deductions, s.cap_applied, s.payable)


def line_key(evaluation, item):
    return next(o.key for o in selectors.objection_options(evaluation) if o.evidence_id == item.pk)


def test_worked_example_an_upheld_objection_voids_a_deduction_and_the_payable_follows_under_the_cap(
    quarter, office_user, vendor_user
):
    contract, evaluation = quarter["contract"], quarter["evaluation"]
    assert money(contract) == ("draft", D("600.00"), D("100.00"), D("99500.00"))
    # nothing of the quarter is the vendor's before publication
    assert not scoped(vendor_user, Evaluation.objects.all()).exists()
    assert not scoped(vendor_user, Settlement.objects.all()).exists()
    assert not scoped(vendor_user, LedgerLine.objects.all()).exists()

    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)
    assert evaluation.status == "published"
    assert scoped(vendor_user, LedgerLine.objects.all()).count() == 2
    assert scoped(vendor_user, Settlement.objects.all()).get().published_at is not None

    photo = SimpleUploadedFile("record.pdf", b"%PDF-1.4\n% log\n%%EOF\n", content_type="application/pdf")
    objection = objections.objection_file(
        evaluation=evaluation,
        target_key=line_key(evaluation, quarter["first"]),
        reasons="当日已按标准完成",
        files=[photo],
        by=vendor_user,
    )
    assert (objection.target, objection.amount, objection.files.count()) == ("ledger_line", D("300.00"), 1)
    # finalizing waits for the ruling (and for the period, which the vendor's acceptance ends)
    with pytest.raises(ValidationError) as refused:
        services.evaluation_finalize(evaluation=evaluation, by=office_user)
    assert "1 objection awaits a ruling." in refused.value.messages
    assert any("may object until" in m for m in refused.value.messages)

    objections.objection_rule(objection=objection, upheld=True, ruling="复核属实，撤销该项扣款", by=office_user)
    # the item is amended (the inspection's audited path), the line is gone, the cap removes nothing now:
    # deductions 300.00, payable 99,700.00 - 200.00 more, not 300.00, because the cap had already removed 100.00
    quarter["first"].refresh_from_db()
    assert quarter["first"].result == "pass"
    assert quarter["first"].inspection.amendments.get().reason.startswith(f"Objection {objection.pk} upheld")
    assert money(contract) == ("draft", D("300.00"), D("0.00"), D("99700.00"))
    objection.refresh_from_db()
    assert (objection.status, objection.correction["item_result"]) == ("upheld", quarter["first"].pk)
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.facts["failed_items"]) == ("published", 1)

    services.evaluation_accept(evaluation=evaluation, by=vendor_user)
    evaluation = services.evaluation_finalize(evaluation=evaluation, by=office_user)
    assert evaluation.status == "final"
    assert money(contract) == ("final", D("300.00"), D("0.00"), D("99700.00"))
    # every step is in the history
    assert list(Objection.history.filter(id=objection.pk).order_by("history_id").values_list("status", flat=True)) == [
        "open",
        "upheld",
    ]

    out = StringIO()
    call_command("evaluate_quarter", "2026Q3", "--json", stdout=out)
    [row] = json.loads(out.getvalue())
    assert (row["status"], row["payable"], row["deductions"], row["cap_applied"]) == (
        "final",
        "99700.00",
        "300.00",
        "0.00",
    )
    assert [(o["target"], o["amount"], o["status"], o["ruling"]) for o in row["objections"]] == [
        ("ledger_line", "300.00", "upheld", "复核属实，撤销该项扣款")
    ]
    assert row["published_at"] and row["accepted_at"] and row["warnings"] == []


def test_a_dismissed_objection_keeps_the_money_and_reopening_keeps_the_objections(quarter, office_user, vendor_user):
    contract, evaluation = quarter["contract"], quarter["evaluation"]
    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)
    objection = objections.objection_file(
        evaluation=evaluation, target_key=line_key(evaluation, quarter["second"]), reasons="不认可", by=vendor_user
    )
    with pytest.raises(ValidationError) as refused:
        objections.objection_rule(objection=objection, upheld=False, ruling="  ", by=office_user)
    assert refused.value.message_dict == {"ruling": ["A ruling needs its reasons: the vendor reads them."]}
    objections.objection_rule(objection=objection, upheld=False, ruling="照片显示地面有积水", by=office_user)
    assert money(contract) == ("draft", D("600.00"), D("100.00"), D("99500.00"))
    with pytest.raises(ValidationError, match="already been ruled"):
        objections.objection_rule(objection=objection, upheld=True, ruling="改判", by=office_user)

    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)  # twice is once
    end_the_period(evaluation)
    evaluation = services.evaluation_finalize(evaluation=evaluation, by=office_user)
    reopened = services.evaluation_reopen(evaluation=evaluation, reason="复核", by=office_user)
    assert reopened.status == "reviewed"
    assert list(reopened.objections.values_list("status", flat=True)) == ["dismissed"]
    # the vendor saw it once published: it still sees the quarter while it is corrected
    assert scoped(vendor_user, Evaluation.objects.all()).get() == reopened


def test_bad_objections_and_rulings_get_clear_messages_and_lose_nothing(
    quarter, office_user, vendor_user, vendor_b_user
):
    evaluation = quarter["evaluation"]
    key = line_key(evaluation, quarter["first"])
    with pytest.raises(ValidationError, match="not open to objections"):
        objections.objection_file(evaluation=evaluation, target_key=key, reasons="x", by=vendor_user)
    with pytest.raises(ValidationError, match="Record the evaluation meeting before publishing"):
        computed = Evaluation.objects.filter(pk=evaluation.pk)
        computed.update(status="computed")
        services.evaluation_publish(evaluation=evaluation, by=office_user)
    Evaluation.objects.filter(pk=evaluation.pk).update(status="reviewed")
    with pytest.raises(ValidationError, match="Publish the result to the vendor before finalizing"):
        services.evaluation_finalize(evaluation=evaluation, by=office_user)
    with pytest.raises(ValidationError, match="Only the logistics office publishes"):
        services.evaluation_publish(evaluation=evaluation, by=vendor_user)
    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)

    with pytest.raises(ValidationError) as refused:
        objections.objection_file(evaluation=evaluation, target_key=key, reasons=" ", by=vendor_user)
    assert refused.value.message_dict == {"reasons": ["Say why you object: the office rules on your reasons."]}
    with pytest.raises(ValidationError, match="Only the vendor's staff"):  # another vendor's line
        objections.objection_file(evaluation=evaluation, target_key=key, reasons="x", by=vendor_b_user)
    with pytest.raises(ValidationError) as refused:  # not a fact of this quarter (another contract's, a guess)
        objections.objection_file(evaluation=evaluation, target_key="item_result:999999", reasons="x", by=vendor_user)
    assert refused.value.message_dict == {"target": ["Choose what you object to among this quarter's facts."]}
    objections.objection_file(evaluation=evaluation, target_key=key, reasons="x", by=vendor_user)
    with pytest.raises(ValidationError) as refused:
        objections.objection_file(evaluation=evaluation, target_key=key, reasons="again", by=vendor_user)
    assert refused.value.message_dict == {"target": ["You have already objected to this; the office rules on it once."]}
    with pytest.raises(ValidationError, match="Only the logistics office rules"):
        objections.objection_rule(objection=evaluation.objections.get(), upheld=True, ruling="x", by=vendor_user)

    # after the deadline: no more objections, and no acceptance either
    end_the_period(evaluation)
    evaluation.refresh_from_db()
    other = line_key(evaluation, quarter["second"])
    with pytest.raises(ValidationError, match="The objection period ended on"):
        objections.objection_file(evaluation=evaluation, target_key=other, reasons="x", by=vendor_user)
    with pytest.raises(ValidationError, match="objection period of this result is over"):
        services.evaluation_accept(evaluation=evaluation, by=vendor_user)
    with pytest.raises(ValidationError, match="1 objection awaits a ruling"):
        services.evaluation_finalize(evaluation=evaluation, by=office_user)
    assert evaluation.objections.count() == 1  # nothing lost, nothing added


def test_objections_to_a_complaint_a_rectification_and_the_score_correct_each_fact(
    vendor_a, vendor_user, office_user, inspector_user
):
    contract = ContractFactory(vendor=vendor_a, start_date=dt.date(2026, 1, 1), annual_fee=D("400000"))
    ClauseFactory(contract=contract, kind="per_upheld_complaint", amount=D("500.00"))
    ClauseFactory(contract=contract, kind="per_overdue_rectification_day", amount=D("50.00"))
    inspection(contract, inspector_user, "daily", dt.date(2026, 7, 2), "90")
    filed = complaint(contract, dt.datetime(2026, 8, 1, 10, tzinfo=SHANGHAI))
    order = RectificationOrder.objects.create(
        contract=contract,
        source="manual",
        description="门厅玻璃破损",
        severity="major",
        issued_at=dt.datetime(2026, 9, 1, 9, tzinfo=SHANGHAI),
        deadline=dt.datetime(2026, 9, 3, 9, tzinfo=SHANGHAI),
        status="verified",
        answered_at=dt.datetime(2026, 9, 10, 9, tzinfo=SHANGHAI),
        verified_at=dt.datetime(2026, 9, 11, 9, tzinfo=SHANGHAI),
        resolved_at=dt.datetime(2026, 9, 10, 9, tzinfo=SHANGHAI),
    )
    [evaluation] = services.evaluations_compute(quarter=Q3)
    evaluation = services.evaluation_review(
        evaluation=evaluation, meeting_date=dt.date(2026, 10, 9), attendees="后勤处", by=office_user
    )
    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user)
    # the complaint 500.00; the order 7 days late (4 to 10 September) at 50.00: 350.00
    assert money(contract) == ("draft", D("850.00"), D("0.00"), D("99150.00"))
    assert evaluation.score == D("91.25")  # D 90 x 30/40 + C 95 x 10/40 (S, W and M have no data)
    options = {o.evidence_type: o.key for o in selectors.objection_options(evaluation)}

    def upheld(key, **kwargs):
        objection = objections.objection_file(evaluation=evaluation, target_key=key, reasons="理由", by=vendor_user)
        return objections.objection_rule(objection=objection, upheld=True, ruling="异议成立", by=office_user, **kwargs)

    upheld(options["complaint"])
    filed.refresh_from_db()
    assert (filed.upheld, filed.counts_in, filed.status) == (False, "", "closed")
    assert filed.events.get(kind="overruled").internal_note.startswith("No longer counted in 2026Q3")
    assert money(contract) == ("draft", D("350.00"), D("0.00"), D("99650.00"))
    evaluation.refresh_from_db()
    assert evaluation.score == D("92.50")  # C is now 100, with D 90: 90 x 30/40 + 100 x 10/40

    upheld(options["rectification"])
    order.refresh_from_db()
    assert order.deadline == dt.datetime(2026, 9, 10, 9, tzinfo=SHANGHAI)
    assert order.events.get(kind="extended").note.startswith("Deadline 2026-09-03 09:00 moved to 2026-09-10 09:00")
    assert money(contract) == ("draft", D("0.00"), D("0.00"), D("100000.00"))

    with pytest.raises(ValidationError) as refused:  # upholding an objection to the score needs the points
        upheld("score")
    assert refused.value.message_dict == {
        "points": ["Upholding an objection to the score: enter the points it changes by."]
    }
    assert evaluation.objections.get(target="score").is_open  # the filing stays; the ruling can be made again
    objection = evaluation.objections.get(target="score")
    with pytest.raises(ValidationError, match=r"must be between -5\.00 and \+5\.00"):
        objections.objection_rule(objection=objection, upheld=True, ruling="加分", points="6", by=office_user)
    objections.objection_rule(objection=objection, upheld=True, ruling="重大活动保障", points="1.5", by=office_user)
    evaluation.refresh_from_db()
    assert (evaluation.adjustment, evaluation.score) == (D("1.50"), D("94.00"))
    assert "重大活动保障" in evaluation.adjustment_reason


def test_what_a_vendor_may_object_to_costs_the_same_queries_for_2_and_12_lines(
    quarter, office_user, inspector_user, count_queries
):
    evaluation = services.evaluation_publish(evaluation=quarter["evaluation"], by=office_user)
    small, options = count_queries(lambda: selectors.objection_options(evaluation))
    assert len(options) == 3  # the score and two lines
    template = make_template()
    for day in range(1, 11):
        failed_item(quarter["contract"], inspector_user, template, "A2", dt.date(2026, 9, day))
    services.evaluations_compute(quarter=Q3, contracts=[quarter["contract"]], include_reviewed=True)
    large, options = count_queries(lambda: selectors.objection_options(evaluation))
    assert (len(options), small) == (13, large)


def test_publishing_tells_the_vendor_and_sets_the_deadline_at_midnight_after_the_period(
    quarter, office_user, vendor_user
):
    evaluation = quarter["evaluation"]
    published = dt.datetime(2026, 10, 10, 15, 30, tzinfo=SHANGHAI)
    evaluation = services.evaluation_publish(evaluation=evaluation, by=office_user, now=published)
    # 5 days (the scheme's default): until 15 October, 24:00, in the institution's time
    assert evaluation.objection_deadline == dt.datetime(2026, 10, 16, 0, 0, tzinfo=SHANGHAI)
    assert services.deadline_text(evaluation) == "2026-10-15 24:00"
    assert Notification.objects.filter(
        recipient=vendor_user, subject__contains="objections until 2026-10-15 24:00"
    ).exists()


def test_a_complaint_no_longer_upheld_needs_a_reason(quarter, office_user):
    item = complaint(quarter["contract"], dt.datetime(2026, 8, 1, 10, tzinfo=SHANGHAI))
    with pytest.raises(ValidationError):
        complaint_services.complaint_overrule(complaint=item, reason=" ", by=office_user)
    assert Complaint.objects.get(pk=item.pk).upheld is True


def test_the_nightly_job_tells_the_office_once_when_a_period_ends(quarter, office_user, vendor_user):
    from scoring.nightly import objection_periods_ended

    evaluation = services.evaluation_publish(evaluation=quarter["evaluation"], by=office_user)
    assert objection_periods_ended() == 0  # the period runs
    objections.objection_file(evaluation=evaluation, target_key="score", reasons="偏低", by=vendor_user)
    end_the_period(evaluation)
    assert objection_periods_ended() == 2  # the office account's inbox and email
    assert objection_periods_ended() == 0  # once
    subjects = set(Notification.objects.filter(recipient=office_user).values_list("subject", flat=True))
    assert f"{quarter['contract'].number} 2026Q3：尚有 1 项异议待处理" in subjects


def test_finalizing_refuses_money_the_vendor_was_not_shown_and_a_published_quarter_takes_no_new_complaint(
    quarter, office_user, vendor_user
):
    from inspections.services import complaints as complaint_services
    from inspections.services import inspections as inspection_services

    evaluation = services.evaluation_publish(evaluation=quarter["evaluation"], by=office_user)
    end_the_period(evaluation)
    # a complaint filed in the quarter and upheld now counts in the next one: Q3 was shown to the vendor
    assert complaint_services.counts_in_quarter(quarter["contract"].pk, timezone.now().replace(year=2026, month=8)) == (
        "2026Q4"
    )
    # an amendment outside an objection changes the money: finalizing waits for a recompute
    row = quarter["second"]
    inspection_services.inspection_amend(
        inspection=row.inspection, changes={row.item.code: {"result": "pass"}}, reason="复核", by=office_user
    )
    with pytest.raises(ValidationError, match=r"payable now 99700\.00, shown 99500\.00"):
        services.evaluation_finalize(evaluation=evaluation, by=office_user)
    services.evaluations_compute(quarter=Q3, contracts=[quarter["contract"]], include_reviewed=True)
    assert money(quarter["contract"]) == ("draft", D("300.00"), D("0.00"), D("99700.00"))
    # publishing again gives a new period (the objections stay), then the money shown is the money finalized
    again = services.evaluation_publish(evaluation=evaluation, by=office_user, again=True)
    assert again.objection_period_open()
    end_the_period(again)
    assert services.evaluation_finalize(evaluation=again, by=office_user).status == "final"
    assert money(quarter["contract"]) == ("final", D("300.00"), D("0.00"), D("99700.00"))
