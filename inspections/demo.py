"""Demo checklists and a quarter of inspections (the last complete one and the current one so far) for every
demo contract, with a realistic share of failures and rectification orders (some overdue). Idempotent: a
contract that already has demo inspections in a quarter gets none added."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from contracts.models import PostRole
from inspections import calculations
from inspections.choices import AnswerType, PlanFrequency, Signer
from inspections.demo_templates import DAILY, items_for
from inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    InspectionSignature,
    InspectionSignoff,
    InspectionStatus,
    ItemResult,
    RectificationEvent,
    RectificationOrder,
    RectificationSource,
    RectificationStatus,
)
from inspections.services.rectifications import deadline_for
from inspections.services.templates import template_save
from logistics.models import User
from logistics.quarters import Quarter, institution_tz
from logistics.quarters import today as local_today

# contract key -> (template category, share of failed items, share of partial items)
PROFILES = {
    "cleaning": ("cleaning", 0.03, 0.06),
    "security": ("security", 0.015, 0.04),
    "canteen": ("canteen", 0.05, 0.08),
    "equipment": ("equipment", 0.10, 0.12),
    "greening": ("greening", 0.02, 0.05),
    "vehicles": ("vehicles", 0.03, 0.05),
}
SELF_BIAS = 0.4  # vendors find fewer problems in their own self-checks than the office does
DEMO_QUARTERS = 3  # complete quarters of history before the current one (the trend charts need some)


def seed_templates(categories: dict[str, Any]) -> dict[tuple[str, str], ChecklistTemplate]:
    templates = {}
    for category in DAILY:
        for kind in ("daily", "weekly", "monthly_joint"):
            family = f"{category}-{kind.replace('_', '-')}"
            existing = ChecklistTemplate.objects.filter(family=family, is_current=True).first()
            if existing is None:
                name, name_en, items = items_for(category, kind)
                for item in items:  # a post check names its post role by code
                    if isinstance(item.get("post_role"), str):
                        item["post_role"] = PostRole.objects.get(code=item["post_role"])
                existing = template_save(
                    family=family, category=categories[category], kind=kind, name=name, name_en=name_en, items=items
                )
            templates[(category, kind)] = existing
    return templates


def _vendor_user(vendor: Any, key: str) -> User:
    user = vendor.users.first()
    if user is None:
        user, created = User.objects.get_or_create(
            username=f"{key}-staff",
            defaults={"first_name": "值班", "last_name": vendor.legal_name[:2], "vendor": vendor},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name="vendor"))
    return user


def _moment(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=institution_tz())


def _answers(
    rng: random.Random, items: list[Any], fail: float, partial: float
) -> list[tuple[Any, str, Decimal | None, Decimal | None]]:
    """(item, result, partial points, reading) for each item; a reading is drawn inside or outside its range
    and its result follows from it, as on the tablet; a signature item is signed."""
    out = []
    for item in items:
        if item.answer_type in (AnswerType.SIGNATURE, AnswerType.POST):  # signed; the post found staffed
            out.append((item, "pass", None, None))
            continue
        roll = rng.random()
        if roll < 0.01:
            out.append((item, "na", None, None))
        elif item.answer_type == AnswerType.READING:
            reading = _reading(rng, item, outside=roll < 0.01 + fail)
            out.append((item, calculations.reading_result(reading, item.min_value, item.max_value), None, reading))
        elif roll < 0.01 + fail:
            out.append((item, "fail", None, None))
        elif roll < 0.01 + fail + partial:
            share = Decimal(rng.choice([5, 6, 7, 8])) / 10
            points = (item.max_points * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            out.append((item, "partial", points, None))
        else:
            out.append((item, "pass", None, None))
    return out


def _reading(rng: random.Random, item: Any, *, outside: bool) -> Decimal:
    """A plausible reading of ``item``: inside its allowed range, or a little outside it (a gauge reads no
    less than nothing: below a positive lowest value, it stays above zero)."""
    low, high = item.min_value, item.max_value
    if low is None:
        low = high - max(abs(high), 1)
    if high is None:
        high = low * 5 if low > 0 else low + 10
    share = Decimal(rng.randint(5, 95)) / 100
    if not outside:
        value = low + (high - low) * share
    elif item.max_value is not None:
        value = high + (high - low) * share / 2
    else:
        value = low * share * Decimal("0.9") if low > 0 else low - share
    places = Decimal("0.01") if high - low < 5 else Decimal("0.1")
    return value.quantize(places, rounding=ROUND_HALF_UP)


def demo_signature(name: str) -> str:
    """The stored name of a demo signature of ``name``: a pen stroke drawn once per name (no font needed) and
    shared by that signer's demo inspections."""
    from PIL import Image, ImageDraw

    from logistics.uploads import private_storage

    storage = private_storage()
    path = f"signatures/demo-{hashlib.sha256(name.encode()).hexdigest()[:12]}.png"
    if not storage.exists(path):
        rng = random.Random(name)
        picture = Image.new("L", (480, 160), 255)
        x, points = 30.0, []
        waves = [rng.uniform(6, 14) for _ in range(3)]
        while x < 440:
            wave = waves[int(x) // 150 % 3]
            points.append((x + 14 * math.cos(x / wave), 85 + 40 * math.sin(x / wave) * rng.uniform(0.6, 1)))
            x += rng.uniform(2.5, 4.5)
        ImageDraw.Draw(picture).line(points, fill=25, width=3, joint="curve")
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        path = storage.save(path, ContentFile(buffer.getvalue()))
    return path


NOTES = {
    "fail": ["现场发现问题，已拍照留存", "未按标准执行", "记录缺失"],
    "partial": ["基本符合，细节待改进", "部分区域不到位"],
}


def seed_quarter(
    *,
    contract: Any,
    key: str,
    quarter: Quarter,
    until: dt.date,
    templates: dict,
    inspector: User,
    vendor_user: User,
    office: User,
) -> int:
    """A quarter of submitted inspections for one contract (bulk inserts), and its rectification orders."""
    category, fail, partial = PROFILES[key]
    demo_tag = f"demo:{key}:{quarter.key}"
    if Inspection.objects.filter(contract=contract, summary__startswith=demo_tag).exists():
        return 0
    rng = random.Random(f"{key}-{quarter.key}")
    item_lists = {kind: list(templates[(category, kind)].items.all()) for kind in ("daily", "weekly", "monthly_joint")}
    first = max(quarter.first_day, contract.start_date)
    last = min(quarter.last_day, until, contract.end_date)
    plan: list[tuple[str, dt.date, User, int]] = []
    day = first
    while day <= last:
        plan.append((InspectionKind.DAILY, day, inspector, rng.randint(9, 15)))
        plan.append((InspectionKind.SELF, day, vendor_user, 8))
        if day.weekday() == 2:  # Wednesdays: key points
            plan.append((InspectionKind.WEEKLY, day, inspector, 10))
        if day.day == 25:
            plan.append((InspectionKind.MONTHLY_JOINT, day, inspector, 14))
        day += dt.timedelta(days=1)
    inspections, answers_by_index = [], []
    sites = list(contract.sites.all())
    for index, (kind, day, user, hour) in enumerate(plan):
        template_kind = "daily" if kind in (InspectionKind.DAILY, InspectionKind.SELF) else kind
        items = item_lists[template_kind]
        own_fail = fail * SELF_BIAS if kind == InspectionKind.SELF else fail
        answers = _answers(rng, items, own_fail, partial)
        outcome = calculations.score(calculations.ItemAnswer(r, i.max_points, p) for i, r, p, _v in answers)
        started = _moment(day, hour, rng.randint(0, 50))
        if kind == InspectionKind.DAILY and random.Random(f"skip-{demo_tag}-{day}").random() < 0.04:
            continue  # a day the office did not get round to (its plan's round is missed); the draws above stay
        inspections.append(
            Inspection(
                kind=kind,
                contract=contract,
                site=rng.choice(sites) if sites else None,
                template=templates[(category, template_kind)],
                created_by=user,
                started_at=started,
                inspected_on=day,
                submitted_at=started + dt.timedelta(minutes=rng.randint(15, 45)),
                status=InspectionStatus.SUBMITTED,
                awarded_points=outcome.awarded,
                max_points=outcome.possible,
                score=outcome.score,
                summary=f"{demo_tag}#{index}",
                vendor_representative="李敏" if kind == InspectionKind.MONTHLY_JOINT else "",
            )
        )
        answers_by_index.append(answers)
    first_number = (Inspection.objects.aggregate(last=Max("number"))["last"] or 0) + 1
    for offset, inspection in enumerate(inspections):
        inspection.number = first_number + offset  # numbered at submission, in order
    created = Inspection.objects.bulk_create(inspections, batch_size=500)
    results, signatures = [], []
    for inspection, answers in zip(created, answers_by_index, strict=True):
        for item, result, points, reading in answers:
            awarded = calculations.awarded(calculations.ItemAnswer(result, item.max_points, points))
            note = random.Random(f"{inspection.pk}-{item.pk}").choice(NOTES[result]) if result in NOTES else ""
            results.append(
                ItemResult(
                    inspection=inspection,
                    item=item,
                    result=result,
                    points=points,
                    awarded=awarded,
                    note=note,
                    reading=reading,
                )
            )
            if item.answer_type == AnswerType.SIGNATURE:
                vendor = item.signer == Signer.VENDOR
                name = inspection.vendor_representative if vendor else inspection.created_by.get_full_name()
                signatures.append(
                    InspectionSignature(
                        inspection=inspection,
                        item=item,
                        signer_name=name,
                        image=demo_signature(name),
                        signed_at=inspection.submitted_at,
                        uploaded_by=inspection.created_by,
                    )
                )
    ItemResult.objects.bulk_create(results, batch_size=2000)
    InspectionSignature.objects.bulk_create(signatures, batch_size=2000)
    through = Inspection.inspectors.through
    through.objects.bulk_create(
        [through(inspection_id=i.pk, user_id=i.created_by_id) for i in created], batch_size=2000
    )
    signoffs = [InspectionSignoff(inspection=i, user_id=i.created_by_id) for i in created]
    signoffs += [
        InspectionSignoff(inspection=i, user=vendor_user) for i in created if i.kind == InspectionKind.MONTHLY_JOINT
    ]
    InspectionSignoff.objects.bulk_create(signoffs, batch_size=2000)
    _rectifications(contract, created, until, office, vendor_user, inspector)
    return len(created)


def _rectifications(
    contract: Any, inspections: list[Inspection], until: dt.date, office: User, vendor_user: User, inspector: User
) -> None:
    office_ids = [i.pk for i in inspections if i.kind != InspectionKind.SELF]
    by_id = {i.pk: i for i in inspections}
    failed = ItemResult.objects.filter(inspection_id__in=office_ids, result="fail").select_related("item")
    now = timezone.now()
    orders, plans = [], []
    for result in failed:
        inspection = by_id[result.inspection_id]
        rng = random.Random(f"rect-{result.pk}")
        issued = inspection.submitted_at
        deadline = deadline_for(result.item.severity, issued)
        age = (local_today() - inspection.inspected_on).days  # only recent orders are still open
        roll = rng.random()
        if age <= 3 or (age <= 12 and roll < 0.35):
            answered = None if roll < 0.6 or age <= 1 else issued + dt.timedelta(hours=rng.randint(4, 40))
            verified = None
        elif roll < 0.12:
            answered = deadline + dt.timedelta(days=rng.randint(1, 6), hours=2)  # late
            verified = answered + dt.timedelta(hours=rng.randint(3, 30))
        else:
            answered = issued + (deadline - issued) * rng.uniform(0.2, 0.9)
            verified = answered + dt.timedelta(hours=rng.randint(2, 30))
        answered = answered if answered is None or answered < now else None
        verified = verified if verified is not None and answered is not None and verified < now else None
        status = (
            RectificationStatus.VERIFIED
            if verified
            else (RectificationStatus.ANSWERED if answered else RectificationStatus.OPEN)
        )
        orders.append(
            RectificationOrder(
                contract=contract,
                source=RectificationSource.INSPECTION,
                item_result=result,
                severity=result.item.severity,
                description=result.problem_text,
                site=inspection.site,
                issued_at=issued,
                deadline=deadline,
                status=status,
                response="已按要求整改完毕，附整改后照片。" if answered else "",
                answered_at=answered,
                answered_by=vendor_user if answered else None,
                verified_at=verified,
                verified_by=inspector if verified else None,
                resolved_at=answered if verified else None,
                created_by=inspection.created_by,
            )
        )
        plans.append((issued, answered, verified))
    created = RectificationOrder.objects.bulk_create(orders, batch_size=1000)
    events = []
    for order, (issued, answered, verified) in zip(created, plans, strict=True):
        events.append(
            RectificationEvent(order=order, kind=RectificationEvent.Kind.ISSUED, by=order.created_by, at=issued)
        )
        if answered:
            events.append(
                RectificationEvent(
                    order=order, kind=RectificationEvent.Kind.ANSWERED, by=vendor_user, note=order.response, at=answered
                )
            )
        if verified:
            events.append(
                RectificationEvent(order=order, kind=RectificationEvent.Kind.VERIFIED, by=inspector, at=verified)
            )
    RectificationEvent.objects.bulk_create(events, batch_size=2000)


def seed(context: dict[str, Any]) -> None:
    templates = seed_templates(context["categories"])
    context["checklists"] = templates
    today = local_today()
    yesterday = today - dt.timedelta(days=1)
    inspector, office = context["users"]["inspector"], context["users"]["office"]
    current = Quarter.containing(today)
    total = 0
    for key, contract in context["contracts"].items():
        vendor_user = _vendor_user(contract.vendor, key)
        quarters = [(q, q.last_day) for q in current.back(DEMO_QUARTERS + 1)[:-1]] + [(current, yesterday)]
        for quarter, until in quarters:
            total += seed_quarter(
                contract=contract,
                key=key,
                quarter=quarter,
                until=until,
                templates=templates,
                inspector=inspector,
                vendor_user=vendor_user,
                office=office,
            )
    if total:
        context["stdout"].write(f"    inspections created: {total}")
    seed_plans(context, effective_from=current.previous().first_day)
    from inspections.demo_complaints_surveys import seed as seed_complaints_surveys

    seed_complaints_surveys(context)
    from inspections.demo_desk import seed as seed_desk

    seed_desk(context)


# (kind, frequency, weekday, day of month, window) of every demo contract's plan: the office's daily check on
# working days, the vendor's morning self-check every day, the key-point check on Wednesdays, the joint check
# on the 25th (the next working day when the 25th is a rest day)
DEMO_PLAN = [
    (InspectionKind.DAILY, PlanFrequency.WORKING_DAY, None, None, (dt.time(9, 0), dt.time(14, 0))),
    (InspectionKind.SELF, PlanFrequency.EVERY_DAY, None, None, (dt.time(7, 0), dt.time(10, 0))),
    (InspectionKind.WEEKLY, PlanFrequency.WEEKLY, 2, None, (dt.time(8, 0), dt.time(17, 0))),
    (InspectionKind.MONTHLY_JOINT, PlanFrequency.MONTHLY, None, 25, (dt.time(8, 0), dt.time(17, 0))),
]


def seed_plans(context: dict[str, Any], *, effective_from: dt.date) -> None:
    """Every demo contract's plan from the start of the last complete quarter, and its rounds up to tomorrow
    (the demo's inspections do them: late after 14:00, missed where a holiday moved the day)."""
    from inspections.services import plans as plan_services

    inspector, office = context["users"]["inspector"], context["users"]["office"]
    made = 0
    for contract in context["contracts"].values():
        if contract.plans.exists():
            continue
        for kind, frequency, weekday, day_of_month, (start, end) in DEMO_PLAN:
            plan_services.plan_create(
                by=office,
                inspectors=[] if kind == InspectionKind.SELF else [inspector],
                allow_past=True,
                contract=contract,
                kind=kind,
                frequency=frequency,
                weekday=weekday,
                day_of_month=day_of_month,
                window_start=start,
                window_end=end,
                effective_from=max(effective_from, contract.start_date),
            )
            made += 1
    if made:
        rounds = plan_services.rounds_create(effective_from, local_today() + dt.timedelta(days=1))
        plan_services.rounds_close()
        context["stdout"].write(f"    inspection plans created: {made}, rounds: {rounds}")
