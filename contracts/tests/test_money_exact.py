"""Money is exact in the database on SQLite as on PostgreSQL (ARCHITECTURE.md, the last promise).

SQLite keeps a DecimalField as a binary float: a CHECK constraint doing arithmetic there compared
301154.83999999997 with 301154.84 and refused a correct settlement. The constraints round to the cent.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.models import Settlement
from contracts.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db
D = Decimal
cents = st.integers(min_value=0, max_value=99_999_999_99).map(lambda n: D(n).scaleb(-2))


def _store(contract, **amounts) -> Settlement:
    """A settlement row written and read back inside a savepoint that is rolled back."""
    with transaction.atomic():
        Settlement.objects.create(contract=contract, quarter="2026Q3", **amounts)
        stored = Settlement.objects.values(*amounts).get(contract=contract, quarter="2026Q3")
        transaction.set_rollback(True)
    return stored


def test_the_amount_sqlite_refused_is_stored_exactly():
    # given the settlement the independent check saw refused on SQLite
    amounts = {"fee": D("308641.97"), "deductions": D("7487.13"), "payable": D("301154.84")}
    # when it is stored / then it reads back to the cent
    assert _store(ContractFactory(), **amounts) == amounts


def test_a_payable_that_does_not_add_up_is_refused_by_the_database():
    contract = ContractFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.create(
            contract=contract, quarter="2026Q3", fee=D("308641.97"), deductions=D("7487.13"), payable=D("301154.83")
        )
    assert Settlement.objects.count() == 0


@settings(max_examples=1000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(fee=cents, deducted=cents, removed=cents, bonuses=cents, adjustments=cents, sign=st.sampled_from([1, -1]))
def test_a_thousand_random_cent_amounts_add_up_in_the_database(fee, deducted, removed, bonuses, adjustments, sign):
    contract = _contract()
    deductions = min(deducted, fee)
    cap_applied = min(removed, deductions)
    adjustments = sign * min(adjustments, fee)
    payable = fee - deductions + cap_applied + bonuses + adjustments
    amounts = {
        "fee": fee,
        "deductions": deductions,
        "cap_applied": cap_applied,
        "bonuses": bonuses,
        "adjustments": adjustments,
        "payable": payable,
    }
    assert _store(contract, **amounts) == amounts


def _contract():
    """One contract for every example of the property (hypothesis runs them inside one test's transaction)."""
    from contracts.models import Contract

    existing = Contract.objects.filter(number="HT-MONEY-0001").first()
    return existing or ContractFactory(number="HT-MONEY-0001")


def test_scheme_weights_with_cents_add_up_on_both_databases():
    # given weights whose float arithmetic is off by 1e-14 on SQLite (100 - 14.21 = 85.78999999999999)
    from scoring.models import EvaluationScheme

    weights = {"weight_daily": D("85.79"), "weight_weekly": D("14.21"), "weight_monthly": 0, "weight_complaints": 0}
    weights |= {"weight_satisfaction": 0, "weight_self": 0}
    # when the scheme is stored / then the database accepts it
    scheme = EvaluationScheme.objects.create(
        family="cents", name="cents", bands=[{"grade": "A", "min": "0"}], **weights
    )
    assert EvaluationScheme.objects.filter(pk=scheme.pk, weight_daily=D("85.79")).exists()


@settings(max_examples=1000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(
    annual=st.integers(min_value=1, max_value=99_999_999_99).map(lambda n: D(n).scaleb(-2)),
    minor=cents.map(lambda v: v % D("100000")),
    failures=st.integers(min_value=0, max_value=6),
    cap=st.integers(min_value=0, max_value=10000).map(lambda n: D(n).scaleb(-2)),
    bonus=st.integers(min_value=0, max_value=10000).map(lambda n: D(n).scaleb(-2)),
    score=st.integers(min_value=0, max_value=10000).map(lambda n: D(n).scaleb(-2)),
)
def test_a_thousand_random_settlements_are_finalized_exactly(annual, minor, failures, cap, bonus, score):
    """The whole path: the clause engine prices random cent amounts and the settlement is stored as final."""
    from contracts import services
    from contracts.clauses import FailedItem
    from contracts.models import Clause, LedgerLine, TermsVersion
    from logistics.immutability import allow_locked_changes
    from logistics.quarters import Quarter

    contract = _contract()
    with transaction.atomic():
        with allow_locked_changes():
            TermsVersion.objects.filter(contract=contract).update(annual_fee=annual)
            terms = TermsVersion.objects.get(contract=contract)
            for kind, params in (
                ("per_failed_item", {"amount_minor": minor, "amount_major": minor, "amount_serious": minor}),
                ("deduction_cap", {"percent": cap}),
                ("score_at_least", {"threshold": D(0), "percent": bonus}),
            ):
                Clause.objects.create(contract=contract, terms=terms, kind=kind, **params)
        items = [FailedItem(n, "minor", f"JC-{n}/A1") for n in range(failures)]
        settlement = services.settlement_apply(
            contract=contract, quarter=Quarter(2026, 3), score=score, grade="B", failed_items=items, finalize=True
        )
        stored = Settlement.objects.get(pk=settlement.pk)
        lines = sum(LedgerLine.objects.filter(settlement=stored).values_list("amount", flat=True), D(0))
        transaction.set_rollback(True)
    assert stored.status == "final"
    assert stored.payable == stored.fee - stored.deductions + stored.cap_applied + stored.bonuses
    assert stored.deductions + stored.bonuses == lines
    assert stored.fee == (annual / 4).quantize(D("0.01"), rounding="ROUND_HALF_UP")
