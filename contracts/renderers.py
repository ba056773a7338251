"""The PDFs of the contracts app's notices (书面警告 to the vendor, the termination recommendation for the office):
WeasyPrint, the CJK font, the shape of a letter."""

from __future__ import annotations

from contracts.choices import NoticeKind
from contracts.explanations import describe
from contracts.models import Clause, FormalNotice, FormalWarning
from contracts.notices import notice_context, register_notice_renderer
from logistics.pdf import render_pdf
from logistics.quarters import Quarter


def warning_notice(notice: FormalNotice) -> bytes:
    warning = notice.warning
    return render_pdf(
        "contracts/notice_warning.pdf.html",
        {**notice_context(notice), "warning": warning, "reason_text": describe(warning.reason)},
    )


def termination_notice(notice: FormalNotice) -> bytes:
    """The termination recommendation, for the office: the reason and the warnings of the clause's window."""
    clause = (
        Clause.objects.filter(contract=notice.contract, kind="terminate_after_warnings")
        .order_by("-terms__number")
        .first()
    )
    window = [q.key for q in Quarter.parse(notice.quarter).back(clause.window if clause and clause.window else 4)]
    warnings = list(
        FormalWarning.objects.filter(contract=notice.contract, quarter__in=window, withdrawn_at__isnull=True)
        .select_related("clause")
        .order_by("quarter", "pk")
    )
    for warning in warnings:
        warning.reason_text = describe(warning.reason)
    return render_pdf("contracts/notice_termination.pdf.html", {**notice_context(notice), "warnings": warnings})


def register() -> None:
    register_notice_renderer(NoticeKind.WARNING, warning_notice)
    register_notice_renderer(NoticeKind.TERMINATION, termination_notice)
