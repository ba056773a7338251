"""Staffing: posts, the vendor's roster, compliance on a day, the nightly alert and the roster page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from contracts import selectors_staffing, services_staffing, staffing
from contracts.models import Post, PostRole, RosterEntry
from contracts.tests.factories import ContractFactory
from logistics.models import CertificateType, Notification, StaffCertificate, VendorStaff

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 10, 1)
PDF = b"%PDF-1.4\n% roster test\n%%EOF\n"


def ctype(code: str) -> CertificateType:
    return CertificateType.objects.get(code=code)


def make_post(
    contract,
    role="security_guard",
    headcount=2,
    on_duty=1,
    shift="day",
    full_time=True,
    requires=("security_guard_card",),
    hours="",
):
    post = Post.objects.create(
        contract=contract,
        role=PostRole.objects.get(code=role),
        headcount=headcount,
        on_duty=on_duty,
        shift=shift,
        hours=hours,
        full_time=full_time,
    )
    post.required_certificates.set([ctype(code) for code in requires])
    return post


def person(vendor, name, certificates=()):
    staff = VendorStaff.objects.create(vendor=vendor, name=name, role="保安员")
    for code, issued, expires in certificates:
        StaffCertificate.objects.create(
            staff=staff, type=ctype(code), number=f"N-{name}", issued_on=issued, expires_on=expires
        )
    return staff


def on_post(post, staff, starts=dt.date(2026, 1, 1), leaves=None):
    return RosterEntry.objects.create(
        post=post, staff=staff, starts_on=starts, leaves_on=leaves, full_time=post.full_time
    )


# --- the pure rules ------------------------------------------------------------------------------------
def fact(pk, type_id, issued, expires):
    return staffing.CertificateFact(pk, type_id, "", issued, expires)


def test_the_worked_example_of_the_module():
    # given a post of 8 requiring a security guard card, 2 on duty, and 7 people on it on 2026-10-01
    guard = staffing.RequiredType(1, "保安员证")
    post = staffing.PostFact(
        1, 1, "保安员（24小时轮班）", 1, "保安员", 8, 2, "round_the_clock", "24小时轮班", True, (guard,)
    )
    people = [
        staffing.PersonFact(
            n, f"P{n}", n, dt.date(2026, 1, 1), None, (fact(n, 1, dt.date(2025, 1, 1), dt.date(2027, 1, 1)),)
        )
        for n in range(1, 6)
    ]
    people.append(
        staffing.PersonFact(
            6, "P6", 6, dt.date(2026, 1, 1), None, (fact(6, 1, dt.date(2024, 10, 20), dt.date(2026, 10, 20)),)
        )
    )
    people.append(
        staffing.PersonFact(
            7, "P7", 7, dt.date(2026, 1, 1), None, (fact(7, 1, dt.date(2023, 9, 20), dt.date(2026, 9, 20)),)
        )
    )
    # when its compliance is computed
    result = staffing.post_compliance(post, people, DAY)
    # then 7 on post, 6 certified, a gap of 2, and P6's card expiring in 19 days
    assert (result.required, result.on_post, result.certified, result.gap) == (8, 7, 6, 2)
    assert [p.name for p in result.uncertified] == ["P7"] and result.uncertified[0].lacking == ("保安员证",)
    assert [(e.name, e.expires_on, e.days_left) for e in result.expiring] == [("P6", dt.date(2026, 10, 20), 19)]
    # and the post check: two certified pass; one, or one uncertified of two, fail
    certified = [p for p in result.people if p.certified]
    assert staffing.post_check(2, certified[:2]).result == "pass"
    assert staffing.post_check(2, certified[:1]).result == "fail"
    assert staffing.post_check(2, [certified[0], result.uncertified[0]]).result == "fail"


@pytest.mark.parametrize(
    ("issued", "expires", "valid"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 10, 1), True),  # the last day counts
        (dt.date(2026, 1, 1), dt.date(2026, 9, 30), False),  # lapsed the day before
        (dt.date(2026, 10, 2), None, False),  # not issued yet
        (None, None, True),  # no dates: does not expire
    ],
)
def test_a_certificate_is_valid_from_its_issue_to_its_expiry_both_included(issued, expires, valid):
    assert fact(1, 1, issued, expires).valid_on(DAY) is valid


def test_a_renewed_certificate_covers_the_one_running_out():
    guard = staffing.RequiredType(1, "保安员证")
    old = fact(1, 1, dt.date(2024, 10, 10), dt.date(2026, 10, 10))
    new = fact(2, 1, dt.date(2026, 9, 1), dt.date(2029, 9, 1))
    person_ = staffing.PersonFact(1, "甲", 1, DAY, None, (old, new))
    assert staffing.expiring(person_, (guard,), DAY) == []
    assert [
        e.certificate_id for e in staffing.expiring(staffing.PersonFact(1, "甲", 1, DAY, None, (old,)), (guard,), DAY)
    ] == [1]


# --- posts --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"headcount": 2, "on_duty": 3}, "on_duty", "Between 1 and the headcount (2)."),
        ({"headcount": 2, "on_duty": 0}, "on_duty", "Between 1 and the headcount (2)."),
        ({"headcount": 2, "on_duty": 1, "shift": "other"}, "hours", "Give the hours of a post on other hours."),
    ],
)
def test_a_post_refuses_bad_numbers_and_hours(values, field, message):
    from django.utils import translation

    post = Post(contract=ContractFactory(), role=PostRole.objects.get(code="cleaner"), **values)
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            post.full_clean()
        assert refused.value.message_dict[field] == [message]


def test_the_database_refuses_more_on_duty_than_the_headcount():
    contract = ContractFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(contract=contract, role=PostRole.objects.get(code="cleaner"), headcount=2, on_duty=3)


# --- the roster ---------------------------------------------------------------------------------------
def test_a_person_on_two_full_time_posts_at_once_is_refused(vendor_user):
    # given a guard on a full-time post of one contract from 2026-01-01
    first = make_post(ContractFactory(vendor=vendor_user.vendor, number="HT-A"))
    second = make_post(ContractFactory(vendor=vendor_user.vendor, number="HT-B"), shift="night")
    guard = person(vendor_user.vendor, "陈刚")
    services_staffing.roster_assign(user=vendor_user, post=first, staff=guard, starts_on=dt.date(2026, 1, 1))
    # when the vendor puts him on another full-time post from 2026-06-01
    with pytest.raises(ValidationError) as refused:
        services_staffing.roster_assign(user=vendor_user, post=second, staff=guard, starts_on=dt.date(2026, 6, 1))
    # then it is refused, saying where he is, and nothing is added
    assert refused.value.message_dict["starts_on"] == [
        "陈刚已在合同 HT-A 的专职岗位“保安员（白班）”上岗（2026-01-01 起至今），同一人同一时间只能担任一个专职岗位。"
    ]
    assert RosterEntry.objects.filter(staff=guard).count() == 1


def test_after_his_last_day_he_may_take_another_full_time_post(vendor_user):
    first = make_post(ContractFactory(vendor=vendor_user.vendor))
    second = make_post(ContractFactory(vendor=vendor_user.vendor), shift="night")
    guard = person(vendor_user.vendor, "陈刚")
    entry = services_staffing.roster_assign(user=vendor_user, post=first, staff=guard, starts_on=dt.date(2026, 1, 1))
    services_staffing.roster_leave(user=vendor_user, entry=entry, leaves_on=dt.date(2026, 5, 31))
    later = services_staffing.roster_assign(user=vendor_user, post=second, staff=guard, starts_on=dt.date(2026, 6, 1))
    assert later.full_time is True
    # and a part-time post besides a full-time one is allowed
    part = make_post(
        second.contract, role="kitchen_helper", shift="other", hours="10:00–14:00", full_time=False, requires=()
    )
    helper = services_staffing.roster_assign(user=vendor_user, post=part, staff=guard, starts_on=dt.date(2026, 6, 1))
    assert helper.full_time is False


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("other vendor", "staff", "只能安排本合同服务企业自己的人员上岗。"),
        ("ends before", "leaves_on", "离岗日期不能早于上岗日期。"),
        ("same post twice", "starts_on", "陈刚已在本岗位上岗（2026-01-01 起至今）。"),
    ],
)
def test_bad_roster_entries_are_refused_with_a_clear_message(vendor_user, vendor_b, change, field, message):
    post = make_post(ContractFactory(vendor=vendor_user.vendor))
    guard = person(vendor_user.vendor, "陈刚")
    services_staffing.roster_assign(user=vendor_user, post=post, staff=guard, starts_on=dt.date(2026, 1, 1))
    kwargs = {"user": vendor_user, "post": post, "staff": guard, "starts_on": dt.date(2026, 3, 1)}
    if change == "other vendor":
        kwargs["staff"] = person(vendor_b, "外人")
    elif change == "ends before":
        kwargs["staff"] = person(vendor_user.vendor, "李四")
        kwargs["leaves_on"] = dt.date(2026, 2, 1)
    with pytest.raises(ValidationError) as refused:
        services_staffing.roster_assign(**kwargs)
    assert refused.value.message_dict[field] == [message]
    assert RosterEntry.objects.count() == 1


def test_another_vendor_cannot_keep_this_roster(vendor_b_user, vendor_a):
    post = make_post(ContractFactory(vendor=vendor_a))
    with pytest.raises(PermissionDenied):
        services_staffing.roster_assign(user=vendor_b_user, post=post, staff=person(vendor_a, "甲"), starts_on=DAY)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraints are PostgreSQL's")
def test_postgresql_itself_refuses_two_full_time_posts_at_once(vendor_a):
    first = make_post(ContractFactory(vendor=vendor_a))
    second = make_post(ContractFactory(vendor=vendor_a), shift="night")
    guard = person(vendor_a, "陈刚")
    on_post(first, guard)
    with pytest.raises(IntegrityError), transaction.atomic():
        on_post(second, guard, starts=dt.date(2026, 6, 1))  # past the service's check
    assert RosterEntry.objects.filter(staff=guard).count() == 1


# --- work certificates on the portal ------------------------------------------------------------------
def upload(name="card.pdf", data=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def upload_certificate(user, staff, code: str, number: str, issued_on: dt.date):
    """``user`` enters ``staff``'s certificate of type ``code``, valid until 2029, with its scan."""
    return services_staffing.staff_certificate_upload(
        user=user,
        staff=staff,
        certificate_type=ctype(code),
        number=number,
        issued_on=issued_on,
        expires_on=dt.date(2029, 1, 1),
        scan=upload(),
    )


