"""Demo vendors (a dozen, some with expiring or expired certificates, one blacklisted), admission reviews,
one awarded tender and one open tender. Idempotent like the rest of seed_demo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from logistics.demo_seed import demo_credit_code
from logistics.models import (
    AdmissionReview,
    BadRecord,
    Bid,
    BidScore,
    Certificate,
    CertificateReview,
    CertificateType,
    ScoreSheet,
    Severity,
    StaffCertificate,
    Tender,
    TenderCriterion,
    TenderStatus,
    User,
    Vendor,
    VendorStaff,
    VendorStatus,
    VendorStatusChange,
)
from logistics.quarters import today as local_today
from logistics.services import admission as admission_services
from logistics.services import tenders as tender_services

# key, legal name, division, org code, representative, capital, categories, status, experience, projects
VENDORS = [
    ("jiejing", None, None, None, None, None, ["cleaning", "greening"], VendorStatus.ADMITTED, 9, 12),
    (
        "huaan",
        "华安保安服务有限公司",
        "110108",
        "MA02HA7K1",
        "周立新",
        "8000000",
        ["security"],
        VendorStatus.ADMITTED,
        12,
        20,
    ),
    (
        "jinwei",
        "金味餐饮管理有限公司",
        "110102",
        "MA03JW5P8",
        "刘芳",
        "3000000",
        ["canteen"],
        VendorStatus.ADMITTED,
        7,
        9,
    ),
    (
        "hengtong",
        "恒通机电设备工程有限公司",
        "110106",
        "MA04HT2Q3",
        "孙志强",
        "12000000",
        ["equipment"],
        VendorStatus.ADMITTED,
        15,
        18,
    ),
    (
        "lvyuan",
        "绿源园林绿化工程有限公司",
        "110115",
        "MA05LY9R6",
        "吴春华",
        "2000000",
        ["greening"],
        VendorStatus.ADMITTED,
        6,
        7,
    ),
    (
        "suda",
        "速达汽车租赁服务有限公司",
        "110105",
        "MA06TD4T2",
        "郑海",
        "6000000",
        ["vehicles"],
        VendorStatus.ADMITTED,
        8,
        10,
    ),
    (
        "boya",
        "博雅会务服务有限公司",
        "110101",
        "MA07BY8U5",
        "钱晓雯",
        "1000000",
        ["conference"],
        VendorStatus.ADMITTED,
        5,
        6,
    ),
    (
        "mingjing",
        "明净保洁服务有限公司",
        "110107",
        "MA08MJ3W7",
        "冯磊",
        "3000000",
        ["cleaning"],
        VendorStatus.ADMITTED,
        6,
        5,
    ),
    (
        "anjie",
        "安洁环境服务有限公司",
        "110111",
        "MA09AJ6X4",
        "何静",
        "4000000",
        ["cleaning"],
        VendorStatus.ADMITTED,
        10,
        14,
    ),
    (
        "shunxin",
        "顺心物业管理有限公司",
        "110112",
        "MA0AHX1Y9",
        "许文",
        "1500000",
        ["cleaning"],
        VendorStatus.APPLICANT,
        2,
        1,
    ),
    (
        "chengxin",
        "诚信保安服务有限公司",
        "110113",
        "MA0BCX5E2",
        "马强",
        "2000000",
        ["security"],
        VendorStatus.BLACKLISTED,
        4,
        3,
    ),
    (
        "kangning",
        "康宁医疗服务有限公司",
        "110109",
        "MA0CKN7F6",
        "林慧",
        "5000000",
        ["clinic"],
        VendorStatus.ADMITTED,
        11,
        8,
    ),
    (
        "moxiang",
        "墨香文印服务有限公司",
        "110114",
        "MA0DMX2G1",
        "黄伟",
        "500000",
        ["print"],
        VendorStatus.ADMITTED,
        4,
        4,
    ),
]

# vendor key -> [(type code, number, issued years ago, expires in days or None)]
CERTIFICATES = {
    "jiejing": [("business_licence", "110105012345678", 9, None), ("iso9001", "00121Q34567R1M", 2, 400)],
    "huaan": [
        ("business_licence", "110108023456789", 12, None),
        ("security_service_licence", "京公保服 20150021", 10, 700),
    ],
    "jinwei": [("business_licence", "110102034567890", 7, None), ("food_business_licence", "JY11102000123456", 5, 20)],
    "hengtong": [
        ("business_licence", "110106045678901", 15, None),
        ("fire_facility_maintenance", "京消维 2021-0077", 5, -12),
        # the renewed one, uploaded by the vendor on its portal: it waits for the office's verification
        ("fire_facility_maintenance", "京消维 2026-0102", 0, 1815, "pending"),
    ],
    "lvyuan": [("business_licence", "110115056789012", 6, None)],
    "suda": [
        ("business_licence", "110105067890123", 8, None),
        ("road_transport_licence", "京交运管许可 110105009876", 6, 5),
    ],
    "boya": [("business_licence", "110101078901234", 5, None)],
    "mingjing": [("business_licence", "110107089012345", 6, None), ("iso9001", "00122Q45678R0S", 1, 600)],
    "anjie": [("business_licence", "110111090123456", 10, None), ("iso9001", "00119Q56789R2M", 3, 200)],
    "shunxin": [("business_licence", "110112001234567", 2, None)],
    "chengxin": [("business_licence", "110113012345670", 4, None)],
    "kangning": [
        ("business_licence", "110109023456701", 11, None),
        ("medical_institution_licence", "PDY00012311010917A1001", 5, 900),
    ],
    "moxiang": [("business_licence", "110114034567012", 4, None)],
}

#: the demo's scan of an uploaded certificate (a one-page PDF; the office opens it before verifying)
DEMO_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# vendor key -> [(name, post, [(work certificate type code, number, expires in days)])]
STAFF = {
    "jiejing": [
        ("李敏", "项目经理", [("health_certificate", "JK2026-0012", 200)]),
        ("王秀英", "保洁班长", [("health_certificate", "JK2026-0013", 25)]),
        ("张桂兰", "保洁员", [("health_certificate", "JK2025-0101", 150)]),
    ],
    "huaan": [
        ("周军", "保安队长", [("security_guard_card", "京保 0012345", 800)]),
        ("陈刚", "保安员", [("security_guard_card", "京保 0023456", 20)]),
    ],
    "jinwei": [
        ("刘建军", "厨师长", [("health_certificate", "JK2026-0201", 120), ("food_safety_manager", "SA-0033", 300)])
    ],
    "hengtong": [
        ("孙鹏", "值班电工", [("electrician_card", "T1101060012", 400)]),
        ("赵亮", "暖通技师", [("refrigeration_card", "T1101060099", -30)]),
    ],
    "lvyuan": [("吴刚", "绿化工", [])],
    "suda": [("郑涛", "驾驶员", [("driving_licence", "110105198001010011", 1500)])],
    "boya": [("钱丽", "会务主管", [])],
    "mingjing": [("冯霞", "项目经理", [("health_certificate", "JK2026-0301", 300)])],
    "anjie": [("何平", "项目经理", [("health_certificate", "JK2026-0401", 250)])],
    "kangning": [("林志远", "全科医生", [("physician_licence", "110110000012345", 2000)])],
    "moxiang": [("黄小燕", "文印员", [("health_certificate", "JK2025-0501", -5)])],
}

# vendor key, source, days ago, description, severity
BAD_RECORDS = [
    ("chengxin", "市公安局保安服务监管通报", 400, "派驻保安人员未持证上岗，且夜间巡逻记录造假。", Severity.SERIOUS),
    ("mingjing", "某区政府机关事务中心履约评价", 900, "合同期内一次卫生检查不合格，已按期整改。", Severity.MINOR),
]


def seed_vendors(context: dict[str, Any]) -> dict[str, Vendor]:
    categories = context["categories"]
    types = {t.code: t for t in CertificateType.objects.all()}
    today = local_today()
    vendors: dict[str, Vendor] = {}
    for key, name, division, org, rep, capital, cats, status, years, projects in VENDORS:
        if key == "jiejing":
            vendor = context["demo_vendor"]
        else:
            vendor, created = Vendor.objects.get_or_create(
                credit_code=demo_credit_code(division, org),
                defaults={
                    "legal_name": name,
                    "legal_representative": rep,
                    "registered_capital": Decimal(capital),
                    "address": "北京市",
                    "contact_name": rep,
                    "contact_phone": "010-6" + division[-3:] + "0000",
                    "management_experience_years": years,
                    "similar_projects": projects,
                    "status": status,
                },
            )
            if created:
                vendor.categories.set([categories[c] for c in cats])
                VendorStatusChange.objects.create(
                    vendor=vendor, from_status="", to_status=status, reason="演示数据：初始状态"
                )
        vendors[key] = vendor
        for type_code, number, issued_years, expires_in, *review in CERTIFICATES.get(key, []):
            certificate, created = Certificate.objects.get_or_create(
                vendor=vendor,
                type=types[type_code],
                number=number,
                defaults={
                    "issuer": "北京市市场监督管理局" if type_code == "business_licence" else "主管部门",
                    "issued_on": today - dt.timedelta(days=max(365 * issued_years, 3)),
                    "expires_on": None if expires_in is None else today + dt.timedelta(days=expires_in),
                    "review": review[0] if review else CertificateReview.VERIFIED,
                },
            )
            if created and review:  # uploaded by the vendor's staff, with its scan
                certificate.submitted_by = vendor.users.first()
                certificate.scan.save("scan.pdf", ContentFile(DEMO_SCAN), save=False)
                certificate.save()
        for staff_name, post, certificates in STAFF.get(key, []):
            staff, _ = VendorStaff.objects.get_or_create(vendor=vendor, name=staff_name, defaults={"role": post})
            for type_code, number, expires_in in certificates:
                expires_on = today + dt.timedelta(days=expires_in)
                StaffCertificate.objects.get_or_create(
                    staff=staff,
                    type=types[type_code],
                    defaults={
                        "number": number,
                        "issued_on": min(expires_on, today) - dt.timedelta(days=365 * 3),
                        "expires_on": expires_on,
                    },
                )
    for key, source, days_ago, description, severity in BAD_RECORDS:
        BadRecord.objects.get_or_create(
            vendor=vendors[key],
            source=source,
            defaults={"date": today - dt.timedelta(days=days_ago), "description": description, "severity": severity},
        )
    for vendor in vendors.values():  # admitted before the demo's reviews were kept: for the categories they hold
        if vendor.status == VendorStatus.ADMITTED and not vendor.admitted_categories.exists():
            vendor.admitted_categories.set(vendor.categories.all())
    _seed_reviews(context, vendors)
    return vendors


def _department_user(context: dict[str, Any], code: str, username: str, last: str, first: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "department": context["departments"][code], "is_staff": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name="office"))
    return user


def _seed_reviews(context: dict[str, Any], vendors: dict[str, Vendor]) -> None:
    office = context["users"]["office"]
    legal = _department_user(context, "legal", "legal-reviewer", "孙", "法")
    finance = _department_user(context, "finance", "finance-reviewer", "钱", "财")
    context["reviewers"] = {"legal": legal, "finance": finance}
    # an applicant under review, with the automatic pre-checks showing what is missing
    shunxin = vendors["shunxin"]
    if not AdmissionReview.objects.filter(vendor=shunxin).exists():
        review = admission_services.admission_review_open(vendor=shunxin, by=office)
        admission_services.admission_opinion_give(
            review=review, reviewer=office, opinion="reject", comments="管理经验不足三年，暂无同类项目业绩。"
        )
    # a decided review of the demo vendor: admitted, with three opinions
    jiejing = vendors["jiejing"]
    if not AdmissionReview.objects.filter(vendor=jiejing).exists():
        jiejing.status = VendorStatus.APPLICANT
        jiejing.save(update_fields=["status"])
        review = admission_services.admission_review_open(vendor=jiejing, by=office)
        for reviewer, comments in (
            (office, "资质齐全，业绩与管理经验符合要求。"),
            (legal, "营业执照有效，无诉讼及不良记录。"),
            (finance, "注册资本与财务状况良好。"),
        ):
            admission_services.admission_opinion_give(
                review=review, reviewer=reviewer, opinion="approve", comments=comments
            )
        for check in review.checks.filter(auto_result="fail"):
            admission_services.admission_check_override(
                check=check, result="pass", note="项目经理健康证复印件已补交，核验有效。", by=office
            )
        admission_services.admission_review_decide(
            review=review, decision="admit", reason="经后勤、法规、财务三部门审查，符合准入条件，同意准入。", by=office
        )


CLEANING_CRITERIA = [
    ("服务方案与保洁标准", Decimal(30)),
    ("人员配置与资质", Decimal(20)),
    ("管理制度与应急预案", Decimal(20)),
]


def seed_tendering(context: dict[str, Any]) -> dict[str, Tender]:
    vendors = context["vendors"]
    categories = context["categories"]
    sites = context["sites"]
    office = context["users"]["office"]
    types = {t.code: t for t in CertificateType.objects.all()}
    now = timezone.now()
    today = local_today()
    tenders: dict[str, Tender] = {}

    awarded, created = Tender.objects.get_or_create(
        number="ZB-DEMO-001",
        defaults={
            "title": "办公主楼卫生保洁服务项目",
            "category": categories["cleaning"],
            "scope": "办公主楼一层大厅、标准层走廊、卫生间、茶水间的日常保洁，以及节假日值守保洁。",
            "service_standards": (
                "卫生间每日保洁不少于 4 次并记录；地面无积水、无垃圾；垃圾桶及时清运；节假日安排值守。"
            ),
            "period_start": today.replace(day=1) - dt.timedelta(days=200),
            "period_end": today.replace(day=1) - dt.timedelta(days=200) + dt.timedelta(days=365 * 2),
            "budget_ceiling": Decimal("1300000.00"),
            "min_registered_capital": Decimal("2000000.00"),
            "min_similar_projects": 3,
            "bid_deadline": now - dt.timedelta(days=230),
            "opening_at": now - dt.timedelta(days=229),
            "published_at": now - dt.timedelta(days=260),
            "price_weight": Decimal(30),
            "status": TenderStatus.EVALUATING,
        },
    )
    if created:
        awarded.sites.set([sites["main-1f"], sites["main-office"]])
        awarded.required_certificate_types.set([types["business_licence"]])
        legal, finance = context["reviewers"]["legal"], context["reviewers"]["finance"]
        awarded.committee.set([office, legal, finance])
        criteria = _criteria(awarded, CLEANING_CRITERIA)
        proposal = "详见技术方案：人员配置、作业流程、质量控制、应急预案。"
        offers = [
            ("jiejing", "1180000.00", 12, proposal),
            ("mingjing", "1098000.00", 5, proposal),
            ("anjie", "1235000.00", 14, proposal),
        ]
        bids = _bids(awarded, vendors, offers, days_before=3)
        _check_bids(awarded, confirmed=awarded.opening_at + dt.timedelta(hours=2))
        # technical scores of the three members (jiejing's proposal is the strongest)
        member_scores = {
            office.pk: [[27, 18, 18], [22, 15, 16], [25, 17, 17]],
            legal.pk: [[26, 17, 18], [23, 16, 15], [26, 16, 16]],
            finance.pk: [[28, 18, 17], [21, 15, 15], [24, 17, 18]],
        }
        _score(awarded, bids, criteria, member_scores, submitted_at=awarded.opening_at)
        awarded = tender_services.tender_award(tender=awarded, by=office)
        _publicity_in_the_past(awarded, start=awarded.opening_at + dt.timedelta(days=2))
        awarded = tender_services.tender_award_confirm(tender=awarded, by=office, now=awarded.publicity_ends_at)
    tenders["awarded"] = awarded

    open_tender, created = Tender.objects.get_or_create(
        number="ZB-DEMO-002",
        defaults={
            "title": "院区及人民广场绿化养护服务项目",
            "category": categories["greening"],
            "scope": "院区绿地、行道树及人民广场绿化的修剪、浇灌、施肥、病虫害防治和补植。",
            "service_standards": "草坪高度控制在 5-8 厘米；乔灌木每年修剪不少于 2 次；病虫害发现后 48 小时内处置。",
            "period_start": today + dt.timedelta(days=45),
            "period_end": today + dt.timedelta(days=45 + 365 * 2),
            "budget_ceiling": Decimal("680000.00"),
            "min_registered_capital": Decimal("1000000.00"),
            "min_similar_projects": 2,
            "bid_deadline": now + dt.timedelta(days=14),
            "opening_at": now + dt.timedelta(days=14, hours=1),
            "price_weight": Decimal(40),
        },
    )
    if created:
        open_tender.sites.set([sites["grounds"], sites["square"]])
        open_tender.required_certificate_types.set([types["business_licence"]])
        open_tender.committee.set([office])
        _criteria(open_tender, [("养护方案", Decimal(35)), ("人员与机械配置", Decimal(25))])
        open_tender = tender_services.tender_publish(tender=open_tender, by=office)
        tender_services.bid_submit(
            tender=open_tender,
            vendor=vendors["lvyuan"],
            price=Decimal("598000.00"),
            proposal="按月制定养护计划，配备专业修剪与植保人员。",
            past_projects=7,
        )
    if created:
        _seed_questions(open_tender, vendors, office)
    tenders["open"] = open_tender
    tenders["publicity"] = _seed_publicity(context, types, now, today)
    return tenders


def _criteria(tender: Tender, criteria: list[tuple[str, Decimal]]) -> list[TenderCriterion]:
    """The tender's criteria (name, weight), in this order."""
    return [
        TenderCriterion.objects.create(tender=tender, name=name, weight=weight, sort_order=i)
        for i, (name, weight) in enumerate(criteria)
    ]


