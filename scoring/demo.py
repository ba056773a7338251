"""Demo evaluations: older quarters reviewed, published to the vendors and final (settlements, warnings,
reports, a trend); in the last complete quarter the security contract is final, the demo vendor's cleaning
contract is published with two objections (one upheld, one awaiting the office's ruling) and the others are
computed and await their meeting; the current quarter is running. The canteen is scored with its own scheme,
satisfaction taken half from the surveys and half from the monthly feedback forms. The year's and the halves'
appraisals are computed (the year's is provisional: its last quarter is running)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from inspections.demo import DEMO_QUARTERS
from logistics.models import User
from logistics.quarters import Quarter, institution_tz
from logistics.quarters import today as local_today
from scoring import selectors, services, services_objections, services_year
from scoring.choices import ObjectionTarget, SatisfactionSource
from scoring.models import Evaluation, EvaluationScheme, EvaluationStatus, QuarterRun

ATTENDEES = "后勤管理处 张伟、陈静；安全生产科；法规处 孙法；服务企业项目经理"
FINAL_NOW = ("security",)
PUBLISHED_NOW = ("cleaning",)


def _review(evaluation: Evaluation, office: Any, quarter: Quarter) -> Evaluation:
    if evaluation.status == EvaluationStatus.COMPUTED:
        adjustment = Decimal("1.00") if evaluation.contract.number.endswith("SECURITY") else Decimal(0)
        evaluation = services.evaluation_review(
            evaluation=evaluation,
            meeting_date=quarter.last_day + dt.timedelta(days=8),
            attendees=ATTENDEES,
            minutes="会议听取了本季度日常、每周和月度联合检查情况及员工意见，逐项核对扣分依据，服务企业无异议。",
            adjustment=adjustment,
            reason="重大活动保障表现突出，经联合考评会议一致同意加分。" if adjustment else "",
            by=office,
        )
    return evaluation


def _meeting_day(quarter: Quarter, days: int) -> dt.datetime:
    day = quarter.last_day + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(10), tzinfo=institution_tz())


def _review_and_finalize(evaluation: Evaluation, office: User, vendor_user: User, quarter: Quarter) -> None:
    evaluation = _review(evaluation, office, quarter)
    if evaluation.status == EvaluationStatus.REVIEWED:
        evaluation = services.evaluation_publish(evaluation=evaluation, by=office, now=_meeting_day(quarter, 9))
    if evaluation.status == EvaluationStatus.PUBLISHED:
        if evaluation.objection_period_open() and vendor_user.vendor_id == evaluation.contract.vendor_id:
            services.evaluation_accept(evaluation=evaluation, by=vendor_user)
        if not services.finalize_blockers(evaluation):
            services.evaluation_finalize(
                evaluation=evaluation, by=office, as_of=quarter.last_day + dt.timedelta(days=8)
            )


def _publish_with_objections(evaluation: Evaluation, office: User, vendor_user: User, quarter: Quarter) -> None:
    """The cleaning contract's last quarter: published today; the vendor objects to a deduction (the office
    upholds it: the item is amended, the money follows) and to the score (awaiting the office's ruling). The
    words an objection keeps of its fact are the filer's language: the demo's people read Chinese."""
    with translation.override("zh-hans"):
        _publish_and_object(evaluation, office, vendor_user, quarter)


def _publish_and_object(evaluation: Evaluation, office: User, vendor_user: User, quarter: Quarter) -> None:
    evaluation = _review(evaluation, office, quarter)
    if evaluation.status == EvaluationStatus.REVIEWED:
        evaluation = services.evaluation_publish(evaluation=evaluation, by=office)
    if evaluation.objections.exists() or vendor_user.vendor_id != evaluation.contract.vendor_id:
        return
    options = selectors.objection_options(evaluation)
    line = next(
        (o for o in options if o.target == ObjectionTarget.LEDGER_LINE and o.evidence_type == "item_result"), None
    )
    if line is not None:
        upheld = services_objections.objection_file(
            evaluation=evaluation,
            target_key=line.key,
            reasons="该项检查当日现场已按标准完成保洁，检查时段为保洁作业间隙，附当日作业记录与照片。",
            by=vendor_user,
        )
        services_objections.objection_rule(
            objection=upheld,
            upheld=True,
            ruling="经调阅当日保洁作业记录并现场复核，该项不合格认定依据不足，异议成立，撤销该项扣款。",
            by=office,
        )
    services_objections.objection_file(
        evaluation=evaluation,
        target_key="score",
        reasons="本季度承担两次重大活动保障任务，员工满意度调查样本偏少，请求考评会议酌情调整得分。",
        by=vendor_user,
    )


def _canteen_scheme(context: dict[str, Any]) -> None:
    """The canteen's own scheme: the default's weights, S half from the surveys, half from the monthly forms."""
    if EvaluationScheme.objects.filter(family="canteen").exists():
        return
    default = EvaluationScheme.objects.get(family="default", is_current=True)
    fields = {f: getattr(default, f) for f in services.SCHEME_FIELDS}
    fields.update(
        name="食堂服务考评方案",
        category=context["contracts"]["canteen"].category,
        satisfaction_source=SatisfactionSource.BOTH,
        satisfaction_forms_share=Decimal(50),
    )
    scheme = EvaluationScheme(family="canteen", **fields)
    scheme.full_clean()
    scheme.save()


def seed(context: dict[str, Any]) -> None:
    office, vendor_user = context["users"]["office"], context["users"]["vendor"]
    today = local_today()
    current = Quarter.containing(today)
    complete = current.back(DEMO_QUARTERS + 1)[:-1]
    _canteen_scheme(context)
    for quarter in complete:
        if not QuarterRun.objects.filter(quarter=quarter.key).exists():
            services.quarter_close(quarter=quarter, trigger="demo")
        final_keys = set(context["contracts"]) if quarter != complete[-1] else set(FINAL_NOW)
        for key, contract in context["contracts"].items():
            evaluation = Evaluation.objects.filter(contract=contract, quarter=quarter.key).first()
            if evaluation is None:
                continue
            if key in final_keys:
                _review_and_finalize(evaluation, office, vendor_user, quarter)
            elif quarter == complete[-1] and key in PUBLISHED_NOW:
                _publish_with_objections(evaluation, office, vendor_user, quarter)
    services.evaluations_compute(quarter=current)
    _pay(context["contracts"].values(), office, context["users"]["finance"])
    for half in (None, 1, 2):
        services_year.appraisal_compute(year=current.year, half=half, by=office)


def _pay(contracts: Any, office: Any, finance: Any) -> None:
    """Every payable instalment went through its chain: the office raised its request two days after the period,
    finance approved it three days later and paid it about ten days after the period; except the three latest:
    the last one is approved and waits for its payment to be recorded, the one before waits for finance, and the
    one before that was returned by finance with its reason (the office is to raise it again). The instalments
    that carry a quarter not final yet wait for it (nothing is seeded twice)."""
    from contracts.choices import InstalmentStatus
    from contracts.models import Instalment, PaymentRequest
    from contracts.services_payments import (
        instalment_problem,
        instalment_record_payment,
        payment_request_approve,
        payment_request_raise,
        payment_request_return,
    )

    if PaymentRequest.objects.exists():
        return
    today = local_today()

    def at(day: dt.date, hour: int) -> dt.datetime:
        return min(dt.datetime.combine(min(day, today), dt.time(hour), tzinfo=institution_tz()), timezone.now())

    payable = sorted(
        (
            row
            for row in Instalment.objects.filter(contract__in=list(contracts), status=InstalmentStatus.SCHEDULED)
            .select_related("contract")
            .order_by("first_day")
            if not instalment_problem(row, today)
        ),
        key=lambda row: (row.last_day, row.contract.number),
    )
    history = payable[:-3]
    returned, waiting, approved = [None, None, None, *payable[-3:]][-3:]
    for row in history:
        request = payment_request_raise(instalment=row, by=office, now=at(row.last_day + dt.timedelta(days=2), 10))
        signed = at(row.last_day + dt.timedelta(days=5), 15)
        payment_request_approve(request=request, by=finance, now=signed)
        paid_on = max(min(row.last_day + dt.timedelta(days=10), today), signed.date())
        voucher = f"PZ-{paid_on:%Y%m}-{row.pk:04d}"
        instalment_record_payment(instalment=row, paid_on=paid_on, voucher=voucher, by=finance, today=today)
    if returned is not None:
        request = payment_request_raise(instalment=returned, by=office, now=at(today - dt.timedelta(days=4), 9))
        payment_request_return(
            request=request,
            by=finance,
            reason="服务企业开具的发票金额与审批单金额不一致，请核对发票后重新提交。",
            now=at(today - dt.timedelta(days=2), 14),
        )
    if waiting is not None:
        payment_request_raise(instalment=waiting, by=office, remarks="", now=at(today - dt.timedelta(days=1), 11))
    if approved is not None:
        request = payment_request_raise(
            instalment=approved, by=office, remarks="已核对季度结算单", now=at(today - dt.timedelta(days=3), 10)
        )
        payment_request_approve(
            request=request, by=finance, remarks="同意支付", now=at(today - dt.timedelta(days=1), 16)
        )
