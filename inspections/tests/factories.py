from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from contracts.tests.factories import ContractFactory
from inspections.models import ChecklistItem, ChecklistTemplate, ServiceClock, WorkOrder, WorkOrderRound
from logistics.quarters import Quarter
from logistics.tests.factories import ServiceCategoryFactory


def make_template(category=None, kind="daily", family=None, items=None):
    """A checklist with items (code, max points, severity, photo required on failure)."""
    category = category or ServiceCategoryFactory()
    template = ChecklistTemplate.objects.create(
        family=family or f"tpl-{uuid.uuid4().hex[:8]}", category=category, kind=kind, name="检查表", name_en="Checklist"
    )
    for index, (code, points, severity, photo) in enumerate(
        items or [("A1", "10", "minor", False), ("A2", "20", "major", False), ("A3", "10", "serious", True)]
    ):
        ChecklistItem.objects.create(
            template=template,
            code=code,
            text=f"项目{code}",
            text_en=f"Item {code}",
            max_points=Decimal(points),
            severity=severity,
            photo_required_on_fail=photo,
            sort_order=index,
        )
    return template


def assigned_contract(inspector, **kwargs):
    contract = ContractFactory(**kwargs)
    contract.inspectors.add(inspector)
    return contract


def tablet_data(contract, template, results, key=None, **fields):
    """What the tablet sends for an inspection of ``contract`` on ``template``: the ``results`` per item code under
    ``key`` (a new one unless given), and any other ``fields``."""
    return {
        "key": str(key or uuid.uuid4()),
        "kind": template.kind,
        "contract": contract.pk,
        "template": template.pk,
        "results": results,
        **fields,
    }


def submission_refused(user, data, language="en"):
    """``inspection_submit`` refuses ``data``: what it says, per field, to a reader of ``language``."""
    from inspections.services import inspections

    with translation.override(language), pytest.raises(inspections.InspectionInvalid) as info:
        inspections.inspection_submit(user=user, data=data)
    return info.value.message_dict


def make_survey(contract, by, title="2026Q4 保洁满意度", quarter=None, days=7):
    """A satisfaction survey of ``contract`` for ``quarter`` (2026Q4), created by ``by``, open ``days`` more days."""
    from inspections.services import surveys

    return surveys.survey_create(
        title=title,
        quarter=quarter or Quarter(2026, 4),
        contracts=[contract],
        deadline=timezone.now() + dt.timedelta(days=days),
        by=by,
    )


def service_clock(category, priority, minutes, working_hours_only=False):
    """The desk's clock for ``category`` at ``priority``: ``minutes`` to respond, to be on site and to complete
    (around the clock unless ``working_hours_only``)."""
    clock = ServiceClock(category=category, priority=priority, working_hours_only=working_hours_only)
    clock.response_minutes, clock.arrival_minutes, clock.completion_minutes = minutes
    clock.save()
    return clock


def work_order_written(contract, site, received, status, rounds=1):
    """A hotline work order of ``contract`` at ``site``, received at ``received``, written directly as it stands
    (no service, no clock)."""
    return WorkOrder.objects.create(
        channel="hotline",
        received_at=received,
        category=contract.category,
        site=site,
        description="x",
        status=status,
        contract=contract,
        rounds=rounds,
    )


def round_written(order, number, start, accepted_after, completion_due_after, completed_at=None, **fields):
    """Round ``number`` of ``order``, dispatched at ``start`` and written directly: an hour to respond, two to be on
    site, ``completion_due_after`` to complete; accepted ``accepted_after`` the dispatch, completed at
    ``completed_at`` (if at all)."""
    return WorkOrderRound.objects.create(
        order=order,
        number=number,
        contract=order.contract,
        dispatched_at=start,
        response_due=start + dt.timedelta(hours=1),
        arrival_due=start + dt.timedelta(hours=2),
        completion_due=start + completion_due_after,
        accepted_at=start + accepted_after,
        completed_at=completed_at,
        completion_note="x" if completed_at else "",
        **fields,
    )


def desk_record(kind, contract, description, by, channel="hotline", **details):
    """What the desk writes down for a caller (``desk_intake``): a ``kind`` in ``contract``'s service category."""
    from inspections.services import desk

    return desk.desk_intake(
        kind=kind, channel=channel, category=contract.category, description=description, by=by, **details
    )