def _bids(
    tender: Tender, vendors: dict[str, Vendor], offers: list[tuple[str, str, int, str]], *, days_before: int
) -> list[Bid]:
    """The offers (vendor key, price, similar projects, proposal), an hour apart, ``days_before`` the deadline."""
    return [
        Bid.objects.create(
            tender=tender,
            vendor=vendors[key],
            price=Decimal(price),
            proposal=proposal,
            past_projects=projects,
            submitted_at=tender.bid_deadline - dt.timedelta(days=days_before, hours=i),
        )
        for i, (key, price, projects, proposal) in enumerate(offers)
    ]


def _check_bids(tender: Tender, *, confirmed: dt.datetime) -> None:
    """The automatic qualification checks of the bids as stored now, confirmed by the office at ``confirmed``."""
    tender_services.bids_check(tender, list(tender.bids.select_related("vendor")))
    tender.qualification_confirmed_at = confirmed
    tender.save(update_fields=["qualification_confirmed_at"])


def _score(
    tender: Tender,
    bids: list[Bid],
    criteria: list[TenderCriterion],
    member_scores: dict[int, list[list[int]]],
    *,
    submitted_at: dt.datetime,
) -> None:
    """Each member's score sheet: member id -> a row of scores (one per criterion) for each bid."""
    for member_id, per_bid in member_scores.items():
        sheet = ScoreSheet.objects.create(tender=tender, member_id=member_id, submitted_at=submitted_at)
        for bid, values in zip(bids, per_bid, strict=True):
            for criterion, value in zip(criteria, values, strict=True):
                BidScore.objects.create(sheet=sheet, bid=bid, criterion=criterion, score=Decimal(value))