def test_a_certificate_with_its_scan_is_saved(vendor_user):
    guard = person(vendor_user.vendor, "陈刚")
    saved = upload_certificate(vendor_user, guard, "security_guard_card", "京保 001", dt.date(2026, 1, 1))
    assert (saved.number, saved.scan.read()) == ("京保 001", PDF)


@pytest.mark.parametrize(
    ("language", "scan", "expires", "errors"),
    [
        (
            "zh-hans",
            upload("card.docx", b"PK\x03\x04"),
            dt.date(2029, 1, 1),
            {"scan": ["“card.docx”：只接受 PDF、JPEG 和 PNG 文件。"]},
        ),
        (
            "en",
            upload("card.docx", b"PK\x03\x04"),
            dt.date(2029, 1, 1),
            {"scan": ["“card.docx”: only PDF, JPEG and PNG files are accepted."]},
        ),
        ("zh-hans", upload(), dt.date(2025, 12, 31), {"expires_on": ["有效期须晚于发证日期。"]}),
        ("en", upload(), dt.date(2025, 12, 31), {"expires_on": ["The expiry date must be after the issue date."]}),
    ],
)
def test_a_bad_scan_or_an_expiry_before_issue_is_refused_and_nothing_is_lost(
    vendor_user, language, scan, expires, errors
):
    from django.utils import translation

    guard = person(vendor_user.vendor, "陈刚", [("health_certificate", dt.date(2025, 1, 1), dt.date(2027, 1, 1))])
    with translation.override(language):
        with pytest.raises(ValidationError) as refused:
            services_staffing.staff_certificate_upload(
                user=vendor_user,
                staff=guard,
                certificate_type=ctype("security_guard_card"),
                number="京保 001",
                issued_on=dt.date(2026, 1, 1),
                expires_on=expires,
                scan=scan,
            )
        assert refused.value.message_dict == errors
    assert list(guard.certificates.values_list("type__code", flat=True)) == ["health_certificate"]


