"""Demo posts and rosters: every demo contract lists its posts, and its vendor's people are on them with their
work certificates. One cleaner's health certificate lapsed twelve days ago (the cleaning contract shows a gap),
a supervisor's and a guard's expire within the month (they are listed as expiring). Idempotent."""

from __future__ import annotations

import datetime as dt

from contracts.models import Contract, Post, PostRole, RosterEntry
from logistics.models import CertificateType, StaffCertificate, VendorStaff
from logistics.quarters import today as local_today

# contract key -> [(post role, headcount, on duty at once, shift, hours, full-time, required certificate types)]
POSTS: dict[str, list[tuple[str, int, int, str, str, bool, list[str]]]] = {
    "cleaning": [
        ("project_manager", 1, 1, "day", "08:00–17:00", True, []),
        ("cleaning_supervisor", 2, 1, "day", "07:00–17:00", True, ["health_certificate"]),
        ("cleaner", 12, 10, "day", "07:00–17:00", True, ["health_certificate"]),
    ],
    "security": [
        ("security_captain", 1, 1, "day", "", True, ["security_guard_card"]),
        ("security_guard", 8, 2, "round_the_clock", "门岗 3 班倒", True, ["security_guard_card"]),
        ("security_guard", 4, 4, "day", "巡逻 08:00–20:00", True, ["security_guard_card"]),
    ],
    "canteen": [
        ("head_cook", 1, 1, "day", "", True, ["health_certificate", "food_safety_manager"]),
        ("cook", 4, 3, "day", "06:00–19:00", True, ["health_certificate"]),
        ("kitchen_helper", 4, 3, "other", "10:00–14:00", False, ["health_certificate"]),
    ],
    "equipment": [
        ("electrician", 4, 1, "round_the_clock", "", True, ["electrician_card"]),
        ("hvac_technician", 2, 1, "day", "", True, ["refrigeration_card"]),
    ],
    "greening": [("gardener", 6, 5, "day", "07:30–16:30", True, [])],
    "vehicles": [("driver", 4, 3, "day", "", True, ["driving_licence"])],
}

# the people the tendering data gave each vendor already, by the post they fill here: (contract key, role) -> names
KNOWN = {
    ("cleaning", "project_manager"): ["李敏"],
    ("cleaning", "cleaning_supervisor"): ["王秀英"],
    ("cleaning", "cleaner"): ["张桂兰"],
    ("security", "security_captain"): ["周军"],
    ("security", "security_guard"): ["陈刚"],
    ("canteen", "head_cook"): ["刘建军"],
    ("equipment", "electrician"): ["孙鹏"],
    ("equipment", "hvac_technician"): ["赵亮"],
    ("greening", "gardener"): ["吴刚"],
    ("vehicles", "driver"): ["郑涛"],
}
NAMES = [
    "马秀兰",
    "刘淑珍",
    "孙桂英",
    "高玉梅",
    "胡丽娟",
    "郭春燕",
    "何桂芝",
    "罗秀珍",
    "梁凤英",
    "宋春梅",
    "唐红霞",
    "韩玉兰",
    "冯淑英",
    "于秀云",
    "董桂荣",
    "萧国强",
    "程志刚",
    "曹建华",
    "袁海涛",
    "邓立新",
    "许文斌",
    "傅永军",
    "沈卫东",
    "曾庆华",
    "彭德明",
    "吕志勇",
    "苏海波",
    "卢建平",
    "蒋国庆",
    "蔡俊峰",
    "贾春生",
    "丁志华",
    "魏长青",
    "薛玉林",
    "叶文杰",
    "阎红梅",
    "余小燕",
    "潘桂香",
    "杜丽萍",
    "戴秀梅",
    "夏冬梅",
    "钟玉珍",
    "汪建英",
    "田丽华",
    "任海燕",
    "姜春花",
    "范永红",
    "方建新",
    "石志强",
    "姚国华",
    "谭振宇",
    "廖明辉",
    "邹立军",
    "熊国栋",
    "金志伟",
    "陆海林",
    "郝建国",
    "孔德胜",
    "白云飞",
    "崔志军",
]
#: the cleaner whose health certificate lapsed (the demo's gap) and how many days ago
LAPSED = ("宋春梅", 12)


def _certificate(
    person: VendorStaff, type_code: str, types: dict[str, CertificateType], expires_in: int, n: int
) -> None:
    if StaffCertificate.objects.filter(staff=person, type=types[type_code]).exists():
        return
    today = local_today()
    expires_on = today + dt.timedelta(days=expires_in)
    StaffCertificate.objects.create(
        staff=person,
        type=types[type_code],
        number=f"{type_code[:2].upper()}2026-{n:04d}",
        issued_on=expires_on - dt.timedelta(days=365 * 2),
        expires_on=expires_on,
    )


def _posts(contract: Contract, key: str, roles: dict[str, PostRole], types: dict[str, CertificateType]) -> list[Post]:
    posts = []
    for order, (role, headcount, on_duty, shift, hours, full_time, required) in enumerate(POSTS[key], start=1):
        post, created = Post.objects.get_or_create(
            contract=contract,
            role=roles[role],
            shift=shift,
            defaults={
                "headcount": headcount,
                "on_duty": on_duty,
                "hours": hours,
                "full_time": full_time,
                "sort_order": order * 10,
            },
        )
        if created:
            post.required_certificates.set([types[code] for code in required])
        posts.append(post)
    return posts


def seed_staffing(contracts: dict[str, Contract]) -> None:
    today = local_today()
    roles = {r.code: r for r in PostRole.objects.all()}
    types = {t.code: t for t in CertificateType.objects.filter(holder="person")}
    names = iter(NAMES)
    serial = 0
    for key, contract in contracts.items():
        if key not in POSTS:
            continue
        posts = _posts(contract, key, roles, types)
        renewals = list(contract.renewals.all())
        for renewal in renewals:
            _posts(renewal, key, roles, types)
        if RosterEntry.objects.filter(post__contract=contract).exists():
            continue
        start = max(contract.start_date, today - dt.timedelta(days=400))
        for post, (role, headcount, _on_duty, _shift, _hours, _full, required) in zip(posts, POSTS[key], strict=True):
            known = KNOWN.get((key, role), [])
            if key == "security" and post.shift == "day":
                known = []  # 陈刚 is on the gate's rotation
            people = []
            for index in range(headcount):
                name = known[index] if index < len(known) else next(names)
                job = str(post.role)
                person, _ = VendorStaff.objects.get_or_create(vendor=contract.vendor, name=name, defaults={"role": job})
                people.append(person)
                for code in required:
                    serial += 1
                    days = 200 + (serial * 37) % 500
                    if (name, key) == (LAPSED[0], "cleaning"):
                        days = -LAPSED[1]
                    _certificate(person, code, types, days, serial)
            for person in people:
                leaves_on = contract.end_date if renewals else None
                RosterEntry.objects.create(
                    post=post, staff=person, starts_on=start, leaves_on=leaves_on, full_time=post.full_time
                )
            for renewal in renewals:  # the same people carry on under the renewal, from its first day
                twin = Post.objects.get(contract=renewal, role=post.role, shift=post.shift)
                for person in people:
                    RosterEntry.objects.create(
                        post=twin, staff=person, starts_on=renewal.start_date, full_time=twin.full_time
                    )