def _publicity_in_the_past(tender: Tender, *, start: dt.datetime) -> None:
    """The demo's award was published when its tender was evaluated, not today."""
    tender.publicity_started_at = start
    tender.publicity_ends_at = start + dt.timedelta(days=tender.publicity_days)
    Tender.objects.filter(pk=tender.pk).update(
        publicity_started_at=tender.publicity_started_at, publicity_ends_at=tender.publicity_ends_at
    )


def _seed_questions(tender: Tender, vendors: dict[str, Vendor], office: User) -> None:
    """Clarifications of the open greening tender: one answered and published, one awaiting the office."""
    lvyuan, jiejing = vendors["lvyuan"], vendors["jiejing"]
    tender_services.tender_register(tender=tender, vendor=jiejing, by=jiejing.users.first())
    asked = tender_services.tender_question_ask(
        tender=tender,
        vendor=lvyuan,
        question="人民广场的古树名木是否在养护范围内？如在范围内，是否需要配备持证的古树养护技术人员？",
        by=lvyuan.users.first(),
    )
    tender_services.tender_question_answer(
        question=asked,
        answer="人民广场共有古树 6 株，在养护范围内；投标人须配备至少 1 名具有园林绿化中级以上职称的技术人员，"
        "并在技术方案中说明古树养护措施。",
        by=office,
    )
    tender_services.tender_question_ask(
        tender=tender,
        vendor=jiejing,
        question="绿化垃圾的清运和处置费用是否包含在投标报价内？",
        by=jiejing.users.first(),
    )


