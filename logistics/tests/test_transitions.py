"""One transition table per stateful model (``logistics.transitions.Flow``), the services move through it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from contracts import services as contract_services
from contracts.models import CONTRACT_FLOW, SETTLEMENT_FLOW, Contract, ContractStatus
from contracts.tests.factories import ContractFactory
from inspections.models import COMPLAINT_FLOW, INSPECTION_FLOW, RECTIFICATION_FLOW
from logistics.models import TENDER_FLOW, VENDOR_FLOW
from logistics.transitions import Flow
from scoring.models import EVALUATION_FLOW

FLOWS = [
    CONTRACT_FLOW,
    SETTLEMENT_FLOW,
    COMPLAINT_FLOW,
    RECTIFICATION_FLOW,
    INSPECTION_FLOW,
    EVALUATION_FLOW,
    TENDER_FLOW,
    VENDOR_FLOW,
]


class Light(models.TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"


def test_a_flow_holds_only_its_own_statuses():
    with pytest.raises(ValueError, match=r"unknown statuses in the transition table: \['blue'\]"):
        Flow(Light, {Light.RED: {"blue"}}, noun="A light")


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.choices.__name__)
def test_every_status_but_the_first_is_reached_by_a_transition(flow):
    # the first choice is where a record starts (the field's default); every other one must be the target of
    # some move, or no service could ever set it
    first, *others = flow.choices.values
    targets = {target for _source, target in flow.edges()}
    assert [status for status in others if status not in targets] == []
    assert first in flow.table  # and the start leads somewhere


def test_advance_moves_a_record_or_refuses_in_the_users_language():
    flow = CONTRACT_FLOW
    record = Contract(status=ContractStatus.DRAFT)
    flow.advance(record, ContractStatus.ACTIVE)
    assert record.status == "active"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        flow.advance(record, ContractStatus.DRAFT)
    assert refused.value.messages == ["A contract cannot go from “Active” to “Draft”."]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        CONTRACT_FLOW.advance(record, ContractStatus.DRAFT)
    assert refused.value.messages == ["合同不能从“履行中”变为“草稿”。"]
    assert record.status == "active"
    with pytest.raises(ValidationError) as refused:
        flow.check("active", "draft", refused="Only a draft can be signed.")
    assert refused.value.messages == ["Only a draft can be signed."]


def test_the_contract_flow_as_the_design_says():
    assert CONTRACT_FLOW.edges() == [
        ("active", "expired"),
        ("active", "suspended"),
        ("active", "terminated"),
        ("draft", "active"),
        ("suspended", "active"),
        ("suspended", "expired"),
        ("suspended", "terminated"),
    ]
    assert CONTRACT_FLOW.targets("terminated") == frozenset()


@pytest.mark.django_db
def test_a_new_transition_is_one_entry_in_the_table(monkeypatch, office_user):
    # given a terminated contract, which the table lets go nowhere
    contract = ContractFactory(status="active")
    contract_services.contract_change_status(contract=contract, to_status="terminated", reason="违约", by=office_user)
    with translation.override("en"), pytest.raises(ValidationError, match="cannot go from “Terminated” to “Active”"):
        contract_services.contract_change_status(contract=contract, to_status="active", reason="复议", by=office_user)
    # when the table (and only the table) gains "terminated -> active"
    monkeypatch.setitem(CONTRACT_FLOW.table, "terminated", frozenset({"active"}))
    # then the service takes it, dated and reasoned in the contract's history like every other change
    contract_services.contract_change_status(contract=contract, to_status="active", reason="复议恢复", by=office_user)
    contract.refresh_from_db()
    assert contract.status == "active"
    assert list(contract.status_changes.values_list("from_status", "to_status", "reason")) == [
        ("active", "terminated", "违约"),
        ("terminated", "active", "复议恢复"),
    ]
