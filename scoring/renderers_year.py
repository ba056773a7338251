"""The leaders' PDF of a half-year or annual appraisal, a generated document (``logistics.documents``) rendered in a
task by the quarterly reports' machinery (WeasyPrint, the embedded CJK font, the reports' stylesheet, the SVG
charts of ``scoring.charts``). Registered at start-up (``ScoringConfig.ready``), so a worker knows it too.

A document's params: ``{"year": 2026, "half": 0|1|2, "language": "zh-hans"|"en"}``; the PDF shows the appraisal
as stored when it is rendered (computed again, print it again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone, translation

from logistics import documents
from logistics.context_processors import default_institution_name
from logistics.models import Document
from scoring import charts
from scoring.models import Appraisal
from scoring.report_year import appraisal_report, appraisal_title
from scoring.reports import _document, font_config

if TYPE_CHECKING:
    from logistics.models import User

KIND = "appraisal"
LANGUAGES = ("zh-hans", "en")
LANGUAGE_WORDS = {"zh-hans": "中文", "en": "English"}


def pdf_context(record: Appraisal) -> dict[str, Any]:
    report = appraisal_report(record)
    # the axes start below the lowest score (one start for all the contracts' charts, so they compare)
    low = charts.floor_of([cell.score for row in report.rows for cell in row.quarters])
    return {
        "report": report,
        "institution": default_institution_name(),
        "trend_svg": charts.trend(
            report.means, width=640, height=230, low=charts.floor_of([m for _q, m in report.means])
        ),
        # each contract's quarters, small, three a row
        "contract_trends": [
            (row, charts.trend([(cell.heading, cell.score) for cell in row.quarters], width=280, height=170, low=low))
            for row in report.rows
        ],
        "generated_at": timezone.localtime(),
    }


def render_appraisal(document: Document) -> tuple[str, bytes]:
    language = document.params.get("language")
    language = language if language in LANGUAGES else settings.LANGUAGE_CODE
    record = Appraisal.objects.select_related("computed_by").get(
        year=int(document.params["year"]), half=int(document.params.get("half") or 0)
    )
    with translation.override(language):
        data = _document("scoring/appraisal.pdf.html", pdf_context(record)).write_pdf(font_config=font_config())
    return f"appraisal-{record.period_key}-{language}.pdf", data


def appraisal_pdf_request(*, record: Appraisal, language: str, by: User) -> Document:
    """Ask for the PDF of ``record`` in ``language``; its title is in the reader's language."""
    title = f"{appraisal_title(record.year, record.half or None)} · PDF · {LANGUAGE_WORDS[language]}"
    return documents.document_request(
        kind=KIND, title=title, params={"year": record.year, "half": record.half, "language": language}, by=by
    )


def register() -> None:
    documents.register_renderer(KIND, render_appraisal)