# --- compliance and the nightly alert -----------------------------------------------------------------
def staffed_contract(vendor):
    contract = ContractFactory(vendor=vendor, number="HT-S-1")
    post = make_post(contract, headcount=3, on_duty=2)
    on_post(post, person(vendor, "甲", [("security_guard_card", dt.date(2025, 1, 1), dt.date(2028, 1, 1))]))
    on_post(post, person(vendor, "乙", [("security_guard_card", dt.date(2023, 9, 1), dt.date(2026, 9, 1))]))
    on_post(post, person(vendor, "丙", [("security_guard_card", dt.date(2024, 10, 15), dt.date(2026, 10, 15))]))
    on_post(post, person(vendor, "丁"), leaves=dt.date(2026, 6, 30))  # left before the day: not counted
    return contract, post


def test_compliance_of_a_contract_on_a_day(vendor_a):
    contract, _post = staffed_contract(vendor_a)
    [result] = selectors_staffing.contract_compliance(contract, DAY)
    assert (result.required, result.on_post, result.certified, result.gap) == (3, 3, 2, 1)
    assert [(p.name, p.lacking) for p in result.uncertified] == [("乙", ("保安员证",))]
    assert [(e.name, e.days_left) for e in result.expiring] == [("丙", 14)]
    assert selectors_staffing.totals([result]) == {"required": 3, "on_post": 3, "certified": 2, "gap": 1, "expiring": 1}


