"""Applying a quarter's facts: idempotent ledger lines, final settlements, warnings and flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contracts import services
from contracts.clauses import UpheldComplaint
from contracts.models import Clause, FormalWarning, LedgerLine, Settlement
from contracts.tests.factories import FAILED, ClauseFactory, ContractFactory, final_settlement, per_failed_item_clause
from logistics.models import Notification
from logistics.quarters import Quarter

pytestmark = pytest.mark.django_db
D = Decimal
Q3 = Quarter(2026, 3)


def contract_with_clauses(**kwargs):
    contract = ContractFactory(**kwargs)
    per_failed_item_clause(contract)
    ClauseFactory(contract=contract, kind="per_upheld_complaint", amount=D(500))
    ClauseFactory(contract=contract, kind="score_below", amount=None, threshold=D(80), percent=D(10))
    ClauseFactory(contract=contract, kind="deduction_cap", amount=None, percent=D(10))
    ClauseFactory(contract=contract, kind="warning_below", amount=None, threshold=D(70))
    ClauseFactory(contract=contract, kind="terminate_after_warnings", amount=None, count=2, window=4)
    return contract


def test_applying_the_same_facts_twice_leaves_one_set_of_lines():
    contract = contract_with_clauses()
    for _ in range(2):
        services.settlement_apply(
            contract=contract,
            quarter=Q3,
            score=D("85.00"),
            grade="B",
            failed_items=FAILED,
            upheld_complaints=[UpheldComplaint(7, "TS-7")],
        )
    assert Settlement.objects.count() == 1
    assert sorted(LedgerLine.objects.values_list("evidence_key", "amount")) == [
        ("complaint:7", D("500.00")),
        ("item_result:101", D("100.00")),
        ("item_result:102", D("1000.00")),
    ]
    settlement = Settlement.objects.get()
    assert (settlement.fee, settlement.deductions, settlement.payable) == (D("100000.00"), D("1600.00"), D("98400.00"))


def test_a_fact_that_disappeared_loses_its_line_while_draft():
    contract = contract_with_clauses()
    services.settlement_apply(contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED)
    services.settlement_apply(contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED[:1])
    assert list(LedgerLine.objects.values_list("evidence_key", flat=True)) == ["item_result:101"]
    assert Settlement.objects.get().payable == D("99900.00")


def test_the_database_refuses_a_duplicate_line():
    contract = contract_with_clauses()
    settlement = services.settlement_apply(
        contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED[:1]
    )
    line = LedgerLine.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerLine.objects.create(
            settlement=settlement,
            contract=contract,
            quarter="2026Q3",
            clause=line.clause,
            kind="deduction",
            amount=D(1),
            evidence_type="item_result",
            evidence_id=101,
            evidence_key="item_result:101",
        )


def test_the_database_checks_that_payable_adds_up():
    contract = contract_with_clauses()
    settlement = services.settlement_apply(contract=contract, quarter=Q3, score=D("85"), grade="B")
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=settlement.pk).update(payable=D("1.00"))


def test_a_final_settlement_cannot_change_through_the_service():
    contract = contract_with_clauses()
    services.settlement_apply(
        contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED, finalize=True
    )
    before = list(LedgerLine.objects.values_list("evidence_key", "amount"))
    with pytest.raises(services.SettlementFinal):
        services.settlement_apply(contract=contract, quarter=Q3, score=D("50"), grade="D")
    assert list(LedgerLine.objects.values_list("evidence_key", "amount")) == before
    assert Settlement.objects.get().payable == D("98900.00")


def test_a_correction_is_a_new_line_with_a_reason(office_user):
    contract = contract_with_clauses()
    settlement = services.settlement_apply(
        contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED, finalize=True
    )
    with pytest.raises(ValidationError):
        services.settlement_adjust(settlement=settlement, amount=D("100"), reason="", by=office_user)
    line = services.settlement_adjust(
        settlement=settlement, amount=D("1000.00"), reason="严重项经复核撤销", by=office_user
    )
    settlement.refresh_from_db()
    assert (line.kind, line.amount, line.reason) == ("adjustment", D("1000.00"), "严重项经复核撤销")
    assert (settlement.adjustments, settlement.payable, settlement.status) == (D("1000.00"), D("99900.00"), "final")


def test_a_final_settlement_cannot_change_through_the_admin_or_the_api(client_for, office_user, api_client):
    contract = contract_with_clauses()
    settlement = services.settlement_apply(contract=contract, quarter=Q3, score=D("85"), grade="B", finalize=True)
    client = client_for(office_user)
    response = client.post(f"/admin/contracts/settlement/{settlement.pk}/change/", {"payable": "1"})
    assert response.status_code == 403
    assert client.post(f"/admin/contracts/settlement/{settlement.pk}/delete/", {"post": "yes"}).status_code == 403
    api_client.force_authenticate(office_user)
    assert api_client.patch(f"/api/settlements/{settlement.pk}/", {"payable": "1"}, format="json").status_code == 405
    assert api_client.delete(f"/api/settlements/{settlement.pk}/").status_code == 405
    settlement.refresh_from_db()
    assert settlement.payable == D("100000.00")


def test_partial_quarter_fee_from_the_contract_dates():
    contract = contract_with_clauses(
        start_date=dt.date(2026, 8, 16), end_date=dt.date(2027, 8, 15), annual_fee=D("365000.00")
    )
    settlement = services.settlement_apply(contract=contract, quarter=Q3, score=D("90"), grade="A")
    assert settlement.fee == D("45625.00")


def test_a_terminated_contract_pays_until_its_termination(office_user):
    contract = contract_with_clauses(annual_fee=D("368000.00"))
    services.contract_change_status(
        contract=contract, to_status="terminated", reason="严重违约", effective_date=dt.date(2026, 8, 1), by=office_user
    )
    contract.refresh_from_db()
    assert contract.ended_on == dt.date(2026, 7, 31)
    settlement = services.settlement_apply(contract=contract, quarter=Q3, score=D("90"), grade="A")
    assert settlement.fee == D("31000.00")  # 92000 x 31 / 92


def test_termination_is_recommended_at_the_second_warning_and_the_office_is_told(make_user):
    make_user("office", username="chief", email="chief@example.cn")
    contract = contract_with_clauses()
    services.settlement_apply(contract=contract, quarter=Quarter(2026, 1), score=D("65"), grade="C", finalize=True)
    contract.refresh_from_db()
    assert contract.termination_recommended is False
    assert FormalWarning.objects.filter(contract=contract).count() == 1
    services.settlement_apply(contract=contract, quarter=Quarter(2026, 2), score=D("85"), grade="B", finalize=True)
    contract.refresh_from_db()
    assert contract.termination_recommended is False
    services.settlement_apply(contract=contract, quarter=Q3, score=D("60"), grade="C", finalize=True)
    contract.refresh_from_db()
    assert contract.termination_recommended is True
    assert contract.status == "active"  # a recommendation, never an automatic termination
    assert list(FormalWarning.objects.values_list("quarter", flat=True)) == ["2026Q1", "2026Q3"]
    notes = Notification.objects.filter(email="chief@example.cn")
    assert notes.count() == 1 and contract.number in notes.get().subject


def test_a_warning_is_issued_at_finalization_once(office_user):
    # given a quarter computed three times as a draft with a score under the warning threshold
    contract = contract_with_clauses()
    for _ in range(3):
        services.settlement_apply(contract=contract, quarter=Q3, score=D("65"), grade="C")
    # then no warning yet: a draft is the office's
    assert FormalWarning.objects.count() == 0
    # when it is finalized, reopened and finalized again
    services.settlement_apply(contract=contract, quarter=Q3, score=D("65"), grade="C", finalize=True)
    services.settlement_reopen(contract=contract, quarter=Q3, reason="复核", by=office_user)
    services.settlement_apply(contract=contract, quarter=Q3, score=D("65"), grade="C", finalize=True)
    # then one warning
    assert list(FormalWarning.objects.values_list("quarter", "clause__kind")) == [("2026Q3", "warning_below")]


def test_clause_parameters_are_checked_with_a_message_per_field():
    contract = ContractFactory(status="draft")
    clause = Clause(contract=contract, kind="score_below", threshold=D(80))
    with pytest.raises(ValidationError) as info:
        clause.full_clean()
    assert "percent" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        Clause(contract=contract, kind="score_below", threshold=D(101), percent=D(5)).full_clean()
    assert "threshold" in info.value.message_dict
    with pytest.raises(ValidationError):
        Clause(contract=contract, kind="terminate_after_warnings", count=0, window=4).full_clean()


def test_a_terms_version_has_at_most_one_cap():
    contract = ContractFactory(status="draft")
    cap = ClauseFactory(contract=contract, kind="deduction_cap", amount=None, percent=D(10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Clause.objects.create(contract=contract, terms=cap.terms, kind="deduction_cap", percent=D(20))


def test_the_quarter_close_leaves_a_final_settlement_alone_and_applies_the_others(office_user):
    final_contract, draft_contract = contract_with_clauses(), contract_with_clauses()
    final = final_settlement(final_contract, office_user)
    before = (final.payable, sorted(final.lines.values_list("evidence_key", "amount")))
    items = [
        services.SettlementInput(contract=c, score=D("50"), grade="D", failed_items=FAILED[:1])
        for c in (final_contract, draft_contract)
    ]
    with pytest.raises(services.SettlementFinal):
        services.settlements_apply(quarter=Q3, items=items)
    applied = services.settlements_apply(quarter=Q3, items=items, skip_final=True)
    assert list(applied) == [draft_contract.pk]
    draft = applied[draft_contract.pk]
    assert draft.grade == "D" and list(
        draft.lines.filter(evidence_type="item_result").values_list("evidence_key", flat=True)
    ) == ["item_result:101"]
    final.refresh_from_db()
    assert (final.payable, sorted(final.lines.values_list("evidence_key", "amount"))) == before
    assert services.settlements_apply(quarter=Q3, items=items[:1], skip_final=True) == {}
