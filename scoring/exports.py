"""Excel export of a quarter: evaluations with their components, then the settlements and ledger lines."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from contracts.exports import quarter_cells, quarter_titles, workbook_bytes, write_settlements
from contracts.models import Settlement
from scoring import components
from scoring.models import Evaluation

CODES = components.CODES


def quarter_workbook(evaluations: Iterable[Evaluation], settlements: Iterable[Settlement]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Evaluations")[:31]
    header = [
        *quarter_titles(),
        _("Status"),
        *CODES,
        _("Manual adjustment"),
        _("Reason for the adjustment"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
    sheet.freeze_panes = "A2"
    for evaluation in evaluations:
        components = {c.code: c.value for c in evaluation.components.all()}
        sheet.append(
            [
                *quarter_cells(evaluation),
                str(evaluation.get_status_display()),
                *[components.get(code) for code in CODES],
                evaluation.adjustment,
                evaluation.adjustment_reason,
            ]
        )
    for column, width in zip("ABCDEFGHIJKLMNO", [9, 18, 30, 14, 8, 6, 10, 9, 9, 9, 9, 9, 9, 10, 40], strict=False):
        sheet.column_dimensions[column].width = width
    write_settlements(book, settlements)
    return workbook_bytes(book)
