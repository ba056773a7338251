"""Bid qualification from the institution's own records (each check stored with its reason, one overridden with a
written reason), tender questions and registrations, and the award's publicity with objections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from logistics import tendering
from logistics.models import (
    AwardObjection,
    Bid,
    BidCheck,
    CertificateType,
    GroupRobot,
    Notification,
    ServiceCategory,
    Severity,
    Tender,
    TenderQuestion,
    TenderRegistration,
    TenderStatus,
)
from logistics.reasons import describe_all, reason
from logistics.selectors import _months_before
from logistics.services import tenders as svc
from logistics.tests.factories import CertificateFactory, VendorFactory, bid_on, move_past_opening, published_tender

pytestmark = pytest.mark.django_db
D = Decimal
BASE = {
    "category_id": 1,
    "category": {"zh": "卫生保洁", "en": "Cleaning"},
    "min_registered_capital": D("1000000"),
    "required_certificate_types": [(10, {"zh": "营业执照", "en": "Business licence"})],
    "certificates_on": dt.date(2027, 1, 1),
    "min_similar_projects": 2,
    "budget_ceiling": D("900000"),
    "invited_vendor_ids": None,
    "bad_records_since": dt.date(2023, 12, 4),
    "lookback_months": 36,
}
FACTS = {
    "vendor_id": 7,
    "vendor_status": "admitted",
    "vendor_status_label": "admitted",
    "admitted_category_ids": frozenset({1}),
    "registered_capital": D("3000000"),
    "valid_certificate_type_ids": frozenset({10}),
    "past_projects": 4,
    "price": D("850000"),
}


# --- the checks (pure) ----------------------------------------------------------------------------------
def test_every_check_passes_with_its_reason_worked_example():
    checks = tendering.qualify(tendering.Requirements(**BASE), tendering.BidderFacts(**FACTS))
    assert [(c.item, c.passed, [r["code"] for r in c.reasons]) for c in checks] == [
        ("admitted", True, ["admitted_for_category"]),
        ("capital", True, ["capital_ok"]),
        ("certificates", True, ["certificates_ok"]),
        ("bad_records", True, ["no_serious_bad_record"]),
        ("termination", True, ["no_termination_recommendation"]),
        ("annual_grade", True, ["no_annual_grade"]),
        ("experience", True, ["projects_ok"]),
        ("price", True, ["price_ok"]),
        ("documents", True, ["documents_no_finding"]),
    ]
    assert tendering.qualified(checks) is True
    with translation.override("zh-hans"):
        assert describe_all(checks[2].reasons) == ["要求的 1 项资质证书在合同起始日（2027-01-01）均有效。"]


@pytest.mark.parametrize(
    ("facts", "item", "reasons"),
    [
        # a security company admitted only for security bids for a cleaning tender
        (
            {"admitted_category_ids": frozenset({2})},
            "admitted",
            [reason("not_admitted_for_category", category={"zh": "卫生保洁", "en": "Cleaning"})],
        ),
        # the licence is valid at the deadline but lapses before the contract starts
        (
            {"valid_certificate_type_ids": frozenset()},
            "certificates",
            [
                reason(
                    "required_certificate_missing",
                    type={"zh": "营业执照", "en": "Business licence"},
                    date="2027-01-01",
                )
            ],
        ),
        # serious records: one on the first day of the look-back counts, one a day earlier does not
        (
            {
                "serious_bad_records": (
                    (dt.date(2023, 12, 3), "市监局通报"),
                    (dt.date(2023, 12, 4), "公安局通报"),
                )
            },
            "bad_records",
            [reason("serious_bad_record_recent", date="2023-12-04", source="公安局通报", months=36)],
        ),
        (
            {"termination_recommended": ("HT-2026-002", "HT-2025-009")},
            "termination",
            [
                reason("termination_recommended", number="HT-2025-009"),
                reason("termination_recommended", number="HT-2026-002"),
            ],
        ),
        (
            {"annual_grade": (2026, "D", {"zh": "不合格", "en": "Unacceptable"})},
            "annual_grade",
            [reason("annual_grade_refused", year=2026, grade="D", label={"zh": "不合格", "en": "Unacceptable"})],
        ),
    ],
)
def test_each_refusal_names_its_reason(facts, item, reasons):
    checks = tendering.qualify(tendering.Requirements(**BASE), tendering.BidderFacts(**{**FACTS, **facts}))
    failed = [(c.item, c.reasons) for c in checks if not c.passed]
    assert failed == [(item, reasons)]
    assert tendering.qualified(checks) is False


def test_the_refusals_read_in_both_languages():
    facts = tendering.BidderFacts(**{**FACTS, "admitted_category_ids": frozenset({2})})
    admitted = tendering.qualify(tendering.Requirements(**BASE), facts)[0]
    with translation.override("zh-hans"):
        assert describe_all(admitted.reasons) == ["该企业未准入“卫生保洁”类别（已准入其他类别）。"]
    with translation.override("en"):
        assert describe_all(admitted.reasons) == ["The vendor is admitted, but not for “Cleaning”."]


def test_a_grade_above_d_passes_and_says_so():
    facts = tendering.BidderFacts(**{**FACTS, "annual_grade": (2026, "C", {"zh": "合格", "en": "Acceptable"})})
    grade = next(c for c in tendering.qualify(tendering.Requirements(**BASE), facts) if c.item == "annual_grade")
    assert grade.passed
    with translation.override("zh-hans"):
        assert describe_all(grade.reasons) == ["2026 年度考评等级为 C（合格）。"]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 12, 4), 36, dt.date(2023, 12, 4)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 3, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),
    ],
)
def test_the_look_back_counts_calendar_months(day, months, expected):
    assert _months_before(day, months) == expected


# --- at the opening, from the records -------------------------------------------------------------------
def _bidder(tender, price="800000", licence=True, **kwargs):
    return bid_on(tender, VendorFactory(**kwargs), price, licence=licence)


def _open(tender, office_user):
    move_past_opening(tender)
    return svc.tender_open(tender=tender, by=office_user)


def _failed(bid):
    return {c.item: describe_all(c.reasons) for c in BidCheck.objects.filter(bid=bid) if not c.result}


def test_the_opening_checks_the_institutions_records(office_user):
    # given a cleaning tender (the category's mandatory type: the business licence) and five bidders
    tender = published_tender(office_user)
    good = _bidder(tender)
    security = VendorFactory(legal_name="华安保安")  # admitted for security only
    security.admitted_categories.set([ServiceCategory.objects.get(code="security")])
    CertificateFactory(vendor=security, type=CertificateType.objects.get(code="business_licence"))
    wrong_category = svc.bid_submit(tender=tender, vendor=security, price=D("700000"), proposal="方案", past_projects=3)
    no_licence = _bidder(tender, licence=False)
    recorded_late = _bidder(tender)  # a serious bad record added after its admission
    recorded_late.vendor.bad_records.create(
        date=timezone.localdate() - dt.timedelta(days=30),
        source="市公安局通报",
        description="未持证上岗",
        severity=Severity.SERIOUS,
    )
    lapsing = _bidder(tender, licence=False)  # valid at the deadline, lapsed on the contract start
    CertificateFactory(
        vendor=lapsing.vendor,
        type=CertificateType.objects.get(code="business_licence"),
        issued_on=dt.date(2020, 1, 1),
        expires_on=tender.period_start - dt.timedelta(days=1),
    )
    # when the bids are opened
    with translation.override("zh-hans"):
        _open(tender, office_user)
        # then each bid's checks are stored with their reasons; only the good bid qualifies
        assert _failed(good) == {}
        assert _failed(wrong_category) == {"admitted": ["该企业未准入“卫生保洁”类别（已准入其他类别）。"]}
        assert _failed(no_licence) == {"certificates": ["合同起始日（2027-01-01）无有效的“营业执照”。"]}
        assert _failed(lapsing) == {"certificates": ["合同起始日（2027-01-01）无有效的“营业执照”。"]}
        day = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        assert _failed(recorded_late) == {
            "bad_records": [f"{day} 有严重不良记录（市公安局通报），在投标截止前 36 个月内。"]
        }
    assert [b.qualified for b in Bid.objects.order_by("pk")] == [True, False, False, False, False]
    assert BidCheck.objects.filter(bid=good).count() == 9


def test_an_override_of_one_check_needs_a_reason_and_stays_in_the_history(office_user):
    tender = published_tender(office_user)
    bid = _bidder(tender, licence=False)
    _open(tender, office_user)
    check = bid.checks.get(item="certificates")
    with translation.override("en"), pytest.raises(ValidationError) as info:
        svc.bid_check_override(check=check, passed=True, reason="  ", by=office_user)
    assert info.value.message_dict == {"override_reason": ["Please write why the check is overridden."]}
    assert Bid.objects.get(pk=bid.pk).qualified is False  # nothing saved
    svc.bid_check_override(check=check, passed=True, reason="营业执照原件已现场核验", by=office_user)
    bid.refresh_from_db()
    check.refresh_from_db()
    assert (bid.auto_qualified, bid.qualified, check.passed, check.result) == (False, True, False, True)
    assert next((h.override_passed, h.history_change_reason, h.history_user_id) for h in check.history.all()) == (
        True,
        "营业执照原件已现场核验",
        office_user.pk,
    )
    # the office may also fail a check the records pass (forged documents), and withdraw an override
    documents = bid.checks.get(item="documents")
    svc.bid_check_override(check=documents, passed=False, reason="业绩合同复印件与原件不符", by=office_user)
    assert Bid.objects.get(pk=bid.pk).qualified is False
    svc.bid_check_override(check=documents, passed=None, reason="", by=office_user)
    documents.refresh_from_db()
    assert (documents.override_passed, documents.override_reason, Bid.objects.get(pk=bid.pk).qualified) == (
        None,
        "",
        True,
    )
    # after the confirmation (here: one qualified bid, the tender fails) nothing changes
    svc.tender_confirm_qualification(tender=tender, by=office_user)
    with pytest.raises(ValidationError):
        svc.bid_check_override(check=check, passed=False, reason="复核", by=office_user)


def test_the_opening_costs_the_same_queries_for_3_and_12_bids(office_user, count_queries):
    def opened(count):
        tender = published_tender(office_user)
        for i in range(count):
            _bidder(tender, price=str(800000 + i))
        move_past_opening(tender)
        return count_queries(lambda: svc.tender_open(tender=tender, by=office_user))[0]

    small, large = opened(3), opened(12)
    # flat but for batching: SQLite's 999-parameter limit splits 108 history rows into two INSERTs
    assert large - small <= 1, (small, large)
    assert large <= 22


# --- questions, registration, the deadline --------------------------------------------------------------
def test_a_question_is_answered_to_every_registered_bidder_without_the_askers_name(
    office_user, make_user, client, django_capture_on_commit_callbacks
):
    tender = published_tender(office_user)
    asker, registered, bidder, bystander = (VendorFactory(legal_name=f"{n}公司") for n in "甲乙丙丁")
    users = {v.pk: make_user("vendor", username=f"v{v.pk}", vendor=v) for v in (asker, registered, bidder, bystander)}
    svc.tender_register(tender=tender, vendor=registered, by=users[registered.pk])
    _bid = svc.bid_submit(tender=tender, vendor=bidder, price=D("800000"), proposal="方案")
    question = svc.tender_question_ask(
        tender=tender, vendor=asker, question="古树是否在养护范围内？", by=users[asker.pk]
    )
    assert TenderRegistration.objects.filter(tender=tender).count() == 3  # asking and bidding register too
    with django_capture_on_commit_callbacks(execute=True):
        svc.tender_question_answer(question=question, answer="在范围内，共 6 株。", by=office_user)
    told = set(
        Notification.objects.filter(subject__contains="答疑已发布", recipient__isnull=False).values_list(
            "recipient__vendor_id", flat=True
        )
    )
    assert told == {asker.pk, registered.pk, bidder.pk}
    html = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert "古树是否在养护范围内？" in html and "在范围内，共 6 株。" in html and "甲公司" not in html
    with pytest.raises(ValidationError):
        svc.tender_question_answer(question=question, answer="更正", by=office_user)
    assert TenderQuestion.objects.get(pk=question.pk).answer == "在范围内，共 6 株。"


def test_a_question_after_the_deadline_is_refused(office_user):
    tender = published_tender(office_user)
    move_past_opening(tender, dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC))
    with translation.override("en"), pytest.raises(ValidationError) as info:
        svc.tender_question_ask(tender=tender, vendor=VendorFactory(), question="还能提问吗？")
    assert info.value.messages == ["The bid deadline (2026-11-20 17:00) has passed; questions are no longer accepted."]
    assert TenderQuestion.objects.count() == 0


def test_the_deadline_moves_only_later_and_the_bidders_hear_it(
    office_user, make_user, django_capture_on_commit_callbacks
):
    tender = published_tender(office_user)
    registered = VendorFactory()
    make_user("vendor", username="registered", vendor=registered)
    svc.tender_register(tender=tender, vendor=registered)
    earlier = tender.bid_deadline - dt.timedelta(days=1)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        svc.tender_deadline_extend(tender=tender, bid_deadline=earlier, reason="提前")
    assert list(info.value.message_dict) == ["bid_deadline"]
    later = tender.bid_deadline + dt.timedelta(days=5)
    opening = tender.opening_at
    with django_capture_on_commit_callbacks(execute=True):
        svc.tender_deadline_extend(tender=tender, bid_deadline=later, reason="答疑后需补充材料", by=office_user)
    tender.refresh_from_db()
    assert (tender.bid_deadline, tender.opening_at) == (later, opening + dt.timedelta(days=5))
    told = Notification.objects.filter(recipient__vendor=registered, subject__contains="投标截止时间延至")
    assert list(told.values_list("channel", flat=True).order_by("channel")) == ["email", "inbox"]


# --- the award's publicity ------------------------------------------------------------------------------
def _awarded(office_user, make_user):
    tender = published_tender(office_user)
    bids = [_bidder(tender, price=str(800000 + i * 10000)) for i in range(3)]
    _open(tender, office_user)
    svc.tender_confirm_qualification(tender=tender, by=office_user)
    tender.committee.set([office_user])
    criterion = tender.criteria.get()
    svc.score_sheet_save(
        tender=tender, member=office_user, scores={(b.pk, criterion.pk): D(60) for b in bids}, submit=True
    )
    svc.tender_award(tender=tender, by=office_user)
    tender.refresh_from_db()
    return tender, bids


def test_the_office_people_and_its_robot_hear_of_a_question_and_of_an_award_objection(
    office_user, make_user, settings, django_capture_on_commit_callbacks
):
    """A bidder's question and an objection to the proposed award reach everyone in the office (inbox), not
    only the office's group robot (with no robot configured they reached nobody)."""
    settings.TENDER_AWARD_HANDLERS = []
    robot = GroupRobot.objects.create(name="后勤处值班群", kind="wecom", token="office-key-1")
    tender, bids = _awarded(office_user, make_user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.award_objection_file(tender=tender, vendor=bids[1].vendor, grounds="技术分计算有误")
    told = Notification.objects.filter(subject__contains="异议")
    assert set(told.filter(recipient__isnull=False).values_list("recipient", flat=True)) == {office_user.pk}
    assert list(told.filter(robot__isnull=False).values_list("robot", flat=True)) == [robot.pk]
    other = published_tender(office_user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.tender_question_ask(tender=other, vendor=VendorFactory(), question="古树是否在养护范围内？")
    asked = Notification.objects.filter(body="古树是否在养护范围内？")
    assert set(asked.filter(recipient__isnull=False).values_list("recipient", flat=True)) == {office_user.pk}
    assert list(asked.filter(robot__isnull=False).values_list("robot", flat=True)) == [robot.pk]


def test_an_award_waits_for_its_publicity_and_the_rulings(office_user, make_user, settings):
    settings.TENDER_AWARD_HANDLERS = []
    tender, bids = _awarded(office_user, make_user)
    assert (tender.status, tender.awarded_bid_id) == (TenderStatus.PUBLICITY, bids[0].pk)
    # objections: not from outside, not from the winner, with grounds
    with translation.override("en"):
        with pytest.raises(ValidationError, match="Only a bidder of this tender"):
            svc.award_objection_file(tender=tender, vendor=VendorFactory(), grounds="不公平")
        with pytest.raises(ValidationError, match="cannot object to its own award"):
            svc.award_objection_file(tender=tender, vendor=bids[0].vendor, grounds="不公平")
        with pytest.raises(ValidationError):
            svc.award_objection_file(tender=tender, vendor=bids[1].vendor, grounds=" ")
    objection = svc.award_objection_file(tender=tender, vendor=bids[1].vendor, grounds="技术分计算有误")
    # the period ends: the pending objection holds the award, the hourly job too
    ended = tender.publicity_ends_at + dt.timedelta(minutes=1)
    with translation.override("en"), pytest.raises(ValidationError, match="1 objection"):
        svc.tender_award_confirm(tender=tender, now=ended)
    assert svc.awards_confirm_due(now=ended) == []
    # an objection after the period is refused
    with translation.override("en"), pytest.raises(ValidationError, match="no longer accepted"):
        Tender.objects.filter(pk=tender.pk).update(publicity_ends_at=timezone.now() - dt.timedelta(minutes=1))
        svc.award_objection_file(tender=tender, vendor=bids[2].vendor, grounds="迟到的异议")
    svc.award_objection_rule(objection=objection, upheld=False, reason="经复核，技术分计算无误。", by=office_user)
    confirmed = svc.awards_confirm_due()
    assert [t.pk for t in confirmed] == [tender.pk]
    assert svc.awards_confirm_due() == []  # twice is once
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED
    assert AwardObjection.objects.get().ruling == "dismissed"


def test_an_upheld_objection_withdraws_the_proposed_award(office_user, make_user, settings):
    settings.TENDER_AWARD_HANDLERS = []
    tender, bids = _awarded(office_user, make_user)
    objection = svc.award_objection_file(tender=tender, vendor=bids[1].vendor, grounds="中标人业绩造假")
    with pytest.raises(ValidationError):
        svc.award_objection_rule(objection=objection, upheld=True, reason="", by=office_user)
    svc.award_objection_rule(objection=objection, upheld=True, reason="业绩合同经核实为伪造。", by=office_user)
    tender.refresh_from_db()
    assert (tender.status, tender.awarded_bid_id, tender.publicity_ends_at) == (TenderStatus.EVALUATING, None, None)
    with translation.override("en"), pytest.raises(ValidationError, match="was upheld"):
        svc.tender_award(tender=tender, bid=bids[0], by=office_user)
    svc.tender_award(tender=tender, bid=bids[1], reason="第一名异议成立，由第二名递补", by=office_user)
    tender.refresh_from_db()
    assert (tender.status, tender.awarded_bid_id) == (TenderStatus.PUBLICITY, bids[1].pk)


def test_the_publicity_shows_the_ranking_and_the_vendor_may_object_on_the_page(
    office_user, make_user, client_for, settings
):
    settings.TENDER_AWARD_HANDLERS = []
    tender, bids = _awarded(office_user, make_user)
    loser = make_user("vendor", username="loser", vendor=bids[2].vendor)
    page = f"/tenders/{tender.pk}/"
    html = client_for(loser).get(page).content.decode()
    assert "中标公示" in html and bids[0].vendor.legal_name in html and "对中标候选结果提出异议" in html
    # empty grounds: a message, nothing saved; then filed
    response = client_for(loser).post(page, {"action": "object", "grounds": ""})
    assert response.status_code == 200 and AwardObjection.objects.count() == 0
    response = client_for(loser).post(page, {"action": "object", "grounds": "价格分计算有误"})
    assert response.status_code == 302 and AwardObjection.objects.get().grounds == "价格分计算有误"
    # the office rules on its page
    response = client_for(office_user).post(
        f"/tenders/{tender.pk}/evaluate/",
        {"action": "rule", "objection": AwardObjection.objects.get().pk, "ruling": "dismissed", "reason": "无误"},
    )
    assert response.status_code == 302 and AwardObjection.objects.get().ruling == "dismissed"


def test_a_vendor_sees_why_its_bid_was_refused(office_user, make_user, client_for):
    tender = published_tender(office_user)
    bid = _bidder(tender, licence=False)
    user = make_user("vendor", username="refused", vendor=bid.vendor)
    _open(tender, office_user)
    html = client_for(user).get(f"/tenders/{tender.pk}/").content.decode()
    assert "资格不合格" in html and "合同起始日（2027-01-01）无有效的“营业执照”。" in html
    assert "合同起始日（2027-01-01）无有效的“营业执照”。" in client_for(user).get("/vendor/").content.decode()
    # the office overrides from its page with a reason; an empty reason changes nothing
    check = bid.checks.get(item="certificates")
    page = f"/tenders/{tender.pk}/evaluate/"
    office = client_for(office_user)
    refused = office.post(page, {"action": "override", "check": check.pk, "result": "fail", "reason": ""})
    html = refused.content.decode()
    # the refusal shows at the check's own form, which keeps what was chosen
    assert refused.status_code == 200 and "请填写人工认定的理由。" in html
    form_html = html[html.index(f'action="#check-{check.pk}"') :]
    assert '<option value="fail" selected>' in form_html[: form_html.index("</form>")]
    assert Bid.objects.get(pk=bid.pk).qualified is False
    response = office.post(page, {"action": "override", "check": check.pk, "result": "pass", "reason": "原件已核验"})
    assert response.status_code == 302 and Bid.objects.get(pk=bid.pk).qualified is True
    # vendors cannot override
    assert client_for(user).post(page, {"action": "override", "check": check.pk, "result": "pass"}).status_code in (
        302,
        403,
    )
