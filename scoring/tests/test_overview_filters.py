"""The quarter overview filters through the API's FilterSet (``scoring.filtersets``); a row keeps its rank in
the whole quarter."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.tests.factories import ContractFactory
from logistics.quarters import Quarter
from logistics.tests.factories import ServiceCategoryFactory
from scoring import services
from scoring.tests.factories import inspection

pytestmark = pytest.mark.django_db
Q3 = Quarter(2026, 3)


@pytest.fixture
def quarter(inspector_user):
    cleaning = ServiceCategoryFactory(code="clean", name="保洁", name_en="Cleaning")
    greening = ServiceCategoryFactory(code="green", name="绿化", name_en="Greening")
    scores = {"HT-A": ("95", cleaning), "HT-B": ("85", greening), "HT-C": ("75", cleaning)}
    for number, (score, category) in scores.items():
        contract = ContractFactory(
            number=number, category=category, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31)
        )
        inspection(contract, inspector_user, "daily", dt.date(2026, 8, 3), score)
    services.evaluations_compute(quarter=Q3)
    return cleaning, greening


def rows(client, **params):
    response = client.get(f"/evaluation/{Q3.key}/", params)
    assert response.status_code == 200
    return [(row["rank"], row["evaluation"].contract.number) for row in response.context["rows"]]


def test_the_overview_filters_keep_the_rank_in_the_quarter(quarter, client_for, office_user):
    cleaning, greening = quarter
    client = client_for(office_user)
    assert rows(client) == [(1, "HT-A"), (2, "HT-B"), (3, "HT-C")]
    assert rows(client, category=cleaning.pk) == [(1, "HT-A"), (3, "HT-C")]
    assert rows(client, category=greening.pk, status="computed") == [(2, "HT-B")]
    assert rows(client, status="final") == []
    assert rows(client, category="abc") == [(1, "HT-A"), (2, "HT-B"), (3, "HT-C")]  # not a filter the page offers


def test_the_api_reads_the_same_filterset(quarter, api_get, office_user):
    cleaning, _greening = quarter
    response = api_get(office_user, "/api/evaluations/", category=cleaning.pk, quarter=Q3.key)
    assert response.status_code == 200
    assert sorted(row["contract_number"] for row in response.json()["results"]) == ["HT-A", "HT-C"]
