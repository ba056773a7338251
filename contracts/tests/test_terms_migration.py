"""The data migration that turns every existing contract into terms version 1 moves no money (issue 16).

The database is taken back to before terms versions (contracts 0003), contracts are written as they were
(the annual fee on the contract row) with final and draft settlements priced by the old rule, and the
migrations run forward: each contract gets version 1 with its fee from its start date, its clauses and
clause-priced ledger lines name it, and no settlement's amount moves. The current code then prices the same
quarters to the same cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

D = Decimal
BEFORE = [("contracts", "0003_money_exact_on_sqlite")]


@pytest.mark.django_db(transaction=True)
def test_existing_contracts_become_version_1_and_no_settlement_moves():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Vendor = old.get_model("logistics", "Vendor")
        Category = old.get_model("logistics", "ServiceCategory")
        Contract = old.get_model("contracts", "Contract")
        Clause = old.get_model("contracts", "Clause")
        Settlement = old.get_model("contracts", "Settlement")
        LedgerLine = old.get_model("contracts", "LedgerLine")
        vendor = Vendor.objects.create(
            legal_name="甲物业服务有限公司",
            credit_code="91310000MA1FL4CT9X",
            legal_representative="王五",
            registered_capital=D("5000000.00"),
        )
        category = Category.objects.create(code="mig-cleaning", name="保洁")

        # a contract over whole quarters, and one that starts mid-quarter (46 of 92 days of 2026Q3)
        of_the_vendor = {"vendor": vendor, "category": category, "status": "active"}

        def active(number: str, start: dt.date, end: dt.date, fee: str):
            return Contract.objects.create(
                number=number, start_date=start, end_date=end, annual_fee=D(fee), **of_the_vendor
            )

        whole = active("HT-MIG-1", dt.date(2026, 1, 1), dt.date(2027, 12, 31), "308641.97")
        part = active("HT-MIG-2", dt.date(2026, 8, 16), dt.date(2027, 8, 15), "365000.00")
        clause = Clause.objects.create(contract=whole, kind="per_upheld_complaint", amount=D("500.00"))
        Clause.objects.create(contract=part, kind="deduction_cap", percent=D("10.00"))
        now = dt.datetime(2026, 10, 10, tzinfo=dt.UTC)
        # 308,641.97 / 4 = 77,160.4925 -> 77,160.49; one complaint deducted
        final = Settlement.objects.create(
            contract=whole,
            quarter="2026Q3",
            fee=D("77160.49"),
            deductions=D("500.00"),
            payable=D("76660.49"),
            score=D("88.00"),
            grade="B",
            status="final",
            finalized_at=now,
        )
        LedgerLine.objects.create(
            settlement=final,
            contract=whole,
            quarter="2026Q3",
            clause=clause,
            kind="deduction",
            amount=D("500.00"),
            evidence_type="complaint",
            evidence_id=7,
            evidence_key="complaint:7",
        )
        # 365,000 / 4 x 46 / 92 = 45,625.00
        draft = Settlement.objects.create(
            contract=part, quarter="2026Q3", fee=D("45625.00"), payable=D("45625.00"), cap=D("4562.50")
        )
        before = {
            s.pk: (s.fee, s.deductions, s.cap, s.cap_applied, s.bonuses, s.payable, s.status)
            for s in Settlement.objects.all()
        }
    finally:
        executor.loader.build_graph()
        executor.migrate(latest)

    from contracts import services
    from contracts.models import Clause as NewClause
    from contracts.models import LedgerLine as NewLedgerLine
    from contracts.models import Settlement as NewSettlement
    from contracts.models import TermsVersion
    from logistics.quarters import Quarter

    assert sorted(TermsVersion.objects.values_list("contract__number", "number", "effective_from", "annual_fee")) == [
        ("HT-MIG-1", 1, dt.date(2026, 1, 1), D("308641.97")),
        ("HT-MIG-2", 1, dt.date(2026, 8, 16), D("365000.00")),
    ]
    assert set(NewClause.objects.values_list("terms__number", flat=True)) == {1}
    line = NewLedgerLine.objects.get()  # priced by a clause of version 1
    assert (line.terms_version.contract.number, line.terms_version.number) == ("HT-MIG-1", 1)
    after = {
        s.pk: (s.fee, s.deductions, s.cap, s.cap_applied, s.bonuses, s.payable, s.status)
        for s in NewSettlement.objects.all()
    }
    assert after == before
    part_settlement = NewSettlement.objects.get(pk=draft.pk)
    assert [(p["version"], p["first"], p["last"], p["days"]) for p in part_settlement.fee_basis] == [
        (1, "2026-08-16", "2026-09-30", 46)
    ]
    # and the current code prices the draft quarter to the same cent
    contract = part_settlement.contract
    repriced = services.settlement_apply(contract=contract, quarter=Quarter(2026, 3), score=None, grade=None)
    assert (repriced.fee, repriced.cap, repriced.payable) == (D("45625.00"), D("4562.50"), D("45625.00"))
