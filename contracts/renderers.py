"""The PDFs of the contracts app: its notices (书面警告 to the vendor, the termination recommendation for the office)
and the payment requests (付款审批单); WeasyPrint, the CJK font, the shape of a letter."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from contracts import clause_kinds
from contracts.choices import LedgerKind, NoticeKind, SettlementStatus
from contracts.explanations import describe
from contracts.models import Clause, FormalNotice, FormalWarning, LedgerLine, PaymentRequest, Settlement
from contracts.notices import notice_context, register_notice_renderer
from logistics.context_processors import default_institution_name
from logistics.money_words import yuan_in_words
from logistics.pdf import render_pdf
from logistics.quarters import Quarter, local_date


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


def render_payment_request(request: PaymentRequest) -> bytes:
    """付款审批单: the payee, the period, the amount in figures and in words, how it is made up, the final settlement
    of the quarter(s) it shares in with its ledger summarised by clause, and the approval chain so far."""
    from contracts.services_payments import approval_chain

    instalment = request.instalment
    quarters = instalment.quarters if instalment is not None else []
    settlements = list(
        Settlement.objects.filter(
            contract=request.contract, quarter__in=quarters, status=SettlementStatus.FINAL
        ).order_by("quarter")
    )
    lines = (
        LedgerLine.objects.filter(settlement__in=settlements)
        .values("settlement_id", "kind", "clause__kind")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("settlement_id", "kind", "clause__kind")
    )
    by_settlement: dict[int, list[dict]] = {}
    for row in lines:
        by_settlement.setdefault(row["settlement_id"], []).append(
            {
                "kind": LedgerKind(row["kind"]).label,
                "clause": clause_kinds.label(row["clause__kind"]) if row["clause__kind"] else "—",
                "count": row["count"],
                "total": row["total"],
            }
        )
    for settlement in settlements:
        settlement.summary = by_settlement.get(settlement.pk, [])
    chain = approval_chain(request)
    raised = chain[0]["approval"]  # the office's signature raised it
    return render_pdf(
        "contracts/payment_request.pdf.html",
        {
            "request": request,
            "instalment": instalment,
            "contract": request.contract,
            "vendor": request.contract.vendor,
            "institution": default_institution_name(),
            "requested_on": local_date(raised.at if raised is not None else request.created_at),
            "instalment_cycle": instalment.get_cycle_display() if instalment is not None else "",
            "base": getattr(instalment, "base", None),
            "adjustment": getattr(instalment, "adjustment", None),
            "carries": getattr(instalment, "carries", ""),
            "carried": getattr(instalment, "carried", None),
            "carried_reason": getattr(instalment, "carried_reason", ""),
            "amount_words": yuan_in_words(request.amount),
            "settlements": settlements,
            "chain": chain,
        },
    )


def staffing_sheet(document: Any) -> tuple[str, bytes]:
    """岗位与在岗人员表: a contract's posts (headcount, on duty at once, shift, required certificates), who is on
    each of them on the day asked, whether they hold the certificates, the gaps and the certificates running out;
    in the language of the person who asked."""
    import datetime as dt

    from django.utils.translation import override

    from contracts import selectors_staffing
    from contracts.models import Contract

    contract = Contract.objects.select_related("vendor", "category").get(pk=document.params["contract"])
    day = dt.date.fromisoformat(document.params["day"])
    with override(document.params.get("language") or "zh-hans"):
        posts = selectors_staffing.contract_compliance(contract, day)
        data = render_pdf(
            "contracts/staffing_sheet.pdf.html",
            {
                "contract": contract,
                "day": day,
                "posts": posts,
                "totals": selectors_staffing.totals(posts),
                "people": document.params.get("people", True),
                "institution": default_institution_name(),
            },
        )
    return f"{contract.number}-staffing-{day.isoformat()}.pdf", data


def register() -> None:
    from logistics.documents import register_renderer

    register_renderer("contract_staffing_sheet", staffing_sheet)
    register_notice_renderer(NoticeKind.WARNING, warning_notice)
    register_notice_renderer(NoticeKind.TERMINATION, termination_notice)
