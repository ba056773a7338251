"""Demo evaluations: older quarters reviewed and final (settlements, warnings, reports, a trend), the last
complete quarter computed and awaiting review (two of them already final), the current one running."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from inspections.demo import DEMO_QUARTERS
from logistics.quarters import Quarter
from logistics.quarters import today as local_today
from scoring import services
from scoring.models import Evaluation, EvaluationStatus, QuarterRun

ATTENDEES = "后勤管理处 张伟、陈静；安全生产科；法规处 孙法；服务企业项目经理"
FINAL_NOW = ("cleaning", "security")


def _review_and_finalize(evaluation: Evaluation, office: Any, quarter: Quarter) -> None:
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
    if evaluation.status == EvaluationStatus.REVIEWED:
        services.evaluation_finalize(evaluation=evaluation, by=office, as_of=quarter.last_day + dt.timedelta(days=8))


def seed(context: dict[str, Any]) -> None:
    office = context["users"]["office"]
    today = local_today()
    current = Quarter.containing(today)
    complete = current.back(DEMO_QUARTERS + 1)[:-1]
    for quarter in complete:
        if not QuarterRun.objects.filter(quarter=quarter.key).exists():
            services.quarter_close(quarter=quarter, trigger="demo")
        final_keys = set(context["contracts"]) if quarter != complete[-1] else set(FINAL_NOW)
        for key, contract in context["contracts"].items():
            evaluation = Evaluation.objects.filter(contract=contract, quarter=quarter.key).first()
            if evaluation is not None and key in final_keys:
                _review_and_finalize(evaluation, office, quarter)
    services.evaluations_compute(quarter=current)
