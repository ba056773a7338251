from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from contracts.models import Clause, Contract, ContractStatus
from logistics.tests.factories import ServiceCategoryFactory, VendorFactory


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"HT-T-{n:04d}")
    vendor = factory.SubFactory(VendorFactory)
    category = factory.SubFactory(ServiceCategoryFactory)
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2027, 12, 31)
    annual_fee = Decimal("400000.00")
    status = ContractStatus.ACTIVE


class ClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clause

    contract = factory.SubFactory(ContractFactory)
    kind = "per_upheld_complaint"
    amount = Decimal("500.00")