def test_compliance_costs_the_same_queries_for_one_contract_as_for_five(count_queries, vendor_a):
    contracts = [staffed_contract(vendor_a)[0]]
    one, _ = count_queries(lambda: selectors_staffing.staffing_compliance([c.pk for c in contracts], DAY))
    for n in range(4):
        contract = ContractFactory(vendor=vendor_a)
        post = make_post(contract, headcount=5, on_duty=2)
        for k in range(5):
            on_post(post, person(vendor_a, f"人{n}{k}", [("security_guard_card", None, dt.date(2027, 1, 1))]))
        contracts.append(contract)
    five, result = count_queries(lambda: selectors_staffing.staffing_compliance([c.pk for c in contracts], DAY))
    assert one == five == 4
    assert sum(p.on_post for posts in result.values() for p in posts) == 3 + 20


def test_the_alert_tells_the_vendor_and_the_office_once(vendor_a, make_user, office_user):
    # given a contract with a gap and an expiring card, a vendor account and an office account
    staffed_contract(vendor_a)
    vendor_account = make_user("vendor", username="va", vendor=vendor_a)
    # when the nightly alert runs twice the same day
    first = services_staffing.staffing_alerts(DAY)
    second = services_staffing.staffing_alerts(DAY)
    # then each is told once, in their inbox and by e-mail
    assert sorted(Notification.objects.values_list("channel", "recipient_id")) == sorted(
        [
            ("email", office_user.pk),
            ("email", vendor_account.pk),
            ("inbox", office_user.pk),
            ("inbox", vendor_account.pk),
        ]
    )
    assert (first, second) == (4, 0)
    notices = Notification.objects.filter(channel="inbox").order_by("recipient_id")
    assert [n.recipient_id for n in notices] == sorted([office_user.pk, vendor_account.pk])
    assert notices[0].subject == "HT-S-1 在岗人员：岗位缺员 1 人，证件即将到期 1 个"
    assert notices[0].body.splitlines()[:2] == [
        "保安员（白班）：持证在岗 2 人，应有 3 人，缺 1 人；乙缺少有效的保安员证",
        "保安员（白班）：丙的保安员证 N-丙 将于 2026-10-15 到期（还有 14 天）",
    ]
    # and a week later, the same problems are told again
    assert services_staffing.staffing_alerts(DAY + dt.timedelta(days=7)) == 4


