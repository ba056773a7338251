"""Renewal: the next contract of an expiring one (a draft, signed like any new contract), the list of contracts to
renew, and the office's alerts 90 and 30 days before a contract ends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from contracts import services
from contracts.models import Clause, Contract
from contracts.tests.factories import ContractFactory
from contracts.tests.test_terms_versions import amended_to_monthly, base_contract
from logistics.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db
D = Decimal


def clause_rows(terms):
    return sorted(
        (c.kind, *(str(getattr(c, name)) for name in services.PARAMETERS if getattr(c, name) is not None))
        for c in terms.clauses.all()
    )


@pytest.fixture
def expiring(office_user, inspector_user):
    """HT for 2026 (one calendar year), a supplementary agreement from 1 July 2026 (fee 500,000, monthly, the
    complaint clause at 800), two sites and an inspector."""
    contract = base_contract(number="HT-2026-007", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    contract.sites.set([SiteFactory(), SiteFactory()])
    contract.inspectors.add(inspector_user)
    amended_to_monthly(contract, dt.date(2026, 7, 1), "500000.00", office_user, per_upheld_complaint={"amount": D(800)})
    return contract


def test_a_renewal_copies_the_terms_in_force_on_the_last_day_into_a_new_draft(expiring, office_user):
    last = expiring.terms_versions.get(number=2)
    renewal = services.contract_renew(contract=expiring, by=office_user)
    assert (renewal.number, renewal.status, renewal.renewal_of_id) == ("HT-2027-001", "draft", expiring.pk)
    assert (renewal.start_date, renewal.end_date) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert (renewal.vendor_id, renewal.category_id, renewal.service_standards) == (
        expiring.vendor_id,
        expiring.category_id,
        expiring.service_standards,
    )
    assert set(renewal.sites.all()) == set(expiring.sites.all())
    assert set(renewal.inspectors.all()) == set(expiring.inspectors.all())
    [terms] = renewal.terms_versions.all()
    assert (terms.number, terms.effective_from, terms.annual_fee, terms.payment_cycle) == (
        1,
        dt.date(2027, 1, 1),
        D("500000.00"),
        "monthly",
    )
    assert clause_rows(terms) == clause_rows(last)
    assert ("per_upheld_complaint", "800.00") in clause_rows(terms)
    created = renewal.history.earliest("history_date")
    assert (created.history_type, created.history_change_reason) == ("+", "续签合同（原合同 HT-2026-007）")
    assert created.history_user == office_user
    assert Clause.history.filter(contract_id=renewal.pk).count() == last.clauses.count()
    # a draft: its terms are still the office's to change before signing, like a new contract's
    assert renewal.terms_frozen is False
    expiring.refresh_from_db()
    assert expiring.status == "active"  # the old contract runs to its end


def test_the_default_period_keeps_the_length_and_month_ends():
    contract = ContractFactory(start_date=dt.date(2025, 3, 1), end_date=dt.date(2026, 2, 28))
    assert services.renewal_period(contract) == (dt.date(2026, 3, 1), dt.date(2027, 2, 28))
    contract = ContractFactory(start_date=dt.date(2024, 7, 1), end_date=dt.date(2026, 6, 30))
    assert services.renewal_period(contract) == (dt.date(2026, 7, 1), dt.date(2028, 6, 30))


def test_the_office_may_set_the_period_and_the_fee(expiring, office_user):
    renewal = services.contract_renew(
        contract=expiring,
        start_date=dt.date(2027, 1, 1),
        end_date=dt.date(2029, 12, 31),
        annual_fee=D("520000.00"),
        by=office_user,
    )
    assert (renewal.end_date, renewal.terms_versions.get().annual_fee) == (dt.date(2029, 12, 31), D("520000.00"))


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        (
            {"start_date": dt.date(2026, 12, 31)},
            "start_date",
            "The renewal must start after HT-2026-007 ends on 2026-12-31: the two contracts would overlap.",
        ),
        ({"start_date": dt.date(2027, 2, 1), "end_date": dt.date(2027, 1, 31)}, "end_date", "The end date must be"),
        ({"start_date": dt.date(2027, 2, 1)}, "end_date", "Enter the renewal's end date."),
        ({"annual_fee": D(0)}, "annual_fee", "The annual fee must be more than 0."),
    ],
)
def test_bad_periods_and_fees_are_refused_with_a_clear_message(expiring, office_user, arguments, field, message):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.contract_renew(contract=expiring, by=office_user, **arguments)
    assert message in info.value.message_dict[field][0]
    assert not Contract.objects.filter(renewal_of=expiring).exists()


def test_one_renewal_per_contract_and_only_of_a_signed_one(expiring, office_user, inspector_user):
    first = services.contract_renew(contract=expiring, by=office_user)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.contract_renew(contract=expiring, by=office_user)
    assert info.value.messages == [f"Contract HT-2026-007 already has its renewal, {first.number}."]
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        ContractFactory(renewal_of=expiring)
    for status in ("draft", "terminated"):
        other = ContractFactory(status=status, number=f"HT-X-{status}")
        with translation.override("en"), pytest.raises(ValidationError) as info:
            services.contract_renew(contract=other, by=office_user)
        assert "only a signed contract that is running or has expired is renewed" in info.value.messages[0]
    expired = ContractFactory(status="expired", number="HT-X-EXPIRED", end_date=dt.date(2026, 6, 30))
    assert services.contract_renew(contract=expired, by=office_user).start_date == dt.date(2026, 7, 1)
    with translation.override("en"), pytest.raises(PermissionDenied):
        services.contract_renew(contract=ContractFactory(number="HT-X-OTHER"), by=inspector_user)


# --- the pages -------------------------------------------------------------------------------------------------
def test_the_office_renews_from_the_page_and_a_bad_date_keeps_what_was_typed(client_for, expiring, office_user):
    client = client_for(office_user)
    page = client.get(f"/contracts/{expiring.pk}/renew/").content.decode()
    assert 'name="start_date" value="2027-01-01"' in page and 'name="end_date" value="2027-12-31"' in page
    assert 'value="500000.00"' in page
    response = client.post(
        f"/contracts/{expiring.pk}/renew/",
        {"start_date": "2026-12-01", "end_date": "2027-11-30", "annual_fee": "510000"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "续签合同须在 HT-2026-007 于 2026-12-31 结束后开始：两份合同的期限会重叠。" in body
    assert 'value="2027-11-30"' in body and 'value="510000"' in body
    assert not Contract.objects.filter(renewal_of=expiring).exists()
    response = client.post(
        f"/contracts/{expiring.pk}/renew/",
        {"start_date": "2027-01-01", "end_date": "2027-12-31", "annual_fee": "510000"},
    )
    renewal = Contract.objects.get(renewal_of=expiring)
    assert response.url == f"/contracts/{renewal.pk}/"
    assert renewal.terms_versions.get().annual_fee == D("510000.00")
    detail = client.get(f"/contracts/{expiring.pk}/").content.decode()
    assert f'href="/contracts/{renewal.pk}/"' in detail and f"/contracts/{expiring.pk}/renew/" not in detail
    # the renewal page of a renewed contract leads to its renewal
    assert client.get(f"/contracts/{expiring.pk}/renew/").url == f"/contracts/{renewal.pk}/"


def test_the_list_of_contracts_to_renew(client_for, office_user, leader_user, monkeypatch):
    from contracts import views

    monkeypatch.setattr(views, "local_today", lambda: dt.date(2026, 11, 1))
    soon = ContractFactory(number="HT-SOON", start_date=dt.date(2025, 12, 1), end_date=dt.date(2026, 11, 20))
    later = ContractFactory(number="HT-LATER", start_date=dt.date(2025, 12, 1), end_date=dt.date(2027, 1, 25))
    ContractFactory(number="HT-FAR", end_date=dt.date(2027, 3, 1))  # beyond 90 days
    ContractFactory(number="HT-GONE", status="expired", end_date=dt.date(2026, 10, 1))
    ContractFactory(number="HT-LONG-GONE", status="expired", end_date=dt.date(2026, 7, 1))  # more than 90 days ago
    ContractFactory(number="HT-STOPPED", status="terminated", end_date=dt.date(2026, 12, 1))
    renewal = services.contract_renew(contract=later, by=office_user)
    office = client_for(office_user).get("/contracts/renewals/")
    rows = [row["contract"].number for row in office.context["rows"]]
    assert rows == ["HT-GONE", "HT-SOON", "HT-LATER"]
    body = office.content.decode()
    assert f"/contracts/{soon.pk}/renew/" in body and f"/contracts/{later.pk}/renew/" not in body
    assert f'href="/contracts/{renewal.pk}/">{renewal.number}</a>' in body
    assert "19 天后" in body and "85 天后" in body
    leader = client_for(leader_user).get("/contracts/renewals/").content.decode()
    assert "HT-SOON" in leader and "/renew/" not in leader


def test_the_office_is_told_90_and_30_days_before_a_contract_ends(office_user):
    from logistics.models import Notification
    from scoring import nightly

    contract = ContractFactory(number="HT-ENDS", start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 12, 31))
    day_90, day_30 = dt.date(2026, 10, 2), dt.date(2026, 12, 1)

    def told():
        return list(
            Notification.objects.filter(recipient=office_user, channel="inbox")
            .order_by("pk")
            .values_list("subject", "body")
        )

    nightly.expiry_alerts(today=dt.date(2026, 10, 1))
    assert told() == []  # 91 days before: nothing yet
    nightly.expiry_alerts(today=day_90)
    nightly.expiry_alerts(today=day_90 + dt.timedelta(days=1))  # told once per threshold
    assert len(told()) == 1
    services.contract_renew(contract=contract, by=office_user)
    nightly.expiry_alerts(today=day_30)
    [(first, first_body), (second, second_body)] = told()
    assert (first, second) == ("合同 HT-ENDS 将于 90 天后到期", "合同 HT-ENDS 将于 30 天后到期")
    assert first_body.endswith("尚未续签：请续签或重新招标（/contracts/renewals/）。")
    assert second_body.endswith("续签合同 HT-2027-001 状态：草稿。")


def test_the_renewal_list_costs_the_same_queries_for_two_rows_as_for_six(
    client_for, office_user, count_queries, monkeypatch
):
    from contracts import views

    monkeypatch.setattr(views, "local_today", lambda: dt.date(2026, 11, 1))
    client = client_for(office_user)

    def page(prefix, count):
        for n in range(count):
            ContractFactory(number=f"{prefix}-{n}", start_date=dt.date(2025, 12, 1), end_date=dt.date(2026, 12, 20))
        services.contract_renew(contract=Contract.objects.get(number=f"{prefix}-0"), by=office_user)
        queries, response = count_queries(lambda: client.get("/contracts/renewals/"))
        assert response.status_code == 200
        return queries, len(response.context["rows"])

    small, rows_small = page("HT-S", 2)
    large, rows_large = page("HT-L", 4)  # six rows now
    assert (rows_small, rows_large) == (2, 6)
    assert small == large
