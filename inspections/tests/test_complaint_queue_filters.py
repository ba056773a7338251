"""The office's complaint queue filters through one FilterSet (``ComplaintFilterSet``), the rules from
``inspections.rules``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts.tests.factories import ContractFactory
from inspections.filtersets import ComplaintFilterSet
from inspections.models import Complaint
from scoring.tests.factories import complaint

pytestmark = pytest.mark.django_db
Q3 = dt.datetime(2026, 8, 10, 9, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def queue(vendor_a):
    contract = ContractFactory(vendor=vendor_a)
    other = ContractFactory(vendor=vendor_a)
    rows = {
        "closed": complaint(contract, Q3),
        "received": complaint(contract, Q3 + dt.timedelta(days=1), upheld=False),
        "late": complaint(contract, Q3 + dt.timedelta(days=2)),
        "waiting": complaint(other, Q3 + dt.timedelta(days=100)),
        "rejected": complaint(other, Q3 + dt.timedelta(days=3), upheld=False),
    }
    now = timezone.now()
    Complaint.objects.filter(pk=rows["received"].pk).update(status="received", upheld=None)
    Complaint.objects.filter(pk=rows["late"].pk).update(
        status="dispatched", response_deadline=now - dt.timedelta(hours=1)
    )
    Complaint.objects.filter(pk=rows["waiting"].pk).update(
        status="dispatched", response_deadline=now + dt.timedelta(hours=5)
    )
    Complaint.objects.filter(pk=rows["rejected"].pk).update(status="rejected", upheld=None, rejection_reason="不属实")
    return rows, contract


def names(rows, data):
    found = set(ComplaintFilterSet(data, queryset=Complaint.objects.all()).qs.values_list("pk", flat=True))
    return sorted(name for name, row in rows.items() if row.pk in found)


def test_the_queue_filters(queue):
    rows, contract = queue
    assert names(rows, {}) == ["late", "received", "waiting"]  # to handle: neither closed nor turned down
    assert names(rows, {"status": "all"}) == ["closed", "late", "received", "rejected", "waiting"]
    assert names(rows, {"status": "rejected"}) == ["rejected"]
    assert names(rows, {"overdue": "true"}) == ["late"]
    assert names(rows, {"overdue": "false", "status": "all"}) == ["closed", "received", "rejected", "waiting"]
    assert names(rows, {"contract": str(contract.pk), "status": "all"}) == ["closed", "late", "received"]
    assert names(rows, {"upheld": "true"}) == ["late", "waiting"]
    assert names(rows, {"quarter": "2026Q3", "status": "all"}) == ["closed", "late", "received", "rejected"]


def test_a_value_the_page_did_not_offer_is_no_filter(queue):
    rows, _contract = queue
    assert names(rows, {"quarter": "2026Q9", "category": "abc", "status": "nonsense"}) == [
        "late",
        "received",
        "waiting",
    ]


def test_the_page_reads_the_same_filters(queue, client_for, office_user):
    rows, _contract = queue
    response = client_for(office_user).get("/complaints/", {"overdue": "true"})
    assert [c.pk for c in response.context["page"]] == [rows["late"].pk]
    assert response.context["page"][0].late is True


def test_the_page_offers_the_search_and_channel_of_its_filterset(queue, client_for, office_user):
    rows, contract = queue
    client = client_for(office_user)
    html = client.get("/complaints/").content.decode()
    for field in ('name="q"', 'name="channel"', 'name="upheld"', 'name="overdue"'):
        assert html.count(field) == 1, field
    assert 'name="priority"' not in html  # a work order's, not a complaint's
    assert 'name="contract"' not in html  # no list of every contract on each load; the parameter still filters
    found = client.get("/complaints/", {"q": f"TS-{rows['rejected'].pk:06d}", "status": "all"})
    assert [c.pk for c in found.context["page"]] == [rows["rejected"].pk]
    by_contract = client.get("/complaints/", {"contract": str(contract.pk)})
    assert sorted(c.pk for c in by_contract.context["page"]) == sorted([rows["received"].pk, rows["late"].pk])
