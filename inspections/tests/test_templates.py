"""Checklist templates: versions kept for submitted inspections, Excel export and import."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from inspections import excel
from inspections.models import ChecklistTemplate, Inspection
from inspections.services import inspections as inspection_services
from inspections.services import templates as svc
from inspections.tests.factories import assigned_contract, make_template
from logistics.models import ServiceCategory

pytestmark = pytest.mark.django_db


def rows(*codes):
    return [{"code": c, "text": f"项目{c}", "max_points": Decimal(10), "severity": "minor"} for c in codes]


def used_template(inspector):
    """A daily checklist (family "used") of a contract of ``inspector``'s, and an inspection submitted with it,
    every item passed: (contract, template, inspection)."""
    contract = assigned_contract(inspector)
    used = make_template(category=contract.category, family="used")
    passed = {"A1": {"result": "pass"}, "A2": {"result": "pass"}, "A3": {"result": "pass"}}
    data = {"key": str(uuid.uuid4()), "kind": "daily", "contract": contract.pk, "template": used.pk, "results": passed}
    inspection, _created = inspection_services.inspection_submit(user=inspector, data=data)
    return contract, used, inspection


def test_editing_an_unused_template_changes_it_in_place():
    category = ServiceCategory.objects.get(code="cleaning")
    first = svc.template_save(family="clean", category=category, kind="daily", name="保洁", items=rows("A", "B"))
    second = svc.template_save(family="clean", category=category, kind="daily", name="保洁", items=rows("A", "B", "C"))
    assert first.pk == second.pk and second.version == 1
    assert list(second.items.values_list("code", flat=True)) == ["A", "B", "C"]


def test_editing_a_used_template_creates_a_new_version_and_the_inspection_keeps_its_own(inspector_user):
    contract, used, inspection = used_template(inspector_user)
    new = svc.template_save(family="used", category=contract.category, kind="daily", name="新版", items=rows("X"))
    assert (new.version, new.is_current, new.based_on_id) == (2, True, used.pk)
    used.refresh_from_db()
    assert used.is_current is False
    assert list(used.items.values_list("code", flat=True)) == ["A1", "A2", "A3"]  # untouched
    assert Inspection.objects.get(pk=inspection.pk).template_id == used.pk


def test_the_admin_does_not_let_a_used_version_be_edited(client_for, office_user, inspector_user):
    _contract, used, _inspection = used_template(inspector_user)
    html = client_for(office_user).get(f"/admin/inspections/checklisttemplate/{used.pk}/change/").content.decode()
    assert 'name="items-0-text"' not in html and 'name="name"' not in html


def test_excel_round_trip():
    template = make_template(category=ServiceCategory.objects.get(code="security"), family="sec-daily")
    parsed = excel.parse_template(excel.export_template(template))
    assert (parsed["family"], parsed["category"].code, parsed["kind"]) == ("sec-daily", "security", "daily")
    assert [(i["code"], i["max_points"], i["severity"], i["photo_required_on_fail"]) for i in parsed["items"]] == [
        ("A1", Decimal("10"), "minor", False),
        ("A2", Decimal("20"), "major", False),
        ("A3", Decimal("10"), "serious", True),
    ]


def _workbook(meta, header, items) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in meta:
        sheet.append(row)
    sheet.append([])
    sheet.append(header)
    for item in items:
        sheet.append(item)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_import_errors_name_the_row():
    meta = [["checklist", "x"], ["category", "nope"], ["kind", "daily"], ["name", "X"], ["name_en", ""]]
    data = _workbook(
        meta,
        excel.COLUMNS,
        [
            ["A1", "", "", "项目", "", "", "", "ten", "minor", "N", "N"],
            ["A2", "", "", "项目", "", "", "", 5, "fatal", "N", "N"],
        ],
    )
    with pytest.raises(ValidationError) as info:
        excel.parse_template(data)
    messages = info.value.messages
    assert any("nope" in m for m in messages)
    assert any(m.startswith("第 8 行") and "ten" in m for m in messages)
    assert any(m.startswith("第 9 行") for m in messages)
    with pytest.raises(ValidationError):
        excel.parse_template(b"not a workbook")
    assert ChecklistTemplate.objects.count() == 0


def test_excel_import_through_the_admin(client_for, office_user):
    template = make_template(category=ServiceCategory.objects.get(code="canteen"), family="canteen-x")
    data = excel.export_template(template)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(office_user).post(
        "/admin/inspections/checklisttemplate/import/", {"workbook": SimpleUploadedFile("c.xlsx", data)}
    )
    assert response.status_code == 302
    assert ChecklistTemplate.objects.filter(family="canteen-x").count() == 1
