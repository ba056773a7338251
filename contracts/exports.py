"""Excel export of settlements and their ledger lines (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from contracts.choices import LIVE_REQUEST_STATES
from contracts.explanations import describe
from contracts.models import LedgerLine, Settlement

MONEY = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def _header(sheet, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"


def _widths(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def quarter_titles() -> list[str]:
    """The first columns of a contract's quarter (a settlement's, an evaluation's row)."""
    return [_("Quarter"), _("Contract"), _("Vendor"), _("Service category"), _("Score"), _("Grade")]


def quarter_cells(row: Any) -> list[Any]:
    """A settlement's or an evaluation's first cells, under ``quarter_titles``."""
    contract = row.contract
    return [row.quarter, contract.number, contract.vendor.legal_name, str(contract.category), row.score, row.grade]


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def payments_workbook(instalments: Iterable, year: int) -> bytes:
    """A year's instalments for finance: one row each, with what it carries and whether it was paid."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    _header(
        sheet,
        [
            _("Contract"),
            _("Vendor"),
            _("From"),
            _("To"),
            _("Payment cycle"),
            _("Base amount"),
            _("Settlement adjustment"),
            _("Carried correction"),
            _("Amount"),
            _("Status"),
            _("Paid on"),
            _("Voucher number"),
            _("Why a correction is carried"),
            _("Payment request"),
        ],
    )
    for row in instalments:
        sheet.append(
            [
                row.contract.number,
                row.contract.vendor.legal_name,
                row.first_day,
                row.last_day,
                str(row.get_cycle_display()),
                row.base,
                row.adjustment,
                row.carried,
                row.amount,
                str(row.get_status_display()),
                row.paid_on,
                row.voucher,
                row.carried_reason,
                next((r.number for r in getattr(row, "all_requests", ()) if r.state in LIVE_REQUEST_STATES), ""),
            ]
        )
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells[5:9]:
            cell.number_format = MONEY
        for cell in (cells[2], cells[3], cells[10]):
            cell.number_format = "yyyy-mm-dd"
    _widths(sheet, [16, 28, 12, 12, 10, 14, 14, 14, 14, 10, 12, 16, 40, 16])
    return workbook_bytes(book)


def settlements_workbook(settlements: Iterable[Settlement]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    write_settlements(book, settlements)
    return workbook_bytes(book)


def write_settlements(book: Workbook, settlements: Iterable[Settlement]) -> None:
    """Two sheets: one row per settlement, and every ledger line with its evidence and explanation."""
    settlements = list(settlements)
    sheet = book.create_sheet(_("Settlements")[:31])
    _header(
        sheet,
        [
            *quarter_titles(),
            _("Fee"),
            _("Deductions"),
            _("Removed by the cap"),
            _("Bonuses"),
            _("Corrections"),
            _("Payable"),
            _("Status"),
        ],
    )
    for s in settlements:
        sheet.append(
            [
                *quarter_cells(s),
                s.fee,
                s.deductions,
                s.cap_applied,
                s.bonuses,
                s.adjustments,
                s.payable,
                str(s.get_status_display()),
            ]
        )
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=12):
        for cell in row:
            cell.number_format = MONEY
    _widths(sheet, [9, 16, 30, 14, 8, 6, 14, 14, 14, 12, 12, 14, 8])

    lines = (
        LedgerLine.objects.filter(settlement__in=settlements)
        .select_related("contract", "clause")
        .order_by("quarter", "contract__number", "kind", "id")
    )
    detail = book.create_sheet(_("Ledger lines")[:31])
    _header(
        detail,
        [
            _("Quarter"),
            _("Contract"),
            _("Kind"),
            _("Amount"),
            _("Clause"),
            _("Evidence"),
            _("Explanation"),
            _("Reason"),
        ],
    )
    for line in lines:
        detail.append(
            [
                line.quarter,
                line.contract.number,
                str(line.get_kind_display()),
                line.amount,
                str(line.clause.get_kind_display()) if line.clause else "",
                line.evidence_ref or line.evidence_key,
                describe(line.explanation),
                line.reason,
            ]
        )
    for row in detail.iter_rows(min_row=2, min_col=4, max_col=4):
        for cell in row:
            cell.number_format = MONEY
    _widths(detail, [9, 16, 10, 12, 28, 28, 60, 30])
