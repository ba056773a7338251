"""Bid qualification across apps: a contract under a termination recommendation refuses its vendor's bids, and
``qualify_bids`` lists every bid with every check, its result and its reason (both databases)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contracts.choices import ContractStatus
from contracts.tests.factories import ContractFactory
from logistics.services import tenders as svc
from logistics.tests.factories import TenderFactory, VendorFactory, bid_on, move_past_opening, published_tender

pytestmark = pytest.mark.django_db
D = Decimal


def _opened_tender(office_user, vendors):
    tender = published_tender(office_user, number="ZB-2026-007", title="图书馆保洁")
    for i, vendor in enumerate(vendors):
        bid_on(tender, vendor, 800000 + i)
    move_past_opening(tender)
    svc.tender_open(tender=tender, by=office_user)
    return tender


def test_a_termination_recommendation_in_force_refuses_the_bid(office_user):
    recommended = VendorFactory(legal_name="甲物业")
    ContractFactory(
        number="HT-2026-002",
        vendor=recommended,
        termination_recommended=True,
        termination_recommended_reason="连续两个季度不合格",
    )
    # a recommendation on an expired contract no longer counts
    past = VendorFactory(legal_name="乙物业")
    ContractFactory(number="HT-2024-001", vendor=past, status=ContractStatus.EXPIRED, termination_recommended=True)
    tender = _opened_tender(office_user, [recommended, past])
    failed = {
        bid.vendor.legal_name: [(c.item, c.reasons) for c in bid.checks.all() if not c.result]
        for bid in tender.bids.select_related("vendor").prefetch_related("checks")
    }
    assert failed == {
        "甲物业": [("termination", [{"code": "termination_recommended", "params": {"number": "HT-2026-002"}}])],
        "乙物业": [],
    }


def test_qualify_bids_lists_every_check_with_its_reason(office_user):
    good, refused = VendorFactory(legal_name="甲物业"), VendorFactory(legal_name="乙物业")
    ContractFactory(number="HT-2026-002", vendor=refused, termination_recommended=True)
    tender = _opened_tender(office_user, [good, refused])
    svc.bid_check_override(
        check=tender.bids.get(vendor=refused).checks.get(item="termination"),
        passed=True,
        reason="该合同已于本月整改完毕，建议解除已撤回",
        by=office_user,
    )
    out = io.StringIO()
    call_command("qualify_bids", "ZB-2026-007", "--json", "--language", "en", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["tender"], report["source"], [b["vendor"] for b in report["bids"]]) == (
        "ZB-2026-007",
        "stored",
        ["甲物业", "乙物业"],
    )
    assert [c["check"] for c in report["bids"][0]["checks"]] == [
        "admitted",
        "capital",
        "certificates",
        "bad_records",
        "termination",
        "annual_grade",
        "experience",
        "price",
        "documents",
    ]
    termination = report["bids"][1]["checks"][4]
    assert termination == {
        "check": "termination",
        "name": "Not under a termination recommendation",
        "passed": False,
        "result": True,
        "reasons": ["Contract HT-2026-002 is under a termination recommendation."],
        "override_reason": "该合同已于本月整改完毕，建议解除已撤回",
    }
    assert [b["qualified"] for b in report["bids"]] == [True, True]
    # a recheck reads today's records and stores nothing
    out = io.StringIO()
    call_command("qualify_bids", "ZB-2026-007", "--json", "--recheck", stdout=out)
    recheck = json.loads(out.getvalue())
    assert (recheck["source"], [b["qualified"] for b in recheck["bids"]]) == ("recheck", [True, False])
    assert tender.bids.get(vendor=refused).qualified is True


def test_qualify_bids_refuses_sealed_bids_and_unknown_tenders(office_user):
    tender = TenderFactory(number="ZB-2026-008")
    with pytest.raises(CommandError, match="sealed until"):
        call_command("qualify_bids", tender.number)
    with pytest.raises(CommandError, match="No tender numbered"):
        call_command("qualify_bids", "ZB-0000")
