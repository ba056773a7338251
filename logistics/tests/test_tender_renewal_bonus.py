"""The renewal bonus (续签优先加分) in a tender's evaluation: the pure rule and ranking with worked examples, the
tender's bonus within 0..10 (also in the database) and frozen once published."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from logistics import tendering
from logistics.models import Tender
from logistics.reasons import describe_all
from logistics.services import tenders as svc
from logistics.tests.factories import TenderCriterionFactory, TenderFactory
from logistics.tests.test_tender_qualification import FACTS as QUALIFIED_BIDDER

D = Decimal
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
FACTS = {**QUALIFIED_BIDDER, "valid_certificate_type_ids": frozenset()}  # the qualification tests' bidder
EXCELLENT = {"zh": "优秀", "en": "Excellent"}
GOOD = {"zh": "良好", "en": "Good"}


# --- the ranking (pure) ---------------------------------------------------------------------------------
def _bids(bonus: Decimal) -> list[tendering.BidForRanking]:
    """Five bids; B, F and G were preferred for renewal (the tender's ``bonus`` each, 0 without one)."""
    return [
        tendering.BidForRanking(1, D("100000"), T0),  # A
        tendering.BidForRanking(2, D("125000"), T0, bonus),  # B
        tendering.BidForRanking(5, D("100000"), T0),  # E
        tendering.BidForRanking(6, D("100000"), T0 + dt.timedelta(hours=1), bonus),  # F: as E, submitted later
        tendering.BidForRanking(7, D("200000"), T0, bonus),  # G
    ]


TECHNICAL = {
    1: [D("60"), D("61")],  # 60.5 + 30 = 90.50
    2: [D("66"), D("66.5")],  # 66.25 + 30 x 100000 / 125000 = 24 -> 90.25, + 2 = 92.25
    5: [D("55"), D("55")],  # 55 + 30 = 85.00
    6: [D("55"), D("55")],  # 85.00 + 2 = 87.00
    7: [D("70.00"), D("70.01")],  # 70.005 + 15 = 85.005, + 2 = 87.005 -> 87.01 (half-up, once)
}


def test_the_bonus_is_added_to_the_total_worked_example():
    # given five bids scored by two members, price weight 30, a renewal bonus of 2 points for B, F and G
    # when they are ranked
    ranked = tendering.rank(_bids(D("2.00")), TECHNICAL, D(30))
    # then total = technical + price score + bonus, rounded once; the bonus lifts B above A, and F above E
    # (whom the earlier submission put first on the same total without the bonus)
    assert [(r.bid_id, r.rank, r.bonus, r.total) for r in ranked] == [
        (2, 1, D("2.00"), D("92.25")),
        (1, 2, D(0), D("90.50")),
        (7, 3, D("2.00"), D("87.01")),
        (6, 4, D("2.00"), D("87.00")),
        (5, 5, D(0), D("85.00")),
    ]
    assert (ranked[0].technical, ranked[0].price_score) == (D("66.25"), D(24))


def test_without_a_bonus_the_tie_goes_to_the_earlier_bid():
    ranked = tendering.rank(_bids(D(0)), TECHNICAL, D(30))
    assert [(r.bid_id, r.rank, r.total) for r in ranked] == [
        (1, 1, D("90.50")),
        (2, 2, D("90.25")),
        (7, 3, D("85.01")),
        (5, 4, D("85.00")),
        (6, 5, D("85.00")),
    ]


# --- the bonus of a bid (pure) --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("points", "facts", "bonus", "zh", "en"),
    [
        (
            D("2.00"),
            {"annual_grade": (2026, "A", EXCELLENT), "renewal_preference": (2026, "A")},
            D("2.00"),
            "2026 年度考评续签优先（等级 A，优秀）：加 2.00 分。",
            "Preferred for renewal by the 2026 annual appraisal (grade A, Excellent): +2.00 points.",
        ),
        (
            D("2.00"),
            {"annual_grade": (2026, "B", GOOD)},
            D(0),
            "2026 年度考评未获续签优先（等级 B，良好）：不加分。",
            "Not preferred for renewal by the 2026 annual appraisal (grade B, Good): no bonus.",
        ),
        (
            D("1.5"),
            {},
            D(0),
            "该企业尚无最终的年度考评结果：不加分。",
            "No final annual appraisal of the vendor: no bonus.",
        ),
    ],
)
def test_the_bonus_and_its_reason_in_both_languages(points, facts, bonus, zh, en):
    bidder = tendering.BidderFacts(**FACTS, **facts)
    got, basis = tendering.renewal_bonus(points, bidder)
    assert got == bonus
    with translation.override("zh-hans"):
        assert describe_all(basis) == [zh]
    with translation.override("en"):
        assert describe_all(basis) == [en]


def test_a_tender_without_a_bonus_gives_none_and_says_nothing():
    bidder = tendering.BidderFacts(**FACTS, annual_grade=(2026, "A", EXCELLENT), renewal_preference=(2026, "A"))
    assert tendering.renewal_bonus(D(0), bidder) == (D(0), [])


# --- the tender's term ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_bonus_is_between_0_and_10_points_also_in_the_database():
    tender = TenderFactory.build(renewal_bonus=D("10.01"))
    with translation.override("en"):
        with pytest.raises(ValidationError) as info:
            tender.full_clean(exclude=["category"])
        assert info.value.message_dict == {"renewal_bonus": ["Ensure this value is less than or equal to 10."]}
    tender = TenderFactory()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Tender.objects.filter(pk=tender.pk).update(renewal_bonus=D("-1"))
    assert Tender.objects.get(pk=tender.pk).renewal_bonus == D(0)


@pytest.mark.django_db
def test_the_bonus_is_frozen_once_the_tender_is_published(office_user, client_for):
    tender = TenderFactory(renewal_bonus=D("2.00"))
    TenderCriterionFactory(tender=tender, weight=D(70))
    page = f"/admin/logistics/tender/{tender.pk}/change/"
    assert 'name="renewal_bonus"' in client_for(office_user).get(page).content.decode()
    svc.tender_publish(tender=tender, by=office_user)
    html = client_for(office_user).get(page).content.decode()
    assert 'name="renewal_bonus"' not in html and "2.00" in html
