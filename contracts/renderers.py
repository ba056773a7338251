"""The PDFs of the contracts app's notices (書面警告): WeasyPrint, the CJK font, the shape of a letter."""

from __future__ import annotations

from contracts.choices import NoticeKind
from contracts.explanations import describe
from contracts.models import FormalNotice
from contracts.notices import notice_context, register_notice_renderer
from logistics.pdf import render_pdf


def warning_notice(notice: FormalNotice) -> bytes:
    warning = notice.warning
    return render_pdf(
        "contracts/notice_warning.pdf.html",
        {**notice_context(notice), "warning": warning, "reason_text": describe(warning.reason)},
    )


def register() -> None:
    register_notice_renderer(NoticeKind.WARNING, warning_notice)
