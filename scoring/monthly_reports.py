"""Monthly reports as generated documents (``logistics.documents``): one contract's month and the institution's,
rendered by the quarterly reports' machinery (WeasyPrint, the embedded CJK font, the reports' stylesheet) in a
task after the request's commit.

A document's params: ``{"month": "2026-03", "contract": <id> (the contract report only), "language": "zh-hans"}``.
Only the office and leaders ask for them and download them (a ``Document`` has no scope rule: nobody else sees
one); a vendor reads its quarter once published, not the office's running monthly figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from contracts.models import Contract
from logistics import documents
from logistics.context_processors import default_institution_name
from logistics.files import register_download
from logistics.models import Document
from logistics.quarters import Month
from scoring import monthly
from scoring.reports import _document, font_config

if TYPE_CHECKING:
    from logistics.models import User

CONTRACT = "monthly_contract"
SUMMARY = "monthly_summary"
KINDS = (CONTRACT, SUMMARY)
LANGUAGES = ("zh-hans", "en")


def language_of(document: Document) -> str:
    language = document.params.get("language")
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def contract_context(month: Month, contract_id: int) -> dict[str, Any]:
    facts = monthly.month_facts(month, [contract_id])
    if not facts.rows:
        raise ValueError(f"contract {contract_id} was not in force in {month}")
    return {"facts": facts, "row": facts.rows[0], "month": month, "institution": default_institution_name()}


def summary_context(month: Month) -> dict[str, Any]:
    facts = monthly.month_facts(month)
    return {"facts": facts, "month": month, "institution": default_institution_name()}


def render_monthly_contract(document: Document) -> tuple[str, bytes]:
    month = Month.parse(document.params["month"])
    language = language_of(document)
    with translation.override(language):
        context = contract_context(month, int(document.params["contract"]))
        data = _document("scoring/monthly_contract.pdf.html", context).write_pdf(font_config=font_config())
    return f"{context['row'].contract.number}-{month.key}-{language}.pdf", data


def render_monthly_summary(document: Document) -> tuple[str, bytes]:
    month = Month.parse(document.params["month"])
    language = language_of(document)
    with translation.override(language):
        data = _document("scoring/monthly_summary.pdf.html", summary_context(month)).write_pdf(
            font_config=font_config()
        )
    return f"monthly-summary-{month.key}-{language}.pdf", data


def downloadable(user: User, document: Document) -> bool:
    """A ready monthly report, for whoever sees documents at all (the office and leaders: ``scoped``)."""
    return document.kind in KINDS and document.status == Document.Status.READY


def register() -> None:
    documents.register_renderer(CONTRACT, render_monthly_contract)
    documents.register_renderer(SUMMARY, render_monthly_summary)
    register_download("monthly-report", Document, "file", check=downloadable)


def title(month: str, number: str | None) -> str:
    """A monthly report's name in the active language: its month and its contract (or the institution)."""
    if number is None:
        return _("Monthly report of the institution, %(month)s") % {"month": month}
    return _("Monthly report %(month)s, contract %(number)s") % {"month": month, "number": number}


def describe(documents: list[Document]) -> dict[int, str]:
    """Document id -> its name in the reader's language (one query for the contracts' numbers)."""
    ids = {d.params.get("contract") for d in documents if d.params.get("contract")}
    numbers = dict(Contract.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}
    return {
        d.pk: title(
            d.params.get("month", ""), numbers.get(d.params.get("contract"), "—") if d.params.get("contract") else None
        )
        for d in documents
    }


@transaction.atomic
def monthly_report_request(*, month: Month, contract: Contract | None, language: str, by: User) -> Document:
    """Ask for a monthly report; the same request still being prepared is not asked for twice."""
    kind = SUMMARY if contract is None else CONTRACT
    params: dict[str, Any] = {"month": month.key, "language": language}
    if contract is not None:
        params["contract"] = contract.pk
    same = {"params__contract": contract.pk} if contract is not None else {"params__contract__isnull": True}
    pending = (
        Document.objects.select_for_update()
        .filter(kind=kind, status=Document.Status.PENDING, requested_by=by, params__month=month.key, **same)
        .filter(params__language=language)
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        return pending
    with translation.override(language):
        name = title(month.key, contract.number if contract is not None else None)
    return documents.document_request(kind=kind, title=name, params=params, by=by)
