"""PDF reports: the contract report and the institution summary (WeasyPrint, rendered by tasks).

A final evaluation's report is rendered once and frozen with its SHA-256; a report of a non-final
evaluation is re-rendered when the evaluation changed since (``source_hash``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from contracts.explanations import describe
from logistics import outbox
from logistics.context_processors import default_institution_name
from logistics.pdf import html_document
from logistics.quarters import Quarter
from scoring import charts, components, report_data, selectors
from scoring.models import Evaluation, Report

logger = logging.getLogger(__name__)
LANGUAGES = ("zh-hans", "en")
_fonts = threading.local()


def font_config() -> Any:
    """This thread's WeasyPrint font configuration, made once and reused by every report it renders.

    A new one per document (WeasyPrint's default) reloads fontconfig's font list and gives Pango a new font map,
    so each render opened the CJK fonts again (5-8% of a contract report's CPU time). Pango's font maps are not
    thread-safe: one per thread. Fonts installed while the process runs are seen after a restart.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


# WeasyPrint's user-agent stylesheet gives every element (every table cell) ::marker, ::footnote-call,
# ::footnote-marker, ::note-call, ::note-marker and ::note-callback styles: six pseudo-element styles computed
# per element, most of the time of the cascade (about 15% of a report's layout). Only list items have a marker and
# the reports have no footnotes or notes (``float: footnote``): the reports' copy of the sheet keeps ``li::marker``
# and drops the rest. A template that starts using footnotes must put them back.
_UA_MARKER_RULE = "\n::marker {"
_UA_NOTE_RULES = (
    "::footnote-call { content: counter(footnote); vertical-align: super; font-size: smaller; line-height: inherit }",
    '::footnote-marker { content: counter(footnote) ". " }',
    "::note-call { content: counter(note); vertical-align: super; font-size: smaller; line-height: inherit }",
    '::note-marker { content: counter(note) ". " }',
    '::note-callback { content: "\u202f↩" }',
)


@functools.cache
def ua_stylesheet() -> Any:
    """The user-agent stylesheet of the reports: WeasyPrint's own without the rules above (or WeasyPrint's own,
    unchanged, if a new version words them differently)."""
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA, UA_STYLESHEET

    if UA.count(_UA_MARKER_RULE) != 1 or not all(UA.count(rule) == 1 for rule in _UA_NOTE_RULES):
        logger.warning("WeasyPrint's user-agent stylesheet changed: the reports use it unchanged")
        return UA_STYLESHEET
    text = UA.replace(_UA_MARKER_RULE, "\nli::marker {")
    for rule in _UA_NOTE_RULES:
        text = text.replace(rule, "")
    # its @counter-style rules are WeasyPrint's, which every document already gets (``_ua_counter_style``)
    return CSS(string=text, counter_style=CounterStyle())


def _document(template: str, context: dict[str, Any]) -> Any:
    document = html_document(render_to_string(template, context))
    own = type(document)._ua_stylesheets  # WeasyPrint's (not public) hook for its user-agent stylesheets
    sheet = ua_stylesheet()
    document._ua_stylesheets = lambda forms=False: own(document, forms) if forms else [sheet]
    return document


def state_hash(evaluation: Evaluation) -> str:
    """What a contract report depends on: when it changes, a non-final report is stale."""
    parts = [
        evaluation.status,
        str(evaluation.score),
        evaluation.grade,
        str(evaluation.adjustment),
        evaluation.inputs_hash,
        evaluation.computed_at.isoformat(),
        evaluation.updated_at.isoformat(),
        # the objections and their rulings are listed in the report
        *(f"{pk}:{status}" for pk, status in evaluation.objections.order_by("pk").values_list("pk", "status")),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def contract_context(evaluation: Evaluation) -> dict[str, Any]:
    data = report_data.contract_report(evaluation)
    for line in data.ledger:
        line.explanation_text = describe(line.explanation)
    for warning in data.warnings:
        warning.reason_text = describe(warning.reason)
    stored = {c.code: c for c in evaluation.components.all()}
    return {
        "report": data,
        "evaluation": evaluation,
        "contract": evaluation.contract,
        "components": [
            (component, stored[component.code])
            for component in components.COMPONENTS
            if component.code in stored and components.shown(component.code, stored[component.code].weight)
        ],
        "explanation": {c["code"]: c for c in evaluation.explanation.get("components", [])},
        "coverage": selectors.coverage_by_component(evaluation.contract_id, Quarter.parse(evaluation.quarter)),
        # each line names its terms version only when the quarter was priced by more than one
        "several_versions": len(
            {line.clause.terms_id for line in data.ledger if line.clause_id}
            | {part.get("terms") for part in (data.settlement.fee_basis if data.settlement else [])}
        )
        > 1,
        "trend_svg": charts.trend(data.trend),
        "institution": default_institution_name(),
    }


def summary_context(quarter: Quarter) -> dict[str, Any]:
    data = report_data.summary(quarter)
    return {
        "summary": data,
        "quarter": quarter,
        "institution": default_institution_name(),
        "distribution_svg": charts.grade_distribution(data.distribution),
        "trend_svg": charts.trend(data.trend),
    }


def _store(report: Report, data: bytes, seconds: float, source: str, frozen: bool) -> Report:
    report.mark_ready(
        f"{report.kind}-{report.quarter}-{report.language}.pdf",
        data,
        source_hash=source,
        frozen=frozen,
        render_seconds=Decimal(str(round(seconds, 3))),
    )
    return report


def _render(
    report: Report, template: str, context: Callable[[], dict[str, Any]], language: str, source: str, frozen: bool
) -> None:
    """Render and store the PDF, or mark the report failed (with the error) and raise."""
    started = time.perf_counter()
    try:
        with translation.override(language):
            data = _document(template, context()).write_pdf(font_config=font_config())
    except Exception as exc:
        report.mark_failed(exc)
        logger.exception("%s report of %s (#%s) failed", report.kind, report.quarter, report.pk)
        raise
    _store(report, data, time.perf_counter() - started, source, frozen=frozen)


def render_contract_report(evaluation_id: int, language: str = "zh-hans", force: bool = False) -> str:
    evaluation = Evaluation.objects.select_related("contract__vendor", "contract__category", "scheme").get(
        pk=evaluation_id
    )
    report, _created = Report.objects.get_or_create(
        kind=Report.Kind.CONTRACT, evaluation=evaluation, language=language, defaults={"quarter": evaluation.quarter}
    )
    source = state_hash(evaluation)
    if report.frozen and report.file:
        return "frozen"  # a final report never changes, whatever asks for it
    if not force and report.status == Report.Status.READY and report.source_hash == source:
        return "up to date"
    _render(
        report,
        "scoring/report_contract.pdf.html",
        lambda: contract_context(evaluation),
        language,
        source,
        frozen=evaluation.is_final,
    )
    return "rendered"


def summary_state(quarter: Quarter) -> str:
    rows = (
        Evaluation.objects.filter(quarter=quarter.key).order_by("pk").values_list("pk", "status", "score", "updated_at")
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def render_summary_report(quarter: Quarter, language: str = "zh-hans", force: bool = False) -> str:
    report, _created = Report.objects.get_or_create(kind=Report.Kind.SUMMARY, quarter=quarter.key, language=language)
    source = summary_state(quarter)
    if not force and report.status == Report.Status.READY and report.source_hash == source:
        return "up to date"
    _render(report, "scoring/report_summary.pdf.html", lambda: summary_context(quarter), language, source, frozen=False)
    return "rendered"


def contract_layout(evaluation: Evaluation, language: str = "zh-hans") -> Any:
    """Lay the report out without writing the PDF (to time layout against the whole render)."""
    with translation.override(language):
        return _document("scoring/report_contract.pdf.html", contract_context(evaluation)).render(
            font_config=font_config()
        )


@transaction.atomic
def request_contract_report(evaluation: Evaluation, language: str = "zh-hans") -> Report:
    """The report as it is now, asking for a (re-)render when it is missing or stale."""
    report, _created = Report.objects.get_or_create(
        kind=Report.Kind.CONTRACT, evaluation=evaluation, language=language, defaults={"quarter": evaluation.quarter}
    )
    stale = report.status != Report.Status.READY or (not report.frozen and report.source_hash != state_hash(evaluation))
    if stale and report.status != Report.Status.FAILED:
        outbox.enqueue(
            "scoring.tasks.render_report_task",
            kwargs={"evaluation_id": evaluation.pk, "language": language},
            dedup_key=f"report:{evaluation.pk}:{language}:{state_hash(evaluation)}",
        )
    return report


@transaction.atomic
def request_summary_report(quarter: Quarter, language: str = "zh-hans") -> Report:
    report, _created = Report.objects.get_or_create(kind=Report.Kind.SUMMARY, quarter=quarter.key, language=language)
    if report.status != Report.Status.READY or report.source_hash != summary_state(quarter):
        outbox.enqueue(
            "scoring.tasks.render_summary_task",
            kwargs={"quarter": quarter.key, "language": language},
            dedup_key=f"summary:{quarter.key}:{language}:{summary_state(quarter)}",
        )
    return report
