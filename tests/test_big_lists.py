"""The office's lists stay quick on big tables (issue 24): a reference typed in the admin's search box finds that
record by its number, contracts are searched in the contracts table, an unfiltered list of a big table shows
PostgreSQL's estimate of its size, the lists' queries do not grow with their rows, and the staff lists' contract
filter offers only the contracts the reader may see."""

from __future__ import annotations

import pytest
from django.db import connection

from contracts.tests.factories import ContractFactory
from inspections.models import Inspection
from inspections.services import inspections as svc
from inspections.tests.factories import make_template, tablet_data
from logistics import pagination
from logistics.admin_base import reference_number
from logistics.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def submit(inspector, contract, summary: str = "") -> Inspection:
    template = make_template(category=contract.category, items=[("A1", "10", "minor", False)])
    data = tablet_data(contract, template, {"A1": {"result": "fail"}}, summary=summary)
    inspection, created = svc.inspection_submit(user=inspector, data=data)
    assert created
    return inspection


@pytest.fixture
def two_contracts(inspector_user):
    first = ContractFactory(number="HT-2026-011", vendor=VendorFactory(legal_name="甲物业服务有限公司"))
    second = ContractFactory(number="HT-2026-012", vendor=VendorFactory(legal_name="乙保安服务有限公司"))
    for contract in (first, second):
        contract.inspectors.add(inspector_user)
    return first, second


def test_a_reference_typed_in_a_search_box_is_read_as_its_number():
    assert reference_number("JC-000124", "JC") == 124
    assert reference_number(" jc124 ", "JC") == 124
    assert reference_number("JC 0007", "JC") == 7
    assert reference_number("JC-12a", "JC") is None
    assert reference_number("ZG-000124", "JC") is None
    assert reference_number("124", "JC") is None  # a bare number may be part of a contract number: searched as text


def test_the_admin_finds_an_inspection_by_reference_contract_vendor_or_summary(
    client_for, office_user, inspector_user, two_contracts
):
    first, second = two_contracts
    a = submit(inspector_user, first, summary="地面湿滑，已提醒")
    b = submit(inspector_user, first)
    c = submit(inspector_user, second, summary="门岗无人")

    def found(term: str) -> list[int]:
        response = client_for(office_user).get("/admin/inspections/inspection/", {"q": term})
        assert response.status_code == 200
        return sorted(row.pk for row in response.context["cl"].result_list)

    assert found(b.reference) == [b.pk]
    assert found(b.reference.lower().replace("-", "")) == [b.pk]
    assert found("JC-999999") == []  # a reference that does not exist finds nothing, not every "JC"
    assert found("HT-2026-012") == [c.pk]
    assert found("甲物业") == sorted([a.pk, b.pk])
    assert found("湿滑") == [a.pk]
    assert found("HT-2026 门岗") == [c.pk]  # every word must match, as Django's search box does
    # the order opened for the failed item: found by its reference in its own list
    order = a.results.get().rectification
    response = client_for(office_user).get("/admin/inspections/rectificationorder/", {"q": order.reference})
    assert [row.pk for row in response.context["cl"].result_list] == [order.pk]


def test_the_admin_and_staff_lists_run_as_many_queries_for_many_rows_as_for_few(
    client_for, office_user, inspector_user, two_contracts, count_queries
):
    first, second = two_contracts
    urls = [
        "/admin/inspections/inspection/",
        "/admin/inspections/rectificationorder/",
        "/admin/inspections/rectificationorder/?q=HT-2026-011",
        "/inspections/",
        "/rectifications/",
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            client = client_for(office_user)
            client.get(url)  # warm-up: the user's roles
            n, response = count_queries(lambda url=url, client=client: client.get(url))
            assert response.status_code == 200
            result.append(n)
        return result

    submit(inspector_user, first)
    few = counts()
    for _ in range(6):
        submit(inspector_user, first)
        submit(inspector_user, second)
    assert counts() == few


def test_the_staff_lists_offer_only_the_contracts_the_reader_may_see(
    client_for, office_user, vendor_user, vendor_a, vendor_b
):
    own = ContractFactory(number="HT-OWN-001", vendor=vendor_a)
    ContractFactory(number="HT-OTHER-001", vendor=vendor_b)
    for url in ("/inspections/", "/rectifications/"):
        page = client_for(vendor_user).get(url).content.decode()
        assert f'<option value="{own.pk}">HT-OWN-001</option>' in page
        assert "HT-OTHER-001" not in page
        page = client_for(office_user).get(url).content.decode()
        assert "HT-OWN-001" in page and "HT-OTHER-001" in page
    # a contract the reader may not see is refused as a choice, not used as a filter
    other = ContractFactory(number="HT-OTHER-002", vendor=vendor_b)
    response = client_for(vendor_user).get("/rectifications/", {"contract": other.pk})
    assert response.status_code == 200
    assert response.context["filter"].errors["contract"]


def test_a_filtered_list_is_counted_exactly(inspector_user, two_contracts, monkeypatch):
    first, second = two_contracts
    for _ in range(3):
        submit(inspector_user, first)
    submit(inspector_user, second)
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", 0)
    assert pagination.EstimatingPaginator(Inspection.objects.filter(contract=second), 50).count == 1
    if connection.vendor != "postgresql":
        assert pagination.EstimatingPaginator(Inspection.objects.all(), 50).count == 4  # no estimate to read


@pytest.mark.postgres
def test_an_unfiltered_big_list_shows_the_planners_estimate_on_postgresql(inspector_user, two_contracts, monkeypatch):
    first, _second = two_contracts
    for _ in range(3):
        submit(inspector_user, first)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inspections_inspection")
    submit(inspector_user, first)  # after the statistics: the estimate still says 3
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", 2)
    assert pagination.EstimatingPaginator(Inspection.objects.order_by("-pk"), 50).count == 3
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", 100_000)  # a small table is counted
    assert pagination.EstimatingPaginator(Inspection.objects.order_by("-pk"), 50).count == 4
