from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.db import transaction

from contracts.clauses import FailedItem
from contracts.models import Clause, Contract, ContractStatus, TermsVersion
from logistics.immutability import allow_locked_changes
from logistics.quarters import Quarter
from logistics.tests.factories import ServiceCategoryFactory, VendorFactory


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract with its terms version 1 (``annual_fee``, ``payment_cycle``, in force from the start date).
    Signed (active) by default: fixtures write its terms as they were when it was signed."""

    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"HT-T-{n:04d}")
    vendor = factory.SubFactory(VendorFactory)
    category = factory.SubFactory(ServiceCategoryFactory)
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2027, 12, 31)
    status = ContractStatus.ACTIVE
    annual_fee = Decimal("400000.00")
    payment_cycle = "quarterly"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        fee, cycle = kwargs.pop("annual_fee"), kwargs.pop("payment_cycle")
        with transaction.atomic(), allow_locked_changes():
            contract = super()._create(model_class, *args, **kwargs)
            TermsVersion.objects.create(
                contract=contract, number=1, effective_from=contract.start_date, annual_fee=fee, payment_cycle=cycle
            )
        return contract


def _contract_terms(clause: Clause) -> TermsVersion:
    return clause.contract.terms_versions.order_by("-number").first()


class ClauseFactory(factory.django.DjangoModelFactory):
    """A clause of the contract's latest terms version (fixtures only: the product adds clauses to a signed
    contract by a supplementary agreement)."""

    class Meta:
        model = Clause

    contract = factory.SubFactory(ContractFactory)
    terms = factory.LazyAttribute(_contract_terms)
    kind = "per_upheld_complaint"
    amount = Decimal("500.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with transaction.atomic(), allow_locked_changes():
            return super()._create(model_class, *args, **kwargs)


# a minor and a serious failed item: 100 + 1,000 CNY under ``per_failed_item_clause``
FAILED = [FailedItem(101, "minor", "INS-1/C01"), FailedItem(102, "serious", "INS-2/S01")]


def final_settlement(contract, by):
    """``contract``'s 2026Q3 priced at 85 (grade B) with the two ``FAILED`` items, and finalized by ``by``."""
    from contracts import services

    return services.settlement_apply(
        contract=contract,
        quarter=Quarter(2026, 3),
        score=Decimal("85"),
        grade="B",
        failed_items=FAILED,
        finalize=True,
        by=by,
    )


def per_failed_item_clause(contract, minor="100", major="300", serious="1000") -> Clause:
    """The usual clause priced by failed items' severity: 100 / 300 / 1,000 CNY."""
    return ClauseFactory(
        contract=contract,
        kind="per_failed_item",
        amount=None,
        amount_minor=Decimal(minor),
        amount_major=Decimal(major),
        amount_serious=Decimal(serious),
    )
