"""Checklist templates to and from Excel (openpyxl): the office keeps its checklists in spreadsheets.

Layout: the first rows hold the checklist's identity (checklist code, service category code, inspection
kind, name, English name), then a header row, then one row per item. Export writes exactly what import
reads.
"""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from inspections.choices import AnswerType, Signer
from inspections.models import ChecklistTemplate, InspectionKind
from inspections.services.templates import ITEM_FIELDS
from logistics.models import ServiceCategory, Severity

META = [("checklist", "family"), ("category", "category"), ("kind", "kind"), ("name", "name"), ("name_en", "name_en")]
COLUMNS = [f for f in ITEM_FIELDS if f != "sort_order"]  # a row's place in the sheet is its order
YES = {"y", "yes", "1", "true", "是", "✓"}
MAX_ROWS = 500


def export_template(template: ChecklistTemplate) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = template.family[:31]
    values = {
        "family": template.family,
        "category": template.category.code,
        "kind": template.kind,
        "name": template.name,
        "name_en": template.name_en,
    }
    for label, key in META:
        sheet.append([label, values[key]])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    sheet.append(COLUMNS)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
    for item in template.items.all():
        sheet.append(
            [
                item.code,
                item.group,
                item.group_en,
                item.text,
                item.text_en,
                item.standard,
                item.standard_en,
                float(item.max_points),
                item.severity,
                "Y" if item.is_key_point else "N",
                "Y" if item.photo_required_on_fail else "N",
                item.answer_type,
                item.unit,
                None if item.min_value is None else float(item.min_value),
                None if item.max_value is None else float(item.max_value),
                item.signer,
            ]
        )
    widths = [8, 12, 14, 36, 36, 40, 40, 10, 9, 10, 10, 10, 8, 9, 9, 10]
    for column, width in zip("ABCDEFGHIJKLMNOP", widths, strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_template(data: bytes) -> dict[str, Any]:
    """Read a workbook into the arguments of ``template_save``; errors name the row and the column."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(_("This is not an Excel workbook (.xlsx).")) from exc
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 10))
    meta = {}
    for row in rows[: len(META)]:
        if row and row[0]:
            meta[str(row[0]).strip()] = "" if len(row) < 2 or row[1] is None else str(row[1]).strip()
    errors = []
    family = meta.get("checklist", "")
    if not family:
        errors.append(_("The cell next to “checklist” (row 1) must hold the checklist's code."))
    category = ServiceCategory.objects.filter(code=meta.get("category", "")).first()
    if category is None:
        errors.append(_("Unknown service category “%(code)s” (row 2).") % {"code": meta.get("category", "")})
    kind = meta.get("kind", "")
    if kind not in InspectionKind.values:
        errors.append(_("Unknown inspection kind “%(kind)s” (row 3).") % {"kind": kind})
    try:
        header_index = next(i for i, row in enumerate(rows) if row and row[0] == "code")
    except StopIteration:
        raise ValidationError([*errors, _("The header row (code, group, …) is missing.")])
    items = []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not row or all(v in (None, "") for v in row):
            continue
        values = dict(zip(COLUMNS, list(row) + [None] * len(COLUMNS), strict=False))
        raw_points = values["max_points"]
        if raw_points in (None, "") and str(values["answer_type"] or "").strip() == AnswerType.SIGNATURE:
            raw_points = 0  # a signature scores no points: the column may stay empty
        try:
            points = Decimal(str(raw_points))
        except (InvalidOperation, ValueError):
            errors.append(
                _("Row %(row)d: max_points “%(value)s” is not a number.")
                % {"row": offset, "value": values["max_points"]}
            )
            continue
        severity = str(values["severity"] or "minor").strip()
        if severity not in Severity.values:
            errors.append(_("Row %(row)d: severity must be minor, major or serious.") % {"row": offset})
            continue
        answer = str(values["answer_type"] or AnswerType.CHECK).strip()
        if answer not in AnswerType.values:
            errors.append(_("Row %(row)d: answer_type must be check, reading or signature.") % {"row": offset})
            continue
        if answer == AnswerType.POST:  # it names a post role: chosen from the list in the admin
            errors.append(
                _("Row %(row)d: a post check is added in the admin, where its post is chosen.") % {"row": offset}
            )
            continue
        signer = str(values["signer"] or "").strip()
        if signer not in ("", *Signer.values):
            errors.append(_("Row %(row)d: signer must be inspector or vendor.") % {"row": offset})
            continue
        bounds = {}
        for column in ("min_value", "max_value"):
            raw = values[column]
            try:
                bounds[column] = None if raw in (None, "") else Decimal(str(raw).strip())
            except (InvalidOperation, ValueError):
                errors.append(
                    _("Row %(row)d: %(column)s “%(value)s” is not a number.")
                    % {"row": offset, "column": column, "value": raw}
                )
        if len(bounds) < 2:
            continue
        items.append(
            {
                "code": str(values["code"] or "").strip(),
                "group": str(values["group"] or ""),
                "group_en": str(values["group_en"] or ""),
                "text": str(values["text"] or ""),
                "text_en": str(values["text_en"] or ""),
                "standard": str(values["standard"] or ""),
                "standard_en": str(values["standard_en"] or ""),
                "max_points": points,
                "severity": severity,
                "is_key_point": str(values["is_key_point"] or "").strip().lower() in YES,
                "photo_required_on_fail": str(values["photo_required_on_fail"] or "").strip().lower() in YES,
                "sort_order": len(items),
                "answer_type": answer,
                "unit": str(values["unit"] or "").strip(),
                "signer": signer,
                **bounds,
            }
        )
    if not items:
        errors.append(_("The workbook has no checklist item."))
    if errors:
        raise ValidationError(errors)
    return {
        "family": family,
        "category": category,
        "kind": kind,
        "name": meta.get("name") or family,
        "name_en": meta.get("name_en", ""),
        "items": items,
    }
