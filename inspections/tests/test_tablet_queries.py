"""The tablet's sync and submit cost the same number of queries for a 10-item and a 40-item checklist
(bulk writes with their audit history, as the quarter close does)."""

from __future__ import annotations

import uuid

import pytest

from inspections.models import Inspection, ItemResult
from inspections.services import inspections as svc
from inspections.tests.factories import assigned_contract, make_template

pytestmark = pytest.mark.django_db


def checklist(contract, size: int):
    items = [(f"Q{n:02d}", "5", "minor", False) for n in range(size)]
    return make_template(category=contract.category, items=items)


def payload(contract, template, key, results):
    return {"key": str(key), "kind": "daily", "contract": contract.pk, "template": template.pk, "results": results}


def measure(count_queries, user, contract, size):
    template = checklist(contract, size)
    codes = [item.code for item in template.items.all()]
    key = uuid.uuid4()
    half = {code: {"result": "pass"} for code in codes[: size // 2]}
    first, _ = count_queries(lambda: svc.inspection_sync(user=user, data=payload(contract, template, key, half)))
    # two failed items whatever the size (each opens a rectification order: a cost per failure, not per item)
    every = {code: {"result": "fail" if n in (0, 3) else "pass"} for n, code in enumerate(codes)}
    every[codes[1]] = {"result": "partial", "points": "2.5"}
    again, _ = count_queries(lambda: svc.inspection_sync(user=user, data=payload(contract, template, key, every)))
    submit, (inspection, created) = count_queries(
        lambda: svc.inspection_submit(user=user, data=payload(contract, template, key, every))
    )
    assert created and inspection.results.count() == size
    return first, again, submit


def test_sync_and_submit_are_flat_in_the_number_of_items(count_queries, inspector_user):
    contract = assigned_contract(inspector_user)
    measure(count_queries, inspector_user, contract, 4)  # warm-up: the user's roles are read once per process
    small = measure(count_queries, inspector_user, contract, 10)
    large = measure(count_queries, inspector_user, contract, 40)
    # (first sync, later sync, submit with two failures): measured 25, 27 and 92 on SQLite, of which about 25
    # per failed item (its rectification order, with the vendor's notice); issue 24 takes them to <= 30
    assert small == large, (small, large)


def test_bulk_writes_keep_the_audit_history(inspector_user):
    contract = assigned_contract(inspector_user)
    template = checklist(contract, 4)
    key = uuid.uuid4()
    codes = [item.code for item in template.items.all()]
    svc.inspection_sync(
        user=inspector_user, data=payload(contract, template, key, {c: {"result": "pass"} for c in codes})
    )
    changed = {c: {"result": "pass"} for c in codes} | {codes[0]: {"result": "fail", "note": "地面湿滑"}}
    svc.inspection_submit(user=inspector_user, data=payload(contract, template, key, changed))
    inspection = Inspection.objects.get(idempotency_key=key)
    row = inspection.results.get(item__code=codes[0])
    history = list(
        ItemResult.history.filter(id=row.pk)
        .order_by("history_id")
        .values_list("history_type", "result", "awarded", "history_user")
    )
    # created as passed, changed to failed, then stamped with its points at submission: one row each, by the inspector
    assert history == [
        ("+", "pass", None, inspector_user.pk),
        ("~", "fail", None, inspector_user.pk),
        ("~", "fail", row.awarded, inspector_user.pk),
    ]
    assert ItemResult.history.filter(inspection_id=inspection.pk).count() == 4 + 1 + 4  # created, changed, stamped
