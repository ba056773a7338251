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

from contracts import clause_kinds, selectors, services
from contracts.evidence import evidence_url
from contracts.explanations import describe, describe_changes, summarize_clause
from contracts.forms import AmendmentForm, ClauseFormSet, clause_initial
from contracts.models import Contract, FormalWarning, LedgerLine, Settlement, TermsVersion
from logistics.access import scoped
from logistics.policy import may
from logistics.web import register_portal_section, role_required


@role_required("office", "leader", "inspector", "vendor")
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(
        scoped(request.user, Contract.objects.all())
        .select_related("vendor", "category", "renewal_of", "tender")
        .prefetch_related(
            "sites",
            "status_changes",
            "amendments",
            "attachments",
            Prefetch("terms_versions", TermsVersion.objects.select_related("amendment").prefetch_related("clauses")),
        ),
        pk=pk,
    )
    settlements = list(
        scoped(request.user, Settlement.objects.filter(contract=contract)).prefetch_related(
            Prefetch(
                "lines",
                queryset=LedgerLine.objects.select_related("clause__terms", "settlement__terms").order_by("kind", "id"),
            )
        )
    )
    for settlement in settlements:
        for line in settlement.lines.all():
            line.explanation_text = describe(line.explanation)
            line.url = evidence_url(line.evidence_type, line.evidence_id)
    warnings = list(scoped(request.user, FormalWarning.objects.filter(contract=contract)))
    for warning in warnings:
        warning.reason_text = describe(warning.reason)
    in_force = selectors.terms_in_force(contract)
    versions = [
        {
            "version": version,
            "in_force": version == in_force,
            "clauses": [(clause, summarize_clause(clause)) for clause in clause_kinds.in_order(version.clauses.all())],
            "changes": describe_changes(version.amendment.changes) if version.amendment else [],
        }
        for version in sorted(contract.terms_versions.all(), key=lambda v: v.number, reverse=True)
    ]
    amendments = [(a, describe_changes(a.changes)) for a in contract.amendments.all()]
    context = {
        "contract": contract,
        "in_force": in_force,
        "versions": versions,
        "amendments": amendments,
        "settlements": settlements,
        "warnings": warnings,
        "can_amend": may(request.user, "contract.amend", contract),
    }
    return render(request, "contracts/contract_detail.html", context)


@role_required("office")
@require_http_methods(["GET", "POST"])
def contract_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """A supplementary agreement: the form starts from the terms in force; nothing is saved unless all of it
    is valid, and what was typed stays on the page with the messages."""
    contract = get_object_or_404(Contract.objects.select_related("vendor"), pk=pk)
    latest = contract.terms_versions.order_by("-number").first()
    clauses = clause_kinds.in_order(latest.clauses.all()) if latest else []
    initial = {
        "annual_fee": latest.annual_fee if latest else None,
        "payment_cycle": latest.payment_cycle if latest else "",
        "end_date": contract.end_date,
        "service_standards": contract.service_standards,
    }
    form = AmendmentForm(request.POST or None, initial=initial)
    formset = ClauseFormSet(request.POST or None, initial=clause_initial(clauses), prefix="clauses")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        new_clauses = [f.spec() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            services.contract_amend(
                contract=contract,
                effective_date=data["effective_date"],
                reason=data["reason"],
                approved_by=data["approved_by"],
                agreement_number=data["agreement_number"],
                annual_fee=data["annual_fee"],
                payment_cycle=data["payment_cycle"],
                clauses=new_clauses,
                end_date=data["end_date"],
                service_standards=data["service_standards"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The supplementary agreement has been recorded."))
            return redirect("contracts:detail", pk=contract.pk)
    context = {
        "contract": contract,
        "form": form,
        "formset": formset,
        "latest": latest,
        "clause_parameters": {kind.code: list(kind.parameters) for kind in clause_kinds.all_kinds()},
    }
    return render(request, "contracts/contract_amend.html", context)


def _portal_contracts(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    contracts = (
        Contract.objects.filter(vendor=vendor)
        .select_related("category")
        .annotate(warning_count=Count("warnings", distinct=True))
        .order_by("-start_date")
    )
    latest = {}
    final = scoped(request.user, Settlement.objects.filter(contract__vendor=vendor))  # a vendor: final ones only
    for settlement in final.order_by("contract_id", "-quarter"):
        latest.setdefault(settlement.contract_id, settlement)
    return {
        "template": "contracts/portal_section.html",
        "rows": [(c, latest.get(c.pk)) for c in contracts],
    }


register_portal_section("contracts_section", _portal_contracts)
