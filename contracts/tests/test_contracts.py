"""Contracts: creation from an award, transitions, frozen terms and amendments, expiry, pages and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contracts import selectors, services
from contracts.models import Contract, ContractStatus
from contracts.tests.factories import ClauseFactory, ContractFactory
from logistics.models import VendorStatus
from logistics.services import tenders as tender_services
from logistics.tests.factories import SiteFactory, VendorFactory
from logistics.tests.test_tenders import _ready_for_scoring

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_award_creates_the_prefilled_draft_contract(office_user, make_user):
    tender, bids, second = _ready_for_scoring(office_user, make_user)
    tender.sites.set([SiteFactory(code="main"), SiteFactory(code="annex")])
    criteria = list(tender.criteria.all())
    for member in (office_user, second):
        tender_services.score_sheet_save(
            tender=tender, member=member, submit=True, scores={(b.pk, c.pk): D(30) for b in bids for c in criteria}
        )
    tender = tender_services.tender_award(tender=tender, by=office_user)
    assert not Contract.objects.filter(tender=tender).exists()  # the award is in publicity first
    tender_services.tender_award_confirm(tender=tender, by=office_user, now=tender.publicity_ends_at)
    contract = Contract.objects.get(tender=tender)
    assert contract.status == ContractStatus.DRAFT
    assert (contract.vendor_id, contract.category_id) == (bids[0].vendor_id, tender.category_id)
    assert (contract.start_date, contract.end_date) == (tender.period_start, tender.period_end)
    assert list(contract.terms_versions.values_list("number", "effective_from", "annual_fee")) == [
        (1, tender.period_start, D("900000.00"))
    ]
    assert sorted(contract.sites.values_list("code", flat=True)) == ["annex", "main"]
    assert contract.number == "HT-2027-001"
    assert contract.clauses.count() == 9
    assert set(contract.clauses.values_list("terms__number", flat=True)) == {1}
    # the award handler is idempotent
    assert services.contract_create_from_award(tender=tender) == contract


def test_activation_needs_an_admitted_vendor(office_user):
    contract = ContractFactory(status="draft", vendor=VendorFactory(status=VendorStatus.SUSPENDED))
    with translation.override("en"), pytest.raises(ValidationError, match="the vendor is “Suspended”"):
        services.contract_change_status(contract=contract, to_status="active", reason="签约", by=office_user)
    assert Contract.objects.get(pk=contract.pk).status == "draft"


def test_transitions_are_dated_and_reasoned(office_user):
    contract = ContractFactory(status="draft")
    services.contract_change_status(
        contract=contract, to_status="active", reason="签约生效", effective_date=dt.date(2026, 1, 1), by=office_user
    )
    services.contract_change_status(contract=contract, to_status="suspended", reason="停业整顿", by=office_user)
    with pytest.raises(ValidationError):
        services.contract_change_status(contract=contract, to_status="draft", reason="x", by=office_user)
    assert list(contract.status_changes.values_list("from_status", "to_status", "reason")) == [
        ("draft", "active", "签约生效"),
        ("active", "suspended", "停业整顿"),
    ]


@pytest.mark.parametrize(
    "change",
    [{"annual_fee": "1.00"}, {"payment_cycle": "monthly"}, {"payment_dates": ["03-31"]}],
    ids=["fee", "cycle", "dates"],
)
def test_the_api_refuses_every_term_of_a_signed_contract_and_names_the_agreement(change, office_user, api_client):
    """Each money term of a signed contract is refused with the agreement's message; the payment dates were
    accepted with a 200 and silently dropped."""
    contract = ContractFactory(annual_fee=D("400000.00"))
    before = list(contract.terms_versions.values_list("annual_fee", "payment_cycle", "payment_dates"))
    api_client.force_authenticate(office_user)
    response = api_client.patch(f"/api/contracts/{contract.pk}/", change, format="json")
    assert response.status_code == 400 and "补充协议" in str(response.json())
    assert list(contract.terms_versions.values_list("annual_fee", "payment_cycle", "payment_dates")) == before


def test_an_active_contracts_terms_change_only_by_a_supplementary_agreement(office_user, client_for, api_client):
    contract = ContractFactory(annual_fee=D("400000.00"))
    ClauseFactory(contract=contract)
    # the API refuses to change frozen terms or clauses, with the message naming the agreement
    api_client.force_authenticate(office_user)
    response = api_client.patch(f"/api/contracts/{contract.pk}/", {"annual_fee": "1.00"}, format="json")
    assert response.status_code == 400 and "补充协议" in str(response.json())
    clause = contract.clauses.get()
    response = api_client.patch(f"/api/clauses/{clause.pk}/", {"amount": "1.00"}, format="json")
    assert response.status_code == 400
    # the admin shows them read-only
    html = client_for(office_user).get(f"/admin/contracts/contract/{contract.pk}/change/").content.decode()
    assert 'name="annual_fee"' not in html and 'name="terms_versions-0-annual_fee"' not in html
    # an agreement records old and new values and makes version 2 from its date
    amendment = services.contract_amend(
        contract=contract,
        annual_fee=D("420000.00"),
        reason="人工成本上涨",
        approved_by="李主任",
        effective_date=dt.date(2026, 10, 1),
        by=office_user,
    )
    assert amendment.changes == {"annual_fee": ["400000.00", "420000.00"]}
    assert list(contract.terms_versions.values_list("number", "effective_from", "annual_fee")) == [
        (1, dt.date(2026, 1, 1), D("400000.00")),
        (2, dt.date(2026, 10, 1), D("420000.00")),
    ]
    assert list(contract.clauses.values_list("terms__number", "kind")) == [
        (1, "per_upheld_complaint"),
        (2, "per_upheld_complaint"),
    ]


def test_contracts_past_their_end_expire():
    old = ContractFactory(end_date=dt.date(2026, 10, 31))
    ContractFactory(end_date=dt.date(2027, 10, 31))
    assert services.contracts_expire_due(today=dt.date(2026, 11, 22)) == 1
    old.refresh_from_db()
    assert (old.status, old.ended_on) == ("expired", dt.date(2026, 10, 31))


def test_contracts_expiring_within_n_days():
    soon = ContractFactory(end_date=dt.date(2026, 12, 10))
    ContractFactory(end_date=dt.date(2027, 6, 1))
    ContractFactory(end_date=dt.date(2026, 12, 1), status="draft")
    assert list(selectors.contracts_expiring(within_days=30, today=dt.date(2026, 11, 22))) == [soon]


def test_vendors_see_their_own_contracts_only(client_for, vendor_user, vendor_b_user, vendor_a, api_get):
    own = ContractFactory(vendor=vendor_a)
    other = ContractFactory()
    client = client_for(vendor_user)
    assert client.get(f"/contracts/{own.pk}/").status_code == 200
    assert client.get(f"/contracts/{other.pk}/").status_code == 404
    assert [c["id"] for c in api_get(vendor_user, "/api/contracts/").json()["results"]] == [own.pk]
    assert own.number in client.get("/vendor/").content.decode()


def test_inspectors_see_assigned_contracts_only(client_for, inspector_user):
    assigned = ContractFactory()
    assigned.inspectors.add(inspector_user)
    other = ContractFactory()
    client = client_for(inspector_user)
    assert client.get(f"/contracts/{assigned.pk}/").status_code == 200
    assert client.get(f"/contracts/{other.pk}/").status_code == 404


def test_excel_export_of_settlements(client_for, office_user):
    import io

    from openpyxl import load_workbook

    from logistics.quarters import Quarter

    contract = ContractFactory()
    ClauseFactory(contract=contract, kind="score_below", amount=None, threshold=D(80), percent=D(5))
    services.settlement_apply(contract=contract, quarter=Quarter(2026, 3), score=D("70"), grade="C")
    from contracts.models import Settlement

    response = client_for(office_user).post(
        "/admin/contracts/settlement/",
        {"action": "export_excel", "_selected_action": list(Settlement.objects.values_list("pk", flat=True))},
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("2026Q3", contract.number)
    assert rows[1][6:12] == (100000, 5000, 0, 0, 0, 95000)
    assert list(book.worksheets[1].iter_rows(values_only=True))[1][3] == 5000


def test_contract_api_list_query_count_does_not_grow(api_list_queries, office_user):
    small, large = api_list_queries(
        office_user, "/api/contracts/", lambda: ClauseFactory(contract=ContractFactory()), few=3, more=25
    )
    assert small == large


def test_contract_admin_list_query_count_does_not_grow(admin_list_queries):
    small, large = admin_list_queries(ContractFactory, "/admin/contracts/contract/")
    assert small == large
