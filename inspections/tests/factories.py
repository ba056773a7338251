from __future__ import annotations

import uuid
from decimal import Decimal

from contracts.tests.factories import ContractFactory
from inspections.models import ChecklistItem, ChecklistTemplate
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
