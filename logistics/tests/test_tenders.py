"""Tendering: who may bid, sealed bids, opening and qualification, the evaluation formula, the award."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from logistics import tendering
from logistics.models import Bid, Tender, TenderStatus, VendorStatus
from logistics.services import tenders as svc
from logistics.tests.factories import (
    BidFactory,
    TenderCriterionFactory,
    TenderFactory,
    VendorFactory,
    bid_on,
    move_past_opening,
)

pytestmark = pytest.mark.django_db
D = Decimal


def published_tender(office_user, **kwargs):
    tender = TenderFactory(**kwargs)
    TenderCriterionFactory(tender=tender, weight=D(40))
    TenderCriterionFactory(tender=tender, weight=D(30))
    svc.tender_publish(tender=tender, by=office_user)
    tender.refresh_from_db()
    return tender


# --- the formula (pure) ---------------------------------------------------------------------------------
def test_price_score_and_ranking_worked_example_with_ties():
    t0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    bids = [
        tendering.BidForRanking(1, D("100000"), t0 + dt.timedelta(hours=1)),  # A
        tendering.BidForRanking(2, D("120000"), t0),  # B
        tendering.BidForRanking(3, D("100000"), t0),  # C: same price and total as A, submitted earlier
        tendering.BidForRanking(4, D("110000"), t0),  # D: same total as A and C, higher price
        tendering.BidForRanking(5, D("200000"), t0),  # E: total on a half cent
    ]
    technical = {
        1: [D("60"), D("62")],  # mean 61 + price 30 = 91.00
        2: [D("70"), D("68")],  # mean 69 + 30 x 100000 / 120000 = 25 -> 94.00
        3: [D("61"), D("61")],  # 61 + 30 = 91.00
        4: [D("63.73"), D("63.73")],  # 63.73 + 27.2727... = 91.0027... -> 91.00
        5: [D("70.00"), D("70.01")],  # 70.005 + 15 = 85.005 -> 85.01 (half-up)
    }
    ranked = tendering.rank(bids, technical, D(30))
    assert [(r.bid_id, r.rank, r.total) for r in ranked] == [
        (2, 1, D("94.00")),
        (3, 2, D("91.00")),
        (1, 3, D("91.00")),
        (4, 4, D("91.00")),
        (5, 5, D("85.01")),
    ]
    assert ranked[0].price_score == D(25)
    assert ranked[3].price_score.quantize(D("0.0001")) == D("27.2727")


# --- who may bid ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "message"),
    [
        (VendorStatus.BLACKLISTED, "A blacklisted vendor cannot bid."),
        (VendorStatus.APPLICANT, "Only admitted vendors can bid; your status is “Applicant”."),
        (VendorStatus.SUSPENDED, "Only admitted vendors can bid; your status is “Suspended”."),
    ],
)
def test_vendors_that_are_not_admitted_cannot_bid(office_user, status, message):
    tender = published_tender(office_user)
    vendor = VendorFactory(status=status)
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        svc.bid_submit(tender=tender, vendor=vendor, price=D("1000"), proposal="方案")
    assert Bid.objects.count() == 0


def test_a_late_bid_is_refused_with_the_deadline(office_user):
    tender = published_tender(office_user)
    move_past_opening(tender, dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC))
    with translation.override("en"), pytest.raises(ValidationError) as info:
        svc.bid_submit(tender=tender, vendor=VendorFactory(), price=D("1000"), proposal="方案")
    # 09:00 UTC is 17:00 in Shanghai
    assert info.value.messages == ["The bid deadline (2026-11-20 17:00) has passed; bids are no longer accepted."]
    assert Bid.objects.count() == 0


def test_a_late_bid_from_the_vendor_page_keeps_the_form(client_for, office_user, vendor_user):
    tender = published_tender(office_user)
    move_past_opening(tender)
    response = client_for(vendor_user).post(
        f"/vendor/tenders/{tender.pk}/bid/", {"price": "1000", "proposal": "我们的方案", "past_projects": "3"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "截止时间" in html and "我们的方案" in html
    assert Bid.objects.count() == 0


def test_an_invited_tender_refuses_others(office_user):
    invited = VendorFactory()
    tender = TenderFactory(method=Tender.Method.INVITED)
    tender.invited_vendors.add(invited)
    TenderCriterionFactory(tender=tender, weight=D(70))
    svc.tender_publish(tender=tender, by=office_user)
    svc.bid_submit(tender=tender, vendor=invited, price=D("1000"), proposal="方案")
    with pytest.raises(ValidationError):
        svc.bid_submit(tender=tender, vendor=VendorFactory(), price=D("1000"), proposal="方案")
    assert Bid.objects.count() == 1


def test_publish_needs_weights_adding_up_to_100(office_user):
    tender = TenderFactory(price_weight=D(30))
    TenderCriterionFactory(tender=tender, weight=D(60))
    with translation.override("en"), pytest.raises(ValidationError, match="they add up to 90"):
        svc.tender_publish(tender=tender, by=office_user)
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DRAFT


# --- sealed bids ----------------------------------------------------------------------------------------
def test_a_sealed_bid_is_invisible_before_the_opening_and_visible_after(
    client_for, api_get, office_user, vendor_user, vendor_a
):
    tender = published_tender(office_user)
    bid = svc.bid_submit(tender=tender, vendor=vendor_a, price=D("876543.21"), proposal="秘密方案")
    office = client_for(office_user)
    # the office's evaluation page, the admin list, the admin form, the admin history, the API
    assert "876" not in office.get(f"/tenders/{tender.pk}/evaluate/").content.decode()
    admin_list = office.get("/admin/logistics/bid/").content.decode()
    assert "876" not in admin_list and "已密封" in admin_list
    admin_form = office.get(f"/admin/logistics/bid/{bid.pk}/change/").content.decode()
    assert "876" not in admin_form and "秘密方案" not in admin_form
    assert office.get(f"/admin/logistics/bid/{bid.pk}/history/").status_code == 404
    api = api_get(office_user, f"/api/bids/{bid.pk}/").json()
    assert (api["sealed"], api["price"], api["proposal"]) == (True, None, None)
    # the bidder sees its own bid
    own = api_get(vendor_user, f"/api/bids/{bid.pk}/").json()
    assert (own["sealed"], own["price"]) == (False, "876543.21")
    # after the opening time everything shows
    move_past_opening(tender)
    assert "876,543.21" in office.get(f"/tenders/{tender.pk}/evaluate/").content.decode()
    assert api_get(office_user, f"/api/bids/{bid.pk}/").json()["price"] == "876543.21"
    assert office.get(f"/admin/logistics/bid/{bid.pk}/history/").status_code == 200


def test_bids_cannot_be_opened_before_the_opening_time(office_user):
    tender = published_tender(office_user)
    with pytest.raises(ValidationError):
        svc.tender_open(tender=tender, by=office_user)
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED


# --- opening and qualification --------------------------------------------------------------------------
def _bidders(tender, count, **vendor_kwargs):
    return [bid_on(tender, VendorFactory(**vendor_kwargs), 900000 + i * 10000) for i in range(count)]


def test_two_qualified_bids_fail_the_tender(office_user):
    tender = published_tender(office_user, min_registered_capital=D("2000000"))
    _bidders(tender, 2)
    poor = VendorFactory(registered_capital=D("500000"))
    bid_on(tender, poor, "800000")
    move_past_opening(tender)
    svc.tender_open(tender=tender, by=office_user)
    unqualified = Bid.objects.get(vendor=poor)
    assert (unqualified.auto_qualified, unqualified.qualified) == (False, False)
    assert [(c.item, c.reasons) for c in unqualified.checks.filter(passed=False)] == [
        ("capital", [{"code": "capital_too_low", "params": {"capital": "500,000.00", "minimum": "2,000,000.00"}}])
    ]
    svc.tender_confirm_qualification(tender=tender, by=office_user)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED
    with translation.override("en"):
        assert tender.failure_reason  # stored in the office's language at the time
    assert "2" in tender.failure_reason


def test_the_office_can_override_a_check_with_a_reason(office_user):
    tender = published_tender(office_user, min_similar_projects=5)
    bids = _bidders(tender, 3)  # 3 past projects each: all fail the check
    move_past_opening(tender)
    svc.tender_open(tender=tender, by=office_user)
    assert [b.auto_qualified for b in Bid.objects.all()] == [False, False, False]
    checks = [bid.checks.get(item="experience") for bid in bids]
    with pytest.raises(ValidationError):
        svc.bid_check_override(check=checks[0], passed=True, reason=" ", by=office_user)
    for check in checks:
        svc.bid_check_override(check=check, passed=True, reason="业绩证明材料补充核实", by=office_user)
    assert [(b.auto_qualified, b.qualified) for b in Bid.objects.order_by("pk")] == [(False, True)] * 3
    check = checks[0]
    check.refresh_from_db()
    assert (check.passed, check.override_passed, check.override_reason, check.overridden_by) == (
        False,
        True,
        "业绩证明材料补充核实",
        office_user,
    )
    assert check.history.first().history_change_reason == "业绩证明材料补充核实"
    svc.tender_confirm_qualification(tender=tender, by=office_user)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.EVALUATING and tender.qualification_confirmed_at is not None


# --- scoring and award ----------------------------------------------------------------------------------
def _ready_for_scoring(office_user, make_user):
    tender = published_tender(office_user)
    bids = _bidders(tender, 3)
    move_past_opening(tender)
    svc.tender_open(tender=tender, by=office_user)
    svc.tender_confirm_qualification(tender=tender, by=office_user)
    second = make_user("office", username="member2", is_staff=True)
    tender.committee.set([office_user, second])
    return tender, bids, second


def test_a_member_sees_others_scores_only_after_submitting(office_user, make_user, client_for):
    tender, bids, second = _ready_for_scoring(office_user, make_user)
    criteria = list(tender.criteria.all())
    full = {(b.pk, c.pk): D(20) for b in bids for c in criteria}
    svc.score_sheet_save(tender=tender, member=second, scores={k: D("19.5") for k in full}, submit=True)
    html = client_for(office_user).get(f"/tenders/{tender.pk}/evaluate/").content.decode()
    assert "其他评委的技术总分" not in html
    svc.score_sheet_save(tender=tender, member=office_user, scores=full, submit=True)
    html = client_for(office_user).get(f"/tenders/{tender.pk}/evaluate/").content.decode()
    assert "其他评委的技术总分" in html and "39.00" in html


def test_scores_out_of_range_are_refused_and_nothing_is_saved(office_user, make_user):
    tender, bids, _second = _ready_for_scoring(office_user, make_user)
    criterion = tender.criteria.first()
    with pytest.raises(ValidationError):
        svc.score_sheet_save(tender=tender, member=office_user, scores={(bids[0].pk, criterion.pk): D(41)})
    assert not tender.score_sheets.filter(scores__isnull=False).exists()


def test_the_award_goes_to_the_top_ranked_bid_or_another_with_a_reason(office_user, make_user, settings):
    calls = []
    settings.TENDER_AWARD_HANDLERS = ["logistics.tests.test_tenders.record_award"]
    RECORDED.clear()
    tender, bids, second = _ready_for_scoring(office_user, make_user)
    criteria = list(tender.criteria.all())
    for member in (office_user, second):
        scores = {(b.pk, c.pk): D(30) for b in bids for c in criteria}
        svc.score_sheet_save(tender=tender, member=member, scores=scores, submit=True)
    # equal technical scores: the lowest price (bids[0], 900000) ranks first
    ranking = svc.selectors.tender_ranking(tender)
    assert [r.bid_id for r in ranking] == [bids[0].pk, bids[1].pk, bids[2].pk]
    with pytest.raises(ValidationError):
        svc.tender_award(tender=tender, bid=bids[1], reason="", by=office_user)
    svc.tender_award(tender=tender, bid=bids[1], reason="第一名放弃中标", by=office_user)
    tender.refresh_from_db()
    assert (tender.status, tender.awarded_bid_id, tender.award_reason) == ("publicity", bids[1].pk, "第一名放弃中标")
    assert tender.publicity_ends_at - tender.publicity_started_at == dt.timedelta(days=3)
    assert RECORDED == []  # the contract waits for the publicity
    svc.tender_award_confirm(tender=tender, by=office_user, now=tender.publicity_ends_at)
    tender.refresh_from_db()
    assert (tender.status, tender.awarded_at) == ("awarded", tender.publicity_ends_at)
    assert [tender.pk] == RECORDED
    assert calls == []


RECORDED: list[int] = []


def record_award(*, tender, by):
    RECORDED.append(tender.pk)


def test_losing_bidders_see_the_result_on_their_page(office_user, make_user, client_for):
    tender, bids, second = _ready_for_scoring(office_user, make_user)
    criteria = list(tender.criteria.all())
    for member in (office_user, second):
        svc.score_sheet_save(
            tender=tender, member=member, scores={(b.pk, c.pk): D(30) for b in bids for c in criteria}, submit=True
        )
    svc.tender_award(tender=tender, by=office_user)
    loser = make_user("vendor", username="loser", vendor=bids[2].vendor)
    html = client_for(loser).get("/vendor/").content.decode()
    assert "中标公示中" in html
    tender.refresh_from_db()
    svc.tender_award_confirm(tender=tender, by=office_user, now=tender.publicity_ends_at)
    html = client_for(loser).get("/vendor/").content.decode()
    assert "未中标" in html and bids[0].vendor.legal_name in html


def test_public_tender_page_lists_published_tenders(client, office_user):
    published = published_tender(office_user, title="公开招标项目")
    TenderFactory(title="草稿项目")
    html = client.get("/tenders/").content.decode()
    assert "公开招标项目" in html and "草稿项目" not in html
    assert client.get(f"/tenders/{published.pk}/").status_code == 200


def test_bid_api_list_query_count_does_not_grow(api_list_queries, office_user):
    tender = published_tender(office_user)
    small, large = api_list_queries(office_user, "/api/bids/", lambda: BidFactory(tender=tender), few=3, more=20)
    assert small == large


def test_tender_admin_list_query_count_does_not_grow(admin_list_queries):
    small, large = admin_list_queries(TenderFactory, "/admin/logistics/tender/")
    assert small == large
