"""Demo complaints (a quarter of them, in every state) and one answered survey per demo contract."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import models

from inspections.demo import DEMO_QUARTERS
from inspections.models import (
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from inspections.services.surveys import DEFAULT_QUESTIONS
from logistics.quarters import Quarter, institution_tz
from logistics.quarters import today as local_today

TEXTS = {
    "cleaning": [
        "三楼卫生间下午没有手纸，地面有积水。",
        "大厅垃圾桶已满，一上午没人清理。",
        "电梯按钮很脏，好几天没擦了。",
    ],
    "security": ["东门夜间岗亭无人，外来车辆直接进入。", "访客没有登记就进了办公楼。", "消防通道被快递箱堵住。"],
    "canteen": ["午餐的米饭夹生。", "餐具上有油渍，没洗干净。", "就餐区桌面没有及时清理。"],
    "equipment": ["办公室空调不制冷，报修两天没人来。", "走廊灯坏了一周还没修。", "会议室投影仪经常断电。"],
    "greening": ["主楼前草坪好久没修剪。", "行道树枝条挡住了人行道。", "广场花坛里有枯死的植物。"],
    "vehicles": ["预约的公务车迟到二十分钟。", "车内有烟味。", "司机路线不熟，绕了远路。"],
}
# (status, upheld, serious, rating, reopened) for the current quarter; older quarters are mostly closed
CURRENT = [
    (ComplaintStatus.RECEIVED, None, False, None, False),
    (ComplaintStatus.DISPATCHED, True, False, None, False),
    (ComplaintStatus.ANSWERED, True, False, None, False),
    (ComplaintStatus.CLOSED, True, False, 4, False),
    (ComplaintStatus.CLOSED, False, False, 5, False),
    (ComplaintStatus.REJECTED, None, False, None, False),
]
SATISFACTION = {
    "cleaning": 0.88,
    "security": 0.93,
    "canteen": 0.78,
    "equipment": 0.7,
    "greening": 0.9,
    "vehicles": 0.85,
}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 15), tzinfo=institution_tz())


def _complaint(
    rng: random.Random,
    contract: Any,
    key: str,
    created: dt.datetime,
    status: str,
    upheld: bool | None,
    serious: bool,
    rating: int | None,
    reopened: bool,
    office: Any,
) -> Complaint:
    sites = list(contract.sites.all())
    site = rng.choice(sites) if sites else None
    anonymous = rng.random() < 0.4
    triaged = status not in (ComplaintStatus.RECEIVED, ComplaintStatus.REJECTED)
    dispatched = created + dt.timedelta(hours=2) if triaged else None
    answered = created + dt.timedelta(hours=rng.randint(5, 40)) if status in ("answered", "closed") else None
    complaint = Complaint.objects.create(
        category=contract.category,
        site=site,
        description=rng.choice(TEXTS[key]),
        anonymous=anonymous,
        name="" if anonymous else rng.choice(["王老师", "刘科长", "陈女士"]),
        email="" if anonymous else "employee@example.cn",
        status=status,
        contract=contract if triaged else None,
        severity="serious" if serious else "normal",
        upheld=upheld if triaged else None,
        upheld_at=dispatched if triaged and upheld else None,
        counts_in=Quarter.containing(created).key if triaged and upheld else "",
        rejection_reason="经核实，该问题不属于服务企业责任范围，已转交相关部门。" if status == "rejected" else "",
        accepted_at=dispatched,
        dispatched_at=dispatched,
        response_deadline=dispatched + dt.timedelta(hours=48) if dispatched else None,
        vendor_response="已安排人员处理完毕。" if answered else "",
        answered_at=answered,
        office_reply="经核实已整改到位，感谢您的监督。" if status == "closed" else "",
        closed_at=answered + dt.timedelta(hours=3) if status == "closed" else None,
        rating=rating,
        rated_at=answered + dt.timedelta(hours=6) if rating else None,
        reopen_count=1 if reopened else 0,
        handled_by=office if triaged else None,
    )
    models.QuerySet.update(Complaint.objects.filter(pk=complaint.pk), created_at=created)
    # the timeline its status implies: (whether it happened, the event's kind, its other fields)
    timeline = [
        (True, "received", {"message": "received", "at": created}),
        (
            status == "rejected",
            "rejected",
            {"public_note": complaint.rejection_reason, "at": created + dt.timedelta(hours=1), "by": office},
        ),
        (triaged, "accepted", {"message": "accepted", "at": dispatched, "by": office}),
        (triaged, "dispatched", {"message": "dispatched", "at": dispatched, "by": office}),
        (bool(answered), "answered", {"public_note": complaint.vendor_response, "at": answered}),
        (
            status == "closed",
            "closed",
            {"public_note": complaint.office_reply, "at": complaint.closed_at, "by": office},
        ),
    ]
    ComplaintEvent.objects.bulk_create(
        [ComplaintEvent(complaint=complaint, kind=kind, **fields) for happened, kind, fields in timeline if happened]
    )
    return complaint


def seed_complaints(context: dict[str, Any]) -> None:
    office = context["users"]["office"]
    today = local_today()
    current = Quarter.containing(today)
    for key, contract in context["contracts"].items():
        if Complaint.objects.filter(contract=contract).exists() or key not in TEXTS:
            continue
        rng = random.Random(f"complaints-{key}")
        for previous in current.back(DEMO_QUARTERS + 1)[:-1]:
            if previous.last_day < contract.start_date:
                continue
            count = max(0, {"canteen": 6, "equipment": 7}.get(key, 3) + rng.randint(-1, 2))
            for i in range(count):
                day = max(contract.start_date, previous.first_day) + dt.timedelta(days=rng.randint(0, 80))
                upheld = rng.random() < 0.7
                serious = upheld and rng.random() < 0.25
                created = _at(min(day, previous.last_day), 10 + i % 6)
                _complaint(rng, contract, key, created, "closed", upheld, serious, rng.choice([3, 4, 5]), False, office)
        span = max(1, (today - current.first_day).days)
        for i, (status, upheld, serious, rating, reopened) in enumerate(CURRENT[: 3 if key != "cleaning" else 6]):
            day = current.first_day + dt.timedelta(days=min(span - 1, rng.randint(0, span)))
            if status in ("received", "dispatched"):
                day = today - dt.timedelta(days=1 if status == "received" else 3)
            _complaint(rng, contract, key, _at(day, 9 + i), status, upheld, serious, rating, reopened, office)


def seed_surveys(context: dict[str, Any]) -> None:
    for previous in Quarter.containing(local_today()).back(DEMO_QUARTERS + 1)[:-1]:
        _seed_surveys(context, previous)


def _seed_surveys(context: dict[str, Any], previous: Quarter) -> None:
    office = context["users"]["office"]
    for key, contract in context["contracts"].items():
        title = f"{previous.key} {contract.category} 服务满意度调查"
        if Survey.objects.filter(title=title).exists() or previous.last_day < contract.start_date:
            continue
        survey = Survey.objects.create(
            title=title,
            quarter=previous.key,
            opens_at=_at(previous.last_day - dt.timedelta(days=20), 9),
            deadline=_at(previous.last_day, 18),
            created_by=office,
        )
        survey.contracts.add(contract)
        questions = [
            SurveyQuestion.objects.create(survey=survey, text=t, text_en=e, sort_order=i)
            for i, (t, e) in enumerate(DEFAULT_QUESTIONS)
        ]
        invitations = SurveyInvitation.objects.bulk_create(
            [SurveyInvitation(survey=survey, contract=contract) for _ in range(40)]
        )
        rng = random.Random(f"survey-{key}-{previous.key}")
        share = SATISFACTION.get(key, 0.85)
        for invitation in invitations[:32]:
            response = SurveyResponse.objects.create(
                invitation=invitation,
                survey=survey,
                contract=contract,
                submitted_at=_at(previous.last_day - dt.timedelta(days=rng.randint(1, 18)), 12),
            )
            SurveyAnswer.objects.bulk_create(
                [
                    SurveyAnswer(
                        response=response,
                        question=q,
                        value=rng.choice([4, 5]) if rng.random() < share else rng.choice([2, 3]),
                    )
                    for q in questions
                ]
            )


def seed(context: dict[str, Any]) -> None:
    seed_complaints(context)
    seed_surveys(context)
