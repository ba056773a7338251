"""Renewal preference across apps: the opening fixes each bid's renewal bonus from the vendor's latest final annual
appraisal (scoring), the ranking adds it, the evaluation page, the award publicity and ``qualify_bids`` show it with
its basis; the vendor's pages show the latest annual appraisal."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from logistics import selectors
from logistics.models import Bid
from logistics.reasons import describe_all
from logistics.services import tenders as svc
from logistics.tests.factories import VendorFactory, bid_on, move_past_opening, published_tender
from scoring.models import Appraisal, VendorAppraisal

pytestmark = pytest.mark.django_db
D = Decimal
PREFERRED = "2026 年度考评续签优先（等级 A，优秀）：加 2.00 分。"
NOT_PREFERRED = "2026 年度考评未获续签优先（等级 B，良好）：不加分。"
NONE_YET = "该企业尚无最终的年度考评结果：不加分。"


def _appraisal(year: int, provisional: bool = False) -> Appraisal:
    return Appraisal.objects.create(year=year, half=0, provisional=provisional, computed_at=timezone.now())


@pytest.fixture
def world(office_user):
    """甲 preferred for renewal by the 2026 appraisal (A), 乙 graded B (its 2027 result still provisional), 丙 never
    appraised; a cleaning tender with a renewal bonus of 2 points, opened."""
    jia, yi, bing = (VendorFactory(legal_name=name) for name in ("甲物业", "乙物业", "丙物业"))
    year = _appraisal(2026)
    VendorAppraisal.objects.create(
        appraisal=year, vendor=jia, score=D("93.40"), grade="A", rank=1, contracts=1, renewal_preferred=True
    )
    VendorAppraisal.objects.create(appraisal=year, vendor=yi, score=D("84.00"), grade="B", rank=2, contracts=2)
    VendorAppraisal.objects.create(
        appraisal=_appraisal(2027, provisional=True), vendor=yi, score=D("88.00"), grade="B", provisional=True
    )
    tender = published_tender(office_user, number="ZB-2026-021", renewal_bonus=D("2.00"))
    criterion = tender.criteria.get()
    for vendor, price in ((jia, "820000"), (yi, "800000"), (bing, "800000")):
        bid_on(tender, vendor, price)
    move_past_opening(tender)
    svc.tender_open(tender=tender, by=office_user)
    bids = {b.vendor.legal_name: b for b in Bid.objects.filter(tender=tender).select_related("vendor")}
    return tender, criterion, bids


def _scored(tender, criterion, bids, office_user):
    svc.tender_confirm_qualification(tender=tender, by=office_user)
    tender.committee.set([office_user])
    technical = {"甲物业": D(60), "乙物业": D(61), "丙物业": D(61)}
    svc.score_sheet_save(
        tender=tender,
        member=office_user,
        scores={(bids[name].pk, criterion.pk): score for name, score in technical.items()},
        submit=True,
    )


def test_the_opening_fixes_each_bids_bonus_with_its_basis(world):
    # given the tender opened (the fixture), then each bid holds its bonus and why, worded when read
    _tender, _criterion, bids = world
    stored = {name: (bid.renewal_bonus, bid.renewal_basis) for name, bid in bids.items()}
    assert stored == {
        "甲物业": (
            D("2.00"),
            [
                {
                    "code": "renewal_bonus",
                    "params": {
                        "year": 2026,
                        "grade": "A",
                        "label": {"zh": "优秀", "en": "Excellent"},
                        "points": "2.00",
                    },
                }
            ],
        ),
        "乙物业": (
            D(0),
            [
                {
                    "code": "renewal_bonus_not_preferred",
                    "params": {"year": 2026, "grade": "B", "label": {"zh": "良好", "en": "Good"}},
                }
            ],
        ),
        "丙物业": (D(0), [{"code": "renewal_bonus_no_appraisal", "params": {}}]),
    }
    with translation.override("zh-hans"):
        assert {name: describe_all(bid.renewal_basis) for name, bid in bids.items()} == {
            "甲物业": [PREFERRED],
            "乙物业": [NOT_PREFERRED],
            "丙物业": [NONE_YET],
        }
    assert bids["甲物业"].history.first().history_change_reason == "开标时资格审查"


def test_the_bonus_decides_the_ranking_and_is_published_with_its_reason(world, office_user, client_for, settings):
    settings.TENDER_AWARD_HANDLERS = []
    tender, criterion, bids = world
    _scored(tender, criterion, bids, office_user)
    # when ranked: 甲 60 + 30 x 800000 / 820000 (29.2683) + 2 = 91.27 beats 乙 and 丙 (61 + 30 = 91.00; 乙 bid first)
    ranking = selectors.tender_ranking(tender)
    assert [(r.bid_id, r.rank, r.bonus, r.total) for r in ranking] == [
        (bids["甲物业"].pk, 1, D("2.00"), D("91.27")),
        (bids["乙物业"].pk, 2, D(0), D("91.00")),
        (bids["丙物业"].pk, 3, D(0), D("91.00")),
    ]
    office = client_for(office_user)
    with translation.override("zh-hans"):
        html = office.get(f"/tenders/{tender.pk}/evaluate/").content.decode()
    assert "续签优先加分" in html and html.count(PREFERRED) == 2  # the bid's basis and the ranking's bonus cell
    assert NOT_PREFERRED in html and NONE_YET in html
    assert "续签优先的投标人（以最近一次最终年度考评为准）加 2.00 分（续签优先加分，开标时确定）。" in html
    # the award is published with the ranking, the bonus and its reason (only where there is one)
    svc.tender_award(tender=tender, by=office_user)
    tender.refresh_from_db()
    assert tender.awarded_bid_id == bids["甲物业"].pk
    with translation.override("zh-hans"):
        publicity = selectors.award_publicity(tender)
        rows = [(r.rank, r.vendor, r.bonus, r.total, describe_all(list(r.bonus_basis))) for r in publicity["rows"]]
    assert publicity["bonus_shown"] is True
    assert rows == [
        (1, "甲物业", D("2.00"), D("91.27"), [PREFERRED]),
        (2, "乙物业", D(0), D("91.00"), []),
        (3, "丙物业", D(0), D("91.00"), []),
    ]
    html = client_for(None).get(f"/tenders/{tender.pk}/").content.decode()
    assert "续签优先加分" in html and PREFERRED in html and NOT_PREFERRED not in html and "91.27" in html
    anonymous = client_for(None)
    anonymous.cookies["django_language"] = "en"
    assert "Renewal bonus" in anonymous.get(f"/tenders/{tender.pk}/").content.decode()


def test_qualify_bids_shows_the_stored_bonus_and_a_recheck_reads_todays_appraisal(world):
    tender, _criterion, _bids = world
    out = io.StringIO()
    call_command("qualify_bids", tender.number, "--json", "--language", "en", stdout=out)
    stored = [(b["vendor"], b["renewal_bonus"], b["renewal_basis"]) for b in json.loads(out.getvalue())["bids"]]
    assert stored == [
        ("甲物业", "2.00", ["Preferred for renewal by the 2026 annual appraisal (grade A, Excellent): +2.00 points."]),
        ("乙物业", "0.00", ["Not preferred for renewal by the 2026 annual appraisal (grade B, Good): no bonus."]),
        ("丙物业", "0.00", ["No final annual appraisal of the vendor: no bonus."]),
    ]
    # 丙 is appraised after the opening: the stored bonus stays, a recheck shows what today's records give
    VendorAppraisal.objects.create(
        appraisal=Appraisal.objects.get(year=2026),
        vendor=Bid.objects.get(tender=tender, vendor__legal_name="丙物业").vendor,
        score=D("95.00"),
        grade="A",
        rank=1,
        contracts=1,
        renewal_preferred=True,
    )
    out = io.StringIO()
    call_command("qualify_bids", tender.number, "--json", "--recheck", stdout=out)
    assert [b["renewal_bonus"] for b in json.loads(out.getvalue())["bids"]] == ["2.00", "0.00", "2.00"]
    assert Bid.objects.get(tender=tender, vendor__legal_name="丙物业").renewal_bonus == D(0)


def test_the_vendor_pages_show_the_latest_annual_appraisal(world, office_user, make_user, client_for):
    _tender, _criterion, bids = world
    jia, yi, bing = (bids[name].vendor for name in ("甲物业", "乙物业", "丙物业"))

    def portal(vendor):
        user = make_user("vendor", username=f"u{vendor.pk}", vendor=vendor)
        html = client_for(user).get("/vendor/").content.decode()
        return html[html.index('id="annual-appraisal"') :].split("</section>")[0]

    def office_page(vendor):
        html = client_for(office_user).get(f"/admin/logistics/vendor/{vendor.pk}/change/").content.decode()
        field = html.index("field-annual_appraisal")  # the field's row (the menu says 年度考评 too)
        return html[field:].split('class="form-row', 1)[0]

    final_a = "2026 年度考评：93.40 分，等级 A（优秀），在 2 家企业中排名第 1。"
    final_b = "2026 年度考评：84.00 分，等级 B（良好），在 2 家企业中排名第 2。"
    provisional = "2027 年度考评为暂定结果：尚有季度考评未最终确定。"
    with translation.override("zh-hans"):
        assert (
            final_a in portal(jia) and '<span class="badge badge-ok">' in portal(jia) and provisional not in portal(jia)
        )
        assert final_b in portal(yi) and provisional in portal(yi) and "badge" not in portal(yi)
        assert "尚无最终的年度考评结果。" in portal(bing)
        assert final_a in office_page(jia) and '<span class="status-badge status-passed">' in office_page(jia)
        assert final_b in office_page(yi) and provisional in office_page(yi)
        assert "尚无最终的年度考评结果。" in office_page(bing)
    with translation.override("en"):
        summary = selectors.vendor_annual_appraisal(jia.pk)
    assert summary == {
        "final": {
            "year": 2026,
            "score": D("93.40"),
            "grade": "A",
            "label": "Excellent",
            "rank": 1,
            "ranked": 2,
            "renewal_preferred": True,
        },
        "provisional_year": None,
    }
