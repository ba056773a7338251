"""Demo data of the monthly feedback forms: a form per service, three departments' respondents, and every month
of the demo's quarters answered - some forms never, last month's still open for a few days (one saved, not
submitted), so that a respondent's link can be tried."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from feedback import services
from feedback.choices import RequestStatus
from feedback.models import FeedbackRequest, FeedbackRespondent
from inspections.demo import DEMO_QUARTERS
from logistics.quarters import Month, Quarter, institution_tz
from logistics.quarters import today as local_today

#: (department code, name family name first, email, the contracts it rates by demo key; None: every contract)
RESPONDENTS = [
    ("general", "刘洋", "liu.yang@example.cn", None),
    ("finance", "陈静", "chen.jing@example.cn", ["canteen", "cleaning", "vehicles"]),
    ("safety", "赵磊", "zhao.lei@example.cn", ["security", "equipment", "greening"]),
]
#: how well each contract's service is felt, as a share of the points (the demo's character per service)
LEVEL = {"security": 0.90, "canteen": 0.78, "equipment": 0.86, "greening": 0.83, "vehicles": 0.88, "cleaning": 0.81}


COMMENTS = {
    "security": "门岗登记认真，夜间巡逻记录齐全。",
    "canteen": "菜品花样可以再多一些，高峰时段打饭排队较长。",
    "equipment": "空调报修响应及时，维修后现场清理干净。",
    "greening": "草坪修剪及时，雨后积水处理稍慢。",
    "vehicles": "用车预约顺畅，司机准时。",
    "cleaning": "保洁及时，卫生间异味偶有反复。",
}


def _roll(*parts: Any) -> int:
    """A stable pseudo-random number 0..99 from the parts (the demo is the same every time it is seeded)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).digest()[0] % 100


def seed(context: dict[str, Any]) -> None:
    contracts = context["contracts"]
    for contract in contracts.values():
        services.form_create_default(category=contract.category)
    for code, name, email, keys in RESPONDENTS:
        person, _created = FeedbackRespondent.objects.get_or_create(
            department=context["departments"][code], is_active=True, defaults={"name": name, "email": email}
        )
        person.contracts.set([c for k, c in contracts.items() if keys is None or k in keys])
    today = local_today()
    first = Quarter.containing(today).back(DEMO_QUARTERS + 1)[0]
    month = Month(first.year, 3 * (first.number - 1) + 1)
    last = Month.containing(today) if today.day >= 25 else Month.containing(today).previous()
    key_of = {c.pk: k for k, c in contracts.items()}
    tz = institution_tz()
    while month <= last:
        sent = dt.datetime.combine(month.first_day.replace(day=25), dt.time(9, 30), tzinfo=tz)
        services.month_issue(month, now=sent)
        open_month = month == last and today <= month.last_day + dt.timedelta(days=10)
        for request in FeedbackRequest.objects.filter(month=month.key, status=RequestStatus.OPEN).select_related(
            "respondent"
        ):
            roll = _roll(month.key, request.contract_id, request.respondent_id)
            if roll < 12 or (open_month and roll < 45):
                continue  # never answered (or, last month, not yet)
            items = list(request.form.items.all())
            level = LEVEL.get(key_of.get(request.contract_id, ""), 0.85)
            points = {
                item.pk: max(0, min(item.max_points, round(item.max_points * level) + _roll(item.pk, roll) % 3 - 1))
                for item in items
            }
            submit = not (open_month and roll < 55)  # last month: one saved, to come back to
            comment = COMMENTS.get(key_of.get(request.contract_id, ""), "") if roll % 7 == 0 else ""
            services.feedback_save(
                request=request,
                points=points if submit else dict(list(points.items())[:2]),
                comment=comment,
                submit=submit,
                now=sent + dt.timedelta(days=2 + roll % 4, hours=roll % 7),
            )
        month = month.next()
