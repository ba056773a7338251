"""A final settlement and its ledger lines are locked at every layer; a correction is the audited way in.

The raw-SQL tests run on PostgreSQL only (``postgres`` marker): there the migrations add triggers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import assert_admin_and_api_refuse, assert_locked, assert_rows_locked, assert_sql_refused, raw_sql
from contracts import services
from contracts.clauses import FailedItem
from contracts.models import Clause, LedgerLine, Settlement
from contracts.tests.factories import FAILED, ClauseFactory, ContractFactory, final_settlement, per_failed_item_clause
from logistics.immutability import ImmutableError, allow_locked_changes
from logistics.quarters import Quarter

pytestmark = pytest.mark.django_db
D = Decimal
Q3 = Quarter(2026, 3)


def priced_contract():
    contract = ContractFactory()
    per_failed_item_clause(contract)
    return contract


@pytest.fixture
def final(office_user):
    settlement = final_settlement(priced_contract(), office_user)
    assert settlement.status == "final" and settlement.lines.count() == 2
    return settlement


def stored(settlement):
    row = Settlement.objects.get(pk=settlement.pk)
    return row.status, row.payable, sorted(row.lines.values_list("evidence_key", "amount"))


BEFORE = ("final", D("98900.00"), [("item_result:101", D("100.00")), ("item_result:102", D("1000.00"))])


def test_the_service_refuses_to_recompute_a_final_settlement(final):
    with pytest.raises(services.SettlementFinal):
        services.settlement_apply(
            contract=final.contract, quarter=Q3, score=D("50"), grade="D", failed_items=FAILED[:1]
        )
    assert stored(final) == BEFORE


def test_model_save_and_delete_refuse(final):
    assert_locked(final, payable=D("1"))
    line = final.lines.order_by("pk").first()
    assert_locked(line, amount=D("1"))
    extra = LedgerLine(
        settlement=final,
        contract=final.contract,
        quarter=final.quarter,
        clause=line.clause,
        kind="deduction",
        amount=D("5"),
        evidence_type="item_result",
        evidence_id=999,
        evidence_key="item_result:999",
    )
    with pytest.raises(ImmutableError):  # a new line outside a correction is refused too
        extra.save()
    assert stored(final) == BEFORE


def test_a_line_cannot_be_moved_into_a_final_settlement(final):
    draft = services.settlement_apply(
        contract=priced_contract(), quarter=Q3, score=D("85"), grade="B", failed_items=FAILED[:1]
    )
    line = draft.lines.get()
    line.settlement = final
    with pytest.raises(ImmutableError):
        line.save()


def test_queryset_update_and_delete_refuse(final):
    assert_rows_locked(Settlement.objects.filter(pk=final.pk), payable=D("1"))
    assert_rows_locked(LedgerLine.objects.filter(settlement=final), amount=D("1"))
    with pytest.raises(ImmutableError):
        LedgerLine.objects.filter(settlement=final).audited_update(_reason="x", amount=D("1"))
    assert stored(final) == BEFORE


def test_the_admin_and_the_api_refuse(final, client_for, office_user, api_client):
    client = client_for(office_user)
    api_client.force_authenticate(office_user)
    line = final.lines.order_by("pk").first()
    admin, api = f"/admin/contracts/settlement/{final.pk}/", f"/api/settlements/{final.pk}/"
    assert_admin_and_api_refuse(client, api_client, admin, api, {"payable": "1"})
    admin, api = f"/admin/contracts/ledgerline/{line.pk}/", f"/api/ledger-lines/{line.pk}/"
    assert_admin_and_api_refuse(client, api_client, admin, api, {"amount": "1"})
    assert stored(final) == BEFORE


def test_a_correction_is_the_audited_way_in(final, office_user):
    line = services.settlement_adjust(settlement=final, amount=D("-250"), reason="发票金额更正", by=office_user)
    settlement = Settlement.objects.get(pk=final.pk)
    assert (settlement.status, settlement.adjustments, settlement.payable) == ("final", D("-250.00"), D("98650.00"))
    assert (line.kind, line.amount, line.reason, line.created_by) == (
        "adjustment",
        D("-250.00"),
        "发票金额更正",
        office_user,
    )
    last = settlement.history.order_by("history_id").last()
    assert (last.history_user, last.history_change_reason, last.payable) == (office_user, "发票金额更正", D("98650.00"))
    # and the settlement is locked again afterwards
    settlement.payable = D("1")
    with pytest.raises(ImmutableError):
        settlement.save()


def test_reopening_puts_a_final_settlement_back_to_draft_with_its_reason(final, office_user):
    services.settlement_reopen(contract=final.contract, quarter=Q3, reason="评价复议", by=office_user)
    settlement = Settlement.objects.get(pk=final.pk)
    assert (settlement.status, settlement.finalized_at) == ("draft", None)
    last = settlement.history.order_by("history_id").last()
    assert (last.status, last.history_user, last.history_change_reason) == ("draft", office_user, "评价复议")
    # a draft again: the recompute may change and drop its lines
    services.settlement_apply(contract=final.contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED[:1])
    assert list(settlement.lines.values_list("evidence_key", flat=True)) == ["item_result:101"]


def test_a_draft_recompute_updates_and_drops_lines(office_user):
    """The recompute path the triggers must leave alone (on PostgreSQL it runs past them)."""
    contract = priced_contract()
    services.settlement_apply(contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED)
    moved = [FailedItem(101, "major", "INS-1/C01")]  # 101 is now major (update), 102 went away (delete)
    settlement = services.settlement_apply(contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=moved)
    assert list(settlement.lines.values_list("evidence_key", "amount")) == [("item_result:101", D("300.00"))]
    assert (settlement.status, settlement.payable) == ("draft", D("99700.00"))
    line = settlement.lines.get()
    assert [h.history_type for h in LedgerLine.history.filter(id=line.pk).order_by("history_id")] == ["+", "~"]


# --- the database itself (PostgreSQL triggers) ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE contracts_settlement SET grade = 'D' WHERE id = %s",
        "UPDATE contracts_settlement SET status = 'draft' WHERE id = %s",
        "DELETE FROM contracts_settlement WHERE id = %s",
        "UPDATE contracts_ledgerline SET amount = 1 WHERE settlement_id = %s",
        "DELETE FROM contracts_ledgerline WHERE settlement_id = %s",
    ],
)
def test_the_database_refuses_raw_sql(final, sql):
    assert_sql_refused(sql, [final.pk])
    assert stored(final) == BEFORE


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE contracts_clause SET amount = 1 WHERE contract_id = %s",
        "DELETE FROM contracts_clause WHERE contract_id = %s",
        "INSERT INTO contracts_clause (contract_id, terms_id, kind, amount, description, created_at, updated_at)"
        " SELECT contract_id, id, 'per_upheld_complaint', 1, '', now(), now() FROM contracts_termsversion"
        " WHERE contract_id = %s",
        "UPDATE contracts_termsversion SET annual_fee = 1 WHERE contract_id = %s",
        "DELETE FROM contracts_termsversion WHERE contract_id = %s",
    ],
)
def test_the_database_refuses_raw_changes_to_a_signed_contracts_terms(sql):
    contract = priced_contract()  # active: its terms are signed
    before = list(Clause.objects.filter(contract=contract).order_by("pk").values_list("kind", "amount"))
    assert_sql_refused(sql, [contract.pk], match="signed contract's terms")
    assert list(Clause.objects.filter(contract=contract).order_by("pk").values_list("kind", "amount")) == before
    # a draft's terms are the office's to edit
    draft = ContractFactory(status="draft")
    ClauseFactory(contract=draft)
    assert raw_sql("UPDATE contracts_clause SET amount = 1 WHERE contract_id = %s", [draft.pk]) == 1


@pytest.mark.postgres
def test_the_database_refuses_moving_a_line_into_a_final_settlement(final):
    draft = services.settlement_apply(
        contract=priced_contract(), quarter=Q3, score=D("85"), grade="B", failed_items=FAILED[:1]
    )
    assert_sql_refused(
        "UPDATE contracts_ledgerline SET settlement_id = %s WHERE settlement_id = %s", [final.pk, draft.pk]
    )


@pytest.mark.postgres
def test_the_escape_hatch_lets_updates_through_its_block_only_and_never_deletes(final):
    with transaction.atomic():
        with allow_locked_changes():
            assert raw_sql("UPDATE contracts_settlement SET grade = 'B' WHERE id = %s", [final.pk]) == 1
            assert (
                raw_sql(
                    "UPDATE contracts_ledgerline SET evidence_ref = evidence_ref WHERE settlement_id = %s", [final.pk]
                )
                == 2
            )
            assert_sql_refused("DELETE FROM contracts_ledgerline WHERE settlement_id = %s", [final.pk])
        # the block is over, the same transaction goes on: locked again
        assert_sql_refused("UPDATE contracts_settlement SET grade = 'B' WHERE id = %s", [final.pk])
    assert stored(final) == BEFORE


@pytest.mark.postgres
def test_draft_rows_and_inserts_pass_the_triggers(final):
    draft = services.settlement_apply(
        contract=priced_contract(), quarter=Q3, score=D("85"), grade="B", failed_items=FAILED[:1]
    )
    assert raw_sql("UPDATE contracts_ledgerline SET evidence_ref = 'x' WHERE settlement_id = %s", [draft.pk]) == 1
    assert raw_sql("DELETE FROM contracts_ledgerline WHERE settlement_id = %s", [draft.pk]) == 1
    assert raw_sql("UPDATE contracts_settlement SET grade = 'C' WHERE id = %s", [draft.pk]) == 1
    # history rows of final records stay insertable
    assert (
        raw_sql(
            "INSERT INTO contracts_historicalsettlement (id, contract_id, quarter, fee, deductions, cap_applied, bonuses,"
            " adjustments, payable, fee_basis, grade, status, created_at, updated_at, history_date, history_type)"
            " SELECT id, contract_id, quarter, fee, deductions, cap_applied, bonuses, adjustments, payable, fee_basis,"
            " grade, status, created_at, updated_at, now(), '~' FROM contracts_settlement WHERE id = %s",
            [final.pk],
        )
        == 1
    )


# --- constraints the clauses rely on --------------------------------------------------------------------
def settlement_row(**overrides):
    values = {
        "contract": ContractFactory(),
        "quarter": "2026Q3",
        "fee": D("100"),
        "deductions": D("0"),
        "cap_applied": D("0"),
        "bonuses": D("0"),
        "adjustments": D("0"),
        "payable": D("100"),
        **overrides,
    }
    return Settlement(**values)


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "paid"},  # contracts_settlement_status_valid
        {"cap": D("-1")},  # contracts_settlement_cap_not_negative
        {"score": D("100.01")},  # contracts_settlement_score_range
        {"score": D("-0.01")},
    ],
)
def test_the_database_refuses_a_settlement_out_of_range(overrides):
    if overrides.get("status") not in (None, "draft"):
        overrides["finalized_at"] = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.bulk_create([settlement_row(**overrides)])


def test_a_valid_settlement_row_passes_the_constraints():
    Settlement.objects.bulk_create([settlement_row(cap=D("0"), score=D("100"))])
    assert Settlement.objects.count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"clause": None},  # contracts_ledgerline_clause_unless_adjustment
        {"kind": "penalty"},  # contracts_ledgerline_kind_valid
        {"evidence_type": "rumour"},  # contracts_ledgerline_evidence_type_valid
    ],
)
def test_the_database_refuses_a_ledger_line_out_of_range(overrides):
    draft = services.settlement_apply(
        contract=priced_contract(), quarter=Q3, score=D("85"), grade="B", failed_items=FAILED[:1]
    )
    line = draft.lines.get()
    values = {
        "settlement": draft,
        "contract": draft.contract,
        "quarter": draft.quarter,
        "clause": line.clause,
        "kind": "deduction",
        "amount": D("1"),
        "evidence_type": "item_result",
        "evidence_key": "item_result:555",
        "created_at": dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        **overrides,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerLine.objects.bulk_create([LedgerLine(**values)])


def test_a_recompute_leaves_one_history_row_per_change():
    """The bulk writes of the recompute record their own history: no second "bulk update" row besides."""
    contract = priced_contract()
    ClauseFactory(contract=contract, kind="renewal_preference", amount=None, count=1, window=1)
    services.settlement_apply(contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED)
    services.settlement_apply(contract=contract, quarter=Q3, score=D("95"), grade="A", failed_items=FAILED[:1])
    settlement = Settlement.objects.get(contract=contract)
    history = settlement.history.order_by("history_id").values_list("history_type", "history_change_reason", "grade")
    assert list(history) == [("+", "computed", "B"), ("~", "computed", "A")]
    contract.refresh_from_db()
    assert not contract.renewal_preferred  # a draft raises no flag (the vendor sees the contract's flags)
    services.settlement_apply(
        contract=contract, quarter=Q3, score=D("95"), grade="A", failed_items=FAILED[:1], finalize=True
    )
    contract.refresh_from_db()
    assert contract.renewal_preferred
    reasons = list(contract.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons.count("clauses") == 1 and "bulk update" not in reasons


def test_finalizing_a_draft_whose_facts_changed_rewrites_its_lines_before_it_locks(office_user):
    # given a draft settlement with two priced failures
    contract = priced_contract()
    services.settlement_apply(
        contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=FAILED, by=office_user
    )
    # when it is finalized after one failure was struck out and the other re-priced as minor
    changed = [FailedItem(102, "minor", "INS-2/S01")]
    settlement = services.settlement_apply(
        contract=contract, quarter=Q3, score=D("85"), grade="B", failed_items=changed, finalize=True, by=office_user
    )
    # then the final ledger holds exactly the changed facts (on PostgreSQL the lock trigger let the sync through)
    assert stored(settlement) == ("final", D("99900.00"), [("item_result:102", D("100.00"))])
