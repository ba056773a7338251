"""Every locked record declares its lock once (``LockedModel``); the guard reads it (issue 25)."""

from __future__ import annotations

import pytest
from django.apps import apps

from logistics.immutability import LockedModel, LockedQuerySet

LOCKED = sorted((m for m in apps.get_models() if issubclass(m, LockedModel)), key=lambda m: m._meta.label)


def test_the_locked_records_are_the_ones_the_design_names():
    assert [m._meta.label for m in LOCKED] == [
        "contracts.Clause",
        "contracts.Instalment",
        "contracts.LedgerLine",
        "contracts.PaymentApproval",
        "contracts.PaymentRequest",
        "contracts.Settlement",
        "contracts.TermsVersion",
        "inspections.Inspection",
        "inspections.InspectionPhoto",
        "inspections.InspectionSignature",
        "inspections.ItemResult",
        "scoring.Evaluation",
        "scoring.EvaluationComponent",
    ]


def test_no_model_names_a_lock_without_the_guard():
    assert [m._meta.label for m in apps.get_models() if hasattr(m, "LOCK_FIELD") and m not in LOCKED] == []


@pytest.mark.parametrize("model", LOCKED, ids=lambda m: m._meta.label)
def test_each_lock_is_declared_and_reachable(model):
    relation, _sep, field = model.LOCK_FIELD.rpartition("__")
    owner = model._meta.get_field(relation).related_model if relation else model
    choices = {value for value, _label in owner._meta.get_field(field).choices}
    assert set(model.LOCKED_VALUES) <= choices and model.LOCKED_VALUES
    assert str(model.LOCKED_MESSAGE)
    assert isinstance(model.objects.all(), LockedQuerySet)
    # save() and delete() are the base's: no model writes its own guard again
    assert "save" not in model.__dict__ and "delete" not in model.__dict__