LIBRARY_BIDS = [  # vendor key, price, similar projects, proposal
    ("anjie", "865000.00", 14, "分区定岗保洁，阅览区静音作业，书库除尘每周一次。"),
    ("mingjing", "812000.00", 6, "引入洗地机作业，阅览区错峰保洁。"),
    ("jiejing", "838000.00", 12, "沿用办公主楼保洁管理体系，配备专职质检员。"),
    # a security company: admitted for security only, and without ISO 9001 — refused, with both reasons
    ("huaan", "760000.00", 20, "由保安队员兼任保洁，统一调度。"),
]


def _seed_publicity(context: dict[str, Any], types: dict[str, Any], now: dt.datetime, today: dt.date) -> Tender:
    """A cleaning tender whose proposed award is in publicity (中标公示) with one bidder's objection pending."""
    vendors, office = context["vendors"], context["users"]["office"]
    legal, finance = context["reviewers"]["legal"], context["reviewers"]["finance"]
    tender, created = Tender.objects.get_or_create(
        number="ZB-DEMO-003",
        defaults={
            "title": "图书馆卫生保洁服务项目",
            "category": context["categories"]["cleaning"],
            "scope": "图书馆阅览区、书库、报告厅及公共区域的日常保洁和开闭馆保洁。",
            "service_standards": "阅览区保洁须在开馆前完成；书库每周除尘一次；报告厅活动后 2 小时内完成清洁。",
            "period_start": today + dt.timedelta(days=30),
            "period_end": today + dt.timedelta(days=30 + 365 * 2),
            "budget_ceiling": Decimal("900000.00"),
            "min_registered_capital": Decimal("1000000.00"),
            "min_similar_projects": 3,
            "bid_deadline": now - dt.timedelta(days=4),
            "opening_at": now - dt.timedelta(days=4) + dt.timedelta(hours=1),
            "published_at": now - dt.timedelta(days=25),
            "price_weight": Decimal(30),
            "status": TenderStatus.EVALUATING,
        },
    )
    if not created:
        return tender
    tender.sites.set([context["sites"]["main-1f"]])
    tender.required_certificate_types.set([types["business_licence"], types["iso9001"]])
    tender.committee.set([office, legal, finance])
    criteria = _criteria(tender, CLEANING_CRITERIA)
    bids = _bids(tender, vendors, LIBRARY_BIDS, days_before=2)
    _check_bids(tender, confirmed=tender.opening_at + dt.timedelta(hours=3))
    qualified = [b for b in bids if b.vendor_id != vendors["huaan"].pk]
    member_scores = {  # anjie's proposal is the strongest; mingjing's price the lowest
        office.pk: [[27, 18, 18], [24, 16, 16], [25, 17, 17]],
        legal.pk: [[28, 17, 18], [23, 15, 16], [26, 17, 16]],
        finance.pk: [[26, 18, 17], [24, 16, 15], [25, 16, 17]],
    }
    _score(tender, qualified, criteria, member_scores, submitted_at=tender.opening_at + dt.timedelta(days=1))
    tender = tender_services.tender_award(tender=tender, by=office)
    _publicity_in_the_past(tender, start=now - dt.timedelta(days=1))
    mingjing = vendors["mingjing"]
    tender_services.award_objection_file(
        tender=tender,
        vendor=mingjing,
        grounds="我公司报价最低，价格分满分；中标候选人的技术分是否对人员资质作了同等核查，请予复核。",
        by=mingjing.users.first(),
    )
    return tender
