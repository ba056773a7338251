"""Renewal preference (续签优先), computed at finalization, is shown where the office decides: beside the vendor's
bid on the next tender of the same category, and in the vendors' admin list."""

from __future__ import annotations

from decimal import Decimal as D

from contracts.models import Contract
from contracts.tests.factories import ContractFactory
from logistics.services import tenders as svc
from logistics.tests.factories import ServiceCategoryFactory, VendorFactory
from logistics.tests.test_tenders import move_past_opening, published_tender
from logistics.web import vendor_notes


def test_the_bid_list_and_the_vendors_list_say_who_is_preferred_for_renewal(
    client_for, office_user, vendor_a, count_queries
):
    tender = published_tender(office_user)
    contract = ContractFactory(vendor=vendor_a, category=tender.category, number="HT-REN-001")
    Contract.objects.filter(pk=contract.pk).update(renewal_preferred=True)
    other = ServiceCategoryFactory(code="greening-ren", name="绿化", name_en="Greening")
    ContractFactory(vendor=vendor_a, category=other, number="HT-REN-OTHER")  # another category: not on this list
    Contract.objects.filter(number="HT-REN-OTHER").update(renewal_preferred=True)
    svc.bid_submit(tender=tender, vendor=vendor_a, price=D("800000"), proposal="方案")
    svc.bid_submit(tender=tender, vendor=VendorFactory(), price=D("820000"), proposal="方案")
    move_past_opening(tender)
    html = client_for(office_user).get(f"/tenders/{tender.pk}/evaluate/").content.decode()
    assert "续签优先（HT-REN-001）" in html and "HT-REN-OTHER" not in html
    assert vendor_notes([vendor_a.pk])[vendor_a.pk] == ["续签优先（HT-REN-001）", "续签优先（HT-REN-OTHER）"]

    client = client_for(office_user)
    small, response = count_queries(lambda: client.get("/admin/logistics/vendor/"))
    assert "续签优先（HT-REN-001）" in response.content.decode()
    for _ in range(5):
        VendorFactory()
    large, _ = count_queries(lambda: client.get("/admin/logistics/vendor/"))
    assert small == large