# --- the roster page ----------------------------------------------------------------------------------
def test_the_vendor_keeps_its_roster_on_its_page(client_for, vendor_user):
    contract = ContractFactory(vendor=vendor_user.vendor, number="HT-P-1")
    post = make_post(contract)
    guard = person(vendor_user.vendor, "陈刚")
    client = client_for(vendor_user)
    response = client.post(
        reverse("contracts:roster"),
        {"action": "assign", "assign-post": post.pk, "assign-staff": guard.pk, "assign-starts_on": "2026-01-01"},
    )
    assert response.status_code == 302
    assert list(RosterEntry.objects.values_list("staff__name", "post_id")) == [("陈刚", post.pk)]
    # a bad scan says why and keeps nothing
    response = client.post(
        reverse("contracts:roster"),
        {
            "action": "certificate",
            "cert-staff": guard.pk,
            "cert-certificate_type": ctype("security_guard_card").pk,
            "cert-issued_on": "2026-01-01",
            "cert-scan": upload("card.exe", b"MZ"),
        },
    )
    assert response.status_code == 400
    assert "“card.exe”：只接受 PDF、JPEG 和 PNG 文件。" in response.content.decode()
    assert StaffCertificate.objects.count() == 0


def test_the_roster_page_costs_the_same_queries_for_more_people(client_for, vendor_user, count_queries):
    contract = ContractFactory(vendor=vendor_user.vendor)
    post = make_post(contract, headcount=20, on_duty=2)
    on_post(post, person(vendor_user.vendor, "甲0", [("security_guard_card", None, dt.date(2027, 1, 1))]))
    client = client_for(vendor_user)
    client.get(reverse("contracts:roster"))  # warm-up
    small, _ = count_queries(lambda: client.get(reverse("contracts:roster")))
    other = make_post(ContractFactory(vendor=vendor_user.vendor), headcount=20, on_duty=2)
    for n in range(1, 12):
        on_post(
            post if n % 2 else other,
            person(vendor_user.vendor, f"甲{n}", [("security_guard_card", None, dt.date(2027, 1, 1))]),
        )
    large, response = count_queries(lambda: client.get(reverse("contracts:roster")))
    assert response.status_code == 200
    assert small == large, (small, large)


def test_the_contract_page_shows_posts_and_compliance(client_for, office_user):
    from unittest import mock

    contract, _post = staffed_contract(ContractFactory().vendor)
    with mock.patch("contracts.views.local_today", return_value=DAY):
        response = client_for(office_user).get(reverse("contracts:detail", args=[contract.pk]))
    page = response.content.decode()
    assert "岗位与在岗人员" in page
    assert "乙缺少有效的保安员证" in page


def test_the_nightly_job_runs_the_staffing_alert_once(vendor_a, office_user):
    from scoring.nightly import nightly

    staffed_contract(vendor_a)
    first = nightly(DAY)["staffing_alerts"]
    second = nightly(DAY)["staffing_alerts"]
    assert (first, second) == (2, 0)  # the office's inbox and e-mail; the vendor has no account here


def test_an_uploaded_work_certificate_counts_on_a_post_only_once_the_office_verifies_it(
    vendor_user, office_user, django_capture_on_commit_callbacks
):
    from logistics.services import vendors as vendor_services

    contract = ContractFactory(vendor=vendor_user.vendor)
    post = make_post(contract, headcount=1, on_duty=1)
    guard = person(vendor_user.vendor, "陈刚")
    on_post(post, guard)
    # the vendor uploads the guard's card: it waits for the office, and the post still lacks it
    card = upload_certificate(vendor_user, guard, "security_guard_card", "京保 002", dt.date(2025, 1, 1))
    assert (card.review, card.submitted_by) == ("pending", vendor_user)
    assert Notification.objects.filter(subject__contains="待核验的上岗证", recipient=office_user).exists()
    assert not card.is_valid_on(DAY)
    [result] = selectors_staffing.contract_compliance(contract, DAY)
    assert (result.certified, result.gap) == (0, 1)
    # returned without a reason: refused, nothing changes; verified: it counts
    with pytest.raises(ValidationError):
        vendor_services.staff_certificate_return(certificate=card, reason=" ", by=office_user)
    with pytest.raises(PermissionDenied):
        vendor_services.staff_certificate_verify(certificate=card, by=vendor_user)
    vendor_services.staff_certificate_verify(certificate=card, by=office_user)
    card.refresh_from_db()
    assert (card.review, card.reviewed_by) == ("verified", office_user)
    [result] = selectors_staffing.contract_compliance(contract, DAY)
    assert (result.certified, result.gap) == (1, 0)
    # the office's own entry counts as made
    mine = upload_certificate(office_user, guard, "health_certificate", "JK-1", dt.date(2025, 1, 1))
    assert (mine.review, mine.submitted_by) == ("verified", None)
