"""The benchmark's synthetic institution: N contracts and one quarter of what a real quarter holds.

Per contract: 90 ``daily``, 90 ``self``, 13 ``weekly`` and 3 ``monthly_joint`` submitted inspections of 20
checklist items, the rectification orders their failures opened (some overdue), ~30 complaints (a third
upheld), ~100 survey answers and the default clause set. The two large tables (inspections, item results)
are written with PostgreSQL's COPY; everything else with ``bulk_create``. Every row is marked as benchmark
data (numbers and names start with ``BENCH``), so the command can refuse a database with anything else.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from contracts import clause_kinds
from contracts.models import Clause, Contract, ContractStatus, PostRole, TermsVersion
from inspections.models import (
    OFFICE_KINDS,
    ChecklistItem,
    ChecklistTemplate,
    Complaint,
    Inspection,
    ItemResult,
    RectificationOrder,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from logistics import bulk
from logistics.credit_code import check_digit
from logistics.models import KeyPoint, ServiceCategory, Site, User, Vendor, VendorStatus
from logistics.quarters import Quarter, institution_tz

PREFIX = "BENCH-"
ITEMS = 20
KINDS = (("daily", 90), ("self", 90), ("weekly", 13), ("monthly_joint", 3))
SEVERITIES = ("minor",) * 14 + ("major",) * 5 + ("serious",)
CATEGORIES = (
    ("cleaning", "卫生保洁", "Cleaning"),
    ("security", "安保服务", "Security"),
    ("canteen", "餐饮服务", "Canteen"),
    ("equipment", "设备运维", "Equipment maintenance"),
    ("greening", "绿化养护", "Greening"),
)


class NotBenchmarkData(Exception):
    pass


def foreign_data() -> list[str]:
    """What in this database is not benchmark data (the command refuses to run when anything is)."""
    found = []
    if Contract.objects.exclude(number__startswith=PREFIX).exists():
        found.append("contracts")
    if Vendor.objects.exclude(legal_name__startswith=PREFIX).exists():
        found.append("vendors")
    if Complaint.objects.exclude(description__startswith=PREFIX).exists():
        found.append("complaints")
    if Inspection.objects.exclude(contract__number__startswith=PREFIX).exists():
        found.append("inspections")
    if User.objects.exclude(username__startswith="bench-").exists():
        found.append("users")
    return found


def existing_contracts() -> int:
    return Contract.objects.filter(number__startswith=PREFIX).count()


# --- writing rows fast ------------------------------------------------------------------------------------
def reset_sequences(*models_: type[models.Model]) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


# --- the institution --------------------------------------------------------------------------------------
def _reference(quarter: Quarter) -> dict[str, Any]:
    user, _ = User.objects.get_or_create(
        username="bench-inspector", defaults={"first_name": "基准", "last_name": "巡查员"}
    )
    categories = []
    for code, name, name_en in CATEGORIES:
        category, _ = ServiceCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
        categories.append(category)
    templates = {}
    for category in categories:
        for kind, _count in KINDS:
            family = f"bench-{category.code}-{kind}"
            template = ChecklistTemplate.objects.filter(family=family, is_current=True).first()
            if template is None:
                template = ChecklistTemplate.objects.create(
                    family=family,
                    category=category,
                    kind=kind,
                    name=f"{PREFIX}{category.name}检查表",
                    name_en="Checklist",
                )
                ChecklistItem.objects.bulk_create(
                    ChecklistItem(
                        template=template,
                        code=f"{kind[0].upper()}{i + 1:02d}",
                        text=f"检查项目 {i + 1}",
                        text_en=f"Checklist item {i + 1}",
                        max_points=Decimal(5),
                        severity=SEVERITIES[i],
                        sort_order=i,
                    )
                    for i in range(ITEMS)
                )
            templates[(category.pk, kind)] = (
                template.pk,
                list(
                    ChecklistItem.objects.filter(template=template).order_by("sort_order").values_list("pk", "severity")
                ),
            )
    survey = Survey.objects.filter(quarter=quarter.key, title__startswith=PREFIX).first()
    if survey is None:
        tz = institution_tz()
        survey = Survey.objects.create(
            title=f"{PREFIX}{quarter.key} 满意度调查",
            quarter=quarter.key,
            opens_at=dt.datetime.combine(quarter.last_day - dt.timedelta(days=20), dt.time(9), tzinfo=tz),
            deadline=dt.datetime.combine(quarter.last_day, dt.time(18), tzinfo=tz),
            created_by=user,
        )
        SurveyQuestion.objects.create(survey=survey, text="您对本季度的服务是否满意？", text_en="Are you satisfied?")
    question = survey.questions.first()
    return {"user": user, "categories": categories, "templates": templates, "survey": survey, "question": question}


@transaction.atomic
def generate(*, contracts: int, quarter: Quarter, seed: int = 20261001, chunk: int = 50) -> dict[str, int]:
    """Add contracts (numbered after the existing benchmark contracts) up to ``contracts`` in all."""
    if found := foreign_data():
        raise NotBenchmarkData(", ".join(found))
    start = existing_contracts()
    if start >= contracts:
        return {"contracts": 0, "inspections": 0, "item_results": 0}
    ref = _reference(quarter)
    rng = random.Random(seed + start)
    counts = {"contracts": 0, "inspections": 0, "item_results": 0, "rectifications": 0, "complaints": 0, "answers": 0}
    for first in range(start, contracts, chunk):
        numbers = range(first, min(first + chunk, contracts))
        batch = _contracts(numbers, quarter, ref, rng)
        for key, value in _quarter_of(batch, quarter, ref, rng).items():
            counts[key] += value
        counts["contracts"] += len(batch)
    reset_sequences(Inspection, ItemResult)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return counts


def _contracts(numbers: range, quarter: Quarter, ref: dict[str, Any], rng: random.Random) -> list[Contract]:
    vendors = Vendor.objects.bulk_create(
        Vendor(
            legal_name=f"{PREFIX}服务有限公司{n:05d}",
            credit_code=(code := f"91310000MB{n:07d}") + check_digit(code),
            legal_representative="王五",
            registered_capital=Decimal("5000000.00"),
            status=VendorStatus.ADMITTED,
        )
        for n in numbers
    )
    start = dt.date(quarter.year, 1, 1)
    objs = [
        Contract(
            number=f"{PREFIX}{n:05d}",
            vendor=vendor,
            category=ref["categories"][n % len(ref["categories"])],
            start_date=start,
            end_date=dt.date(quarter.year + 1, 12, 31),
            status=ContractStatus.DRAFT,  # terms are written to drafts; signed below
        )
        for n, vendor in zip(numbers, vendors, strict=True)
    ]
    fees = [Decimal(rng.randrange(200, 2000) * 1000) for _ in objs]
    Contract.objects.bulk_create(objs)
    objs = list(Contract.objects.filter(number__in=[c.number for c in objs]).order_by("number"))
    versions = TermsVersion.objects.bulk_create(
        TermsVersion(contract=contract, number=1, effective_from=contract.start_date, annual_fee=fee)
        for contract, fee in zip(objs, fees, strict=True)
    )
    Clause.objects.bulk_create(
        Clause(contract=terms.contract, terms=terms, **spec) for terms in versions for spec in clause_kinds.defaults()
    )
    models.QuerySet(model=Contract).filter(pk__in=[c.pk for c in objs]).update(status=ContractStatus.ACTIVE)
    for contract in objs:
        contract.status = ContractStatus.ACTIVE
    return objs


def _quarter_of(contracts: list[Contract], quarter: Quarter, ref: dict[str, Any], rng: random.Random) -> dict[str, int]:
    tz = institution_tz()
    now = timezone.now()
    user_id = ref["user"].pk
    inspection_id = _next_id(Inspection)
    result_id = _next_id(ItemResult)
    inspections, results, failures = [], [], []
    days = [quarter.first_day + dt.timedelta(days=i) for i in range(quarter.days)]
    for contract in contracts:
        fail_rate = rng.choice((0.005, 0.01, 0.02, 0.03, 0.06))  # vendors differ
        for kind, count in KINDS:
            template_id, items = ref["templates"][(contract.category_id, kind)]
            if kind == "weekly":
                chosen = days[3::7][:count]
            elif kind == "monthly_joint":
                chosen = [d for d in days if d.day == 25][:count]
            else:
                chosen = days[:count]
            for day in chosen:
                awarded = 0
                for item_id, severity in items:
                    failed = rng.random() < fail_rate
                    points = Decimal(0) if failed else Decimal(5)
                    awarded += points
                    results.append((result_id, inspection_id, item_id, "fail" if failed else "pass", None, points, ""))
                    if failed and kind in OFFICE_KINDS:
                        failures.append((contract, result_id, severity, day))
                    result_id += 1
                started = dt.datetime.combine(day, dt.time(9, 30), tzinfo=tz)
                score = (Decimal(awarded) * 100 / Decimal(ITEMS * 5)).quantize(Decimal("0.01"))
                inspections.append(
                    (
                        inspection_id,
                        now,
                        now,
                        kind,
                        contract.pk,
                        template_id,
                        user_id,
                        started,
                        day,
                        started,
                        "submitted",
                        Decimal(awarded),
                        Decimal(ITEMS * 5),
                        score,
                    )
                )
                inspection_id += 1
    bulk.insert_rows(
        Inspection,
        [
            "id",
            "created_at",
            "updated_at",
            "kind",
            "contract_id",
            "template_id",
            "created_by_id",
            "started_at",
            "inspected_on",
            "submitted_at",
            "status",
            "awarded_points",
            "max_points",
            "score",
        ],
        inspections,
    )
    bulk.insert_rows(ItemResult, ["id", "inspection_id", "item_id", "result", "points", "awarded", "note"], results)
    orders = []
    for contract, item_result_id, severity, day in failures:
        issued = dt.datetime.combine(day, dt.time(11), tzinfo=tz)
        deadline = issued + dt.timedelta(days=3)
        roll = rng.random()
        if roll < 0.8:
            resolved, status = issued + dt.timedelta(days=2), "verified"
        elif roll < 0.9:
            resolved, status = deadline + dt.timedelta(days=rng.randrange(1, 6)), "verified"
        else:
            resolved, status = None, "open"
        orders.append(
            RectificationOrder(
                contract=contract,
                source="inspection",
                item_result_id=item_result_id,
                description=f"{PREFIX}整改",
                severity=severity,
                issued_at=issued,
                deadline=deadline,
                status=status,
                resolved_at=resolved,
                verified_at=resolved,
                answered_at=resolved,
                created_by_id=user_id,
            )
        )
    RectificationOrder.objects.bulk_create(orders, batch_size=2000)
    complaints = []
    for contract in contracts:
        for _ in range(rng.randrange(20, 41)):
            upheld = rng.random() < 0.33
            day = rng.choice(days)
            created = dt.datetime.combine(day, dt.time(rng.randrange(7, 20), rng.randrange(60)), tzinfo=tz)
            complaints.append(
                Complaint(
                    category_id=contract.category_id,
                    description=f"{PREFIX}投诉",
                    contract=contract,
                    status="closed",
                    upheld=upheld,
                    upheld_at=created if upheld else None,
                    counts_in=quarter.key if upheld else "",
                    severity="serious" if upheld and rng.random() < 0.1 else "normal",
                    rating=rng.randrange(1, 6),
                    created_at=created,
                    closed_at=created + dt.timedelta(days=2),
                )
            )
    Complaint.objects.bulk_create(complaints, batch_size=2000)
    survey = ref["survey"]
    survey.contracts.add(*contracts)
    invitations = SurveyInvitation.objects.bulk_create(
        SurveyInvitation(survey=survey, contract=contract)
        for contract in contracts
        for _ in range(rng.randrange(80, 121))
    )
    responses = SurveyResponse.objects.bulk_create(
        SurveyResponse(invitation=inv, survey=survey, contract_id=inv.contract_id, submitted_at=survey.deadline)
        for inv in invitations
    )
    weights = (1, 2, 7, 30, 60)
    SurveyAnswer.objects.bulk_create(
        (
            SurveyAnswer(response=r, question=ref["question"], value=rng.choices((1, 2, 3, 4, 5), weights)[0])
            for r in responses
        ),
        batch_size=5000,
    )
    return {
        "inspections": len(inspections),
        "item_results": len(results),
        "rectifications": len(orders),
        "complaints": len(complaints),
        "answers": len(responses),
    }


# --- the tablet on a weak network: an inspector with many contracts and long checklists ----------------------
TABLET_INSPECTOR = "bench-inspector-20"
TABLET_CATEGORY = "bench-tablet"
TABLET_CONTRACTS = 20
TABLET_ITEMS = 40
# five current checklists of the inspector's kinds in one category (two daily ones: the day and the night round)
TABLET_CHECKLISTS = (
    ("daily", "日间"),
    ("daily", "夜间"),
    ("weekly", "每周"),
    ("monthly_joint", "月度联合"),
    ("special", "专项"),
)


def tablet_inspector(quarter: Quarter) -> User:
    """An inspector assigned to 20 contracts of one category that has 5 current checklists of 40 items, with
    sites and key points: the tablet page's large case. Its contracts start after ``quarter`` (no quarter close
    counts them) and ``drop_tablet_inspector`` removes them again: the benchmark's contract numbering and counts
    stay those of ``generate``. The items are the demo checklists' own wording (Chinese and English, standards,
    readings and signatures), so a page or a checklist weighs what a real one does."""
    from inspections.demo_templates import DAILY, MONTHLY_EXTRA

    drop_tablet_inspector()
    roles = {role.code: role for role in PostRole.objects.all()}

    def _item_extras(row: tuple) -> dict:
        """A row's extra fields; a post check names its post role by code (``inspections.demo_templates``)."""
        extras = dict(row[11]) if len(row) > 11 else {}
        if isinstance(extras.get("post_role"), str):
            extras["post_role"] = roles[extras["post_role"]]
        return extras

    user, _ = User.objects.get_or_create(
        username=TABLET_INSPECTOR, defaults={"first_name": "平板", "last_name": "巡查员"}
    )
    user.groups.add(Group.objects.get(name="inspector"))
    category = ServiceCategory.objects.create(code=TABLET_CATEGORY, name=f"{PREFIX}综合后勤", name_en="Facilities")
    rows = [row for _name, _name_en, items in DAILY.values() for row in items]
    for number, (kind, label) in enumerate(TABLET_CHECKLISTS, start=1):
        chosen = rows[: TABLET_ITEMS - 2] + MONTHLY_EXTRA[3:5] if kind == "monthly_joint" else rows[:TABLET_ITEMS]
        template = ChecklistTemplate.objects.create(
            family=f"{TABLET_CATEGORY}-{number}",
            category=category,
            kind=kind,
            name=f"{PREFIX}综合后勤{label}检查表",
            name_en=f"Facilities checklist {number}",
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                template=template,
                code=f"T{i + 1:02d}",
                group=r[1],
                group_en=r[2],
                text=r[3],
                text_en=r[4],
                standard=r[5],
                standard_en=r[6],
                max_points=Decimal(r[7]),
                severity=r[8],
                is_key_point=r[9],
                photo_required_on_fail=r[10],
                sort_order=i,
                **_item_extras(r),
            )
            for i, r in enumerate(chosen)
        )
    sites = [
        Site.objects.create(
            code=f"{TABLET_CATEGORY}-{n:02d}", name=f"{n}号楼", name_en=f"Building {n}", building=f"{n}"
        )
        for n in range(1, 11)
    ]
    KeyPoint.objects.bulk_create(
        KeyPoint(
            site=site, code=f"kp-{k}", name=f"{site.name}{k}层配电室", name_en=f"{site.name_en}, floor {k} power room"
        )
        for site in sites
        for k in range(1, 4)
    )
    vendor = Vendor.objects.create(
        legal_name=f"{PREFIX}综合后勤服务有限公司",
        credit_code=(code := "91310000MB9999999") + check_digit(code),
        legal_representative="王五",
        registered_capital=Decimal("5000000.00"),
        status=VendorStatus.ADMITTED,
    )
    start = quarter.last_day + dt.timedelta(days=1)
    for n in range(1, TABLET_CONTRACTS + 1):
        contract = Contract.objects.create(
            number=f"{PREFIX}T{n:04d}",
            vendor=vendor,
            category=category,
            start_date=start,
            end_date=dt.date(start.year + 2, 12, 31),
            status=ContractStatus.ACTIVE,
        )
        contract.sites.add(sites[(2 * n) % len(sites)], sites[(2 * n + 1) % len(sites)])
        contract.inspectors.add(user)
    return user


def drop_tablet_inspector() -> None:
    """Remove what ``tablet_inspector`` made (its contracts, checklists, sites, vendor and category)."""
    category = ServiceCategory.objects.filter(code=TABLET_CATEGORY).first()
    if category is None:
        return
    Contract.objects.filter(category=category).delete()
    Vendor.objects.filter(legal_name=f"{PREFIX}综合后勤服务有限公司").delete()
    ChecklistTemplate.objects.filter(category=category).delete()
    KeyPoint.objects.filter(site__code__startswith=f"{TABLET_CATEGORY}-").delete()
    Site.objects.filter(code__startswith=f"{TABLET_CATEGORY}-").delete()
    category.delete()
