"""Demo data of the core app: departments, sites and key points, users of every role, vendors.

Idempotent: every record is found by its natural key first and only created when missing, so a second
run changes nothing (not even the audit history).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group

from logistics.credit_code import check_digit
from logistics.demo import DEMO_USERS
from logistics.models import Department, KeyPoint, ServiceCategory, Site, User, Vendor, VendorStatus

DEPARTMENTS = [
    ("logistics", "后勤管理处", "Logistics Office", Department.Kind.LOGISTICS, ""),
    ("legal", "法规处", "Legal Affairs", Department.Kind.LEGAL, ""),
    ("finance", "财务处", "Finance", Department.Kind.FINANCE, ""),
    ("safety", "安全生产科", "Safety", Department.Kind.SPECIALIST, Department.Speciality.SAFETY),
    ("fire", "消防科", "Fire Safety", Department.Kind.SPECIALIST, Department.Speciality.FIRE),
    ("equipment", "设备管理科", "Equipment", Department.Kind.SPECIALIST, Department.Speciality.EQUIPMENT),
    ("energy", "节能办", "Energy Saving", Department.Kind.SPECIALIST, Department.Speciality.ENERGY),
    ("general", "办公室", "General Office", Department.Kind.OTHER, ""),
]

# (code, name, name_en, building, floor, area)
SITES = [
    ("main-1f", "办公主楼一层", "Main building, ground floor", "办公主楼", "1F", "大厅及公共区域"),
    ("main-office", "办公主楼标准层", "Main building, office floors", "办公主楼", "2F-12F", "办公区"),
    ("conference", "会议中心", "Conference centre", "会议中心", "1F-3F", "会议室"),
    ("canteen", "机关餐厅", "Staff canteen", "综合楼", "1F", "餐厅及后厨"),
    ("plant-room", "地下设备机房", "Basement plant rooms", "办公主楼", "B1", "设备区"),
    ("garage", "地下车库", "Underground garage", "办公主楼", "B2", "停车区"),
    ("gate", "大院出入口", "Compound gates", "门岗", "", "东门、南门"),
    ("grounds", "院区绿地", "Compound grounds", "", "", "院内绿化带"),
    ("square", "人民广场", "People's Square", "", "", "广场"),
]

# (site code, key point code, name, name_en)
KEY_POINTS = [
    ("main-1f", "lobby", "一层大厅", "Ground-floor lobby"),
    ("main-1f", "toilet-1f", "一层公共卫生间", "Ground-floor toilets"),
    ("main-1f", "fire-exit-1f", "一层消防通道", "Ground-floor fire exit"),
    ("main-office", "corridor", "办公区走廊", "Office corridors"),
    ("main-office", "toilet-std", "标准层卫生间", "Office-floor toilets"),
    ("main-office", "pantry", "茶水间", "Pantries"),
    ("conference", "hall-1", "一号会议厅", "Conference hall 1"),
    ("conference", "av-room", "音视频控制室", "AV control room"),
    ("canteen", "kitchen", "后厨操作间", "Kitchen"),
    ("canteen", "cold-room", "冷库", "Cold room"),
    ("canteen", "sample-cabinet", "留样柜", "Food sample cabinet"),
    ("canteen", "dining-hall", "就餐区", "Dining hall"),
    ("plant-room", "substation", "配电室", "Substation"),
    ("plant-room", "chiller", "中央空调机房", "Chiller room"),
    ("plant-room", "generator", "发电机房", "Generator room"),
    ("plant-room", "pump", "消防水泵房", "Fire pump room"),
    ("garage", "garage-exit", "车库出入口", "Garage entrance"),
    ("gate", "east-gate", "东门岗亭", "East gate"),
    ("gate", "south-gate", "南门岗亭", "South gate"),
    ("gate", "monitor", "监控中心", "CCTV room"),
    ("grounds", "lawn", "主楼前草坪", "Front lawn"),
    ("grounds", "trees", "行道树", "Avenue trees"),
    ("square", "fountain", "音乐喷泉", "Fountain"),
    ("square", "square-toilet", "广场公厕", "Square public toilets"),
]


def demo_credit_code(division: str, org: str) -> str:
    """A well-formed credit code for demo vendors: ``91`` + 6-digit division + 9-character org part."""
    first17 = f"91{division}{org}"
    return first17 + check_digit(first17)


def seed_reference() -> dict[str, Any]:
    departments = {}
    for code, name, name_en, kind, speciality in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "kind": kind, "speciality": speciality}
        )
    sites = {}
    for code, name, name_en, building, floor, area in SITES:
        sites[code], _ = Site.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "building": building, "floor": floor, "area": area},
        )
    key_points = {}
    for site_code, code, name, name_en in KEY_POINTS:
        key_points[code], _ = KeyPoint.objects.get_or_create(
            site=sites[site_code], code=code, defaults={"name": name, "name_en": name_en}
        )
    categories = {category.code: category for category in ServiceCategory.objects.all()}
    return {"departments": departments, "sites": sites, "key_points": key_points, "categories": categories}


def seed_demo_vendor(categories: dict[str, ServiceCategory]) -> Vendor:
    """The vendor the demo vendor user works for (the full vendor set comes with the tendering data)."""
    vendor, created = Vendor.objects.get_or_create(
        credit_code=demo_credit_code("110105", "MA01JJ8X2"),
        defaults={
            "legal_name": "北京洁净物业服务有限公司",
            "legal_representative": "王建国",
            "registered_capital": Decimal("5000000.00"),
            "address": "北京市朝阳区建国路 88 号",
            "contact_name": "李敏",
            "contact_phone": "010-65001234",
            "contact_email": "service@jiejing.example.cn",
            "similar_projects": 12,
            "management_experience_years": 9,
            "status": VendorStatus.ADMITTED,
        },
    )
    if created:
        vendor.categories.add(categories["cleaning"], categories["greening"])
    return vendor


def seed_users(departments: dict[str, Department], vendor: Vendor) -> dict[str, User]:
    groups = {group.name: group for group in Group.objects.all()}
    users = {}
    names = {
        "office": ("张", "伟"),
        "inspector": ("陈", "静"),
        "vendor": ("李", "敏"),
        "leader": ("赵", "国强"),
        "finance": ("孙", "丽华"),
        "admin": ("系统", "管理员"),
    }
    for demo in DEMO_USERS:
        last, first = names[demo["username"]]
        user, created = User.objects.get_or_create(
            username=demo["username"],
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{demo['username']}@example.cn",
                "is_staff": demo["is_staff"],
                "is_superuser": demo.get("is_superuser", False),
                "department": None if demo["role"] == "vendor" else departments["logistics"],
                "vendor": vendor if demo["role"] == "vendor" else None,
            },
        )
        if created:
            user.set_password(demo["password"])
            user.save(update_fields=["password"])
            user.groups.add(groups[demo["role"]])
        users[demo["username"]] = user
    return users


def seed(context: dict[str, Any]) -> None:
    """Seeder of the core app, called by ``manage.py seed_demo``; fills ``context`` for later apps."""
    reference = seed_reference()
    context.update(reference)
    vendor = seed_demo_vendor(reference["categories"])
    context["demo_vendor"] = vendor
    context["users"] = seed_users(reference["departments"], vendor)
    from logistics.demo_tenders import seed_tendering, seed_vendors

    context["vendors"] = seed_vendors(context)
    context["tenders"] = seed_tendering(context)
