"""Contract pages: the detail page (every role, within its scope) and the office's amendment form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contracts import services
from contracts.evidence import evidence_url
from contracts.explanations import describe, summarize_clause
from contracts.forms import AmendmentForm
from contracts.models import Contract, FormalWarning, LedgerLine, Settlement
from logistics.access import scoped
from logistics.pages.views import register_portal_section, role_required


@role_required("office", "leader", "inspector", "vendor")
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(
        scoped(request.user, Contract.objects.all())
        .select_related("vendor", "category", "renewal_of", "tender")
        .prefetch_related("sites", "clauses", "status_changes", "amendments", "attachments"),
        pk=pk,
    )
    settlements = list(
        scoped(request.user, Settlement.objects.filter(contract=contract)).prefetch_related(
            Prefetch("lines", queryset=LedgerLine.objects.select_related("clause").order_by("kind", "id"))
        )
    )
    for settlement in settlements:
        for line in settlement.lines.all():
            line.explanation_text = describe(line.explanation)
            line.url = evidence_url(line.evidence_type, line.evidence_id)
    warnings = list(scoped(request.user, FormalWarning.objects.filter(contract=contract)))
    for warning in warnings:
        warning.reason_text = describe(warning.reason)
    clauses = [(clause, summarize_clause(clause)) for clause in contract.clauses.all()]
    context = {
        "contract": contract,
        "clauses": clauses,
        "settlements": settlements,
        "warnings": warnings,
        "can_amend": request.user.has_perm("contracts.change_contract") and contract.status in ("active", "suspended"),
    }
    return render(request, "contracts/contract_detail.html", context)


@role_required("office")
@require_http_methods(["GET", "POST"])
def contract_amend(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.select_related("vendor"), pk=pk)
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_amend(
                contract=contract,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
                by=request.user,
            )
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            messages.success(request, _("The amendment has been recorded."))
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, "contracts/contract_amend.html", {"contract": contract, "form": form})


def _portal_contracts(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    contracts = (
        Contract.objects.filter(vendor=vendor)
        .select_related("category")
        .annotate(warning_count=Count("warnings", distinct=True))
        .order_by("-start_date")
    )
    latest = {}
    for settlement in Settlement.objects.filter(contract__vendor=vendor).order_by("contract_id", "-quarter"):
        latest.setdefault(settlement.contract_id, settlement)
    return {
        "template": "contracts/portal_section.html",
        "rows": [(c, latest.get(c.pk)) for c in contracts],
    }


register_portal_section("contracts_section", _portal_contracts)
