"""Contract pages: the detail page (every role, within its scope) and the office's amendment form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contracts import clause_kinds, notices, selectors, selectors_staffing, services
from contracts.choices import SettlementStatus
from contracts.evidence import evidence_url
from contracts.explanations import describe, describe_changes, summarize_clause
from contracts.forms import AmendmentForm, ClauseFormSet, RenewalForm, clause_initial
from contracts.models import Contract, FormalNotice, FormalWarning, Instalment, LedgerLine, Settlement, TermsVersion
from logistics.access import is_finance, scoped
from logistics.files import register_download
from logistics.policy import may
from logistics.quarters import today as local_today
from logistics.web import add_errors, register_portal_section, register_vendor_notes, role_required

register_download("notice", FormalNotice, "file")


@role_required("office", "leader", "inspector", "vendor", "finance")
def contract_detail(request: HttpRequest, pk: int, errors: dict[str, Any] | None = None) -> HttpResponse:
    contract = get_object_or_404(
        scoped(request.user, Contract.objects.all())
        .select_related("vendor", "category", "renewal_of", "tender")
        .prefetch_related(
            "sites",
            "renewals",
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
    finance = is_finance(request.user)
    for settlement in settlements:
        for line in settlement.lines.all():
            line.explanation_text = describe(line.explanation)
            # finance reads the money, not the inspections and complaints behind it: the reference without a link
            line.url = None if finance else evidence_url(line.evidence_type, line.evidence_id)
    warnings = list(
        scoped(request.user, FormalWarning.objects.filter(contract=contract)).select_related("issued_by", "notice")
    )
    for warning in warnings:
        warning.reason_text = describe(warning.reason)
    contract_notices = list(
        scoped(request.user, FormalNotice.objects.filter(contract=contract)).select_related("acknowledged_by")
    )
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
    staffing_today = selectors_staffing.contract_compliance(contract, local_today())
    context = {
        "staffing": staffing_today,
        "staffing_totals": selectors_staffing.totals(staffing_today),
        "show_people": not finance,
        "is_contract_vendor": getattr(request.user, "vendor_id", None)
        == contract.vendor_id,  # finance reads the posts and their numbers, not the people
        "contract": contract,
        "in_force": in_force,
        "versions": versions,
        "amendments": amendments,
        "settlements": settlements,
        "warnings": warnings,
        "notices": contract_notices,
        "can_amend": may(request.user, "contract.amend", contract),
        "can_renew": may(request.user, "contract.renew", contract),
        "instalments": list(scoped(request.user, Instalment.objects.filter(contract=contract)).order_by("first_day")),
        "renewals": list(contract.renewals.all()),
        "can_warn": may(request.user, "warning.issue", contract),
        "can_withdraw": may(request.user, "warning.withdraw"),
        "may_acknowledge": may(request.user, "notice.acknowledge", contract_notices[0]) if contract_notices else False,
        "late": set(notices.unacknowledged().filter(contract=contract).values_list("pk", flat=True)),
        "days": settings.NOTICE_ACK_DAYS,
        "today": local_today().isoformat(),
        "post": request.POST,
        "errors": errors or {},
    }
    return render(request, "contracts/contract_detail.html", context)


@role_required("office")
@require_POST
def warning_issue(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(scoped(request.user, Contract.objects.all()), pk=pk)
    if not may(request.user, "warning.issue", contract):
        raise PermissionDenied
    try:
        notices.warning_issue(
            contract=contract,
            breach=request.POST.get("note", ""),
            evidence=request.POST.get("evidence", ""),
            rectify_by=parse_date(request.POST.get("rectify_by", "") or "") or None,
            by=request.user,
        )
    except ValidationError as exc:
        return contract_detail(
            request, pk, errors=exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        )
    messages.success(request, _("The formal warning has been issued; its notice goes to the vendor."))
    return redirect(reverse("contracts:detail", args=[pk]) + "#warnings")


@role_required("office")
@require_POST
def warning_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(scoped(request.user, FormalWarning.objects.all()), pk=pk)
    try:
        notices.warning_withdraw(warning=warning, reason=request.POST.get("reason", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The warning has been withdrawn; it no longer counts."))
    return redirect(reverse("contracts:detail", args=[warning.contract_id]) + "#warnings")


@role_required("office", "leader", "vendor")
def notice_list(request: HttpRequest) -> HttpResponse:
    """Formal notices: the vendor's own (to acknowledge); for the office, every notice, the ones not
    acknowledged after NOTICE_ACK_DAYS days first."""
    rows = scoped(request.user, FormalNotice.objects.all()).select_related("contract__vendor", "acknowledged_by")
    late = set(notices.unacknowledged().filter(pk__in=rows.values("pk")).values_list("pk", flat=True))
    only_late = request.GET.get("late") == "1"
    if only_late:
        rows = rows.filter(pk__in=late)
    listed = list(rows.order_by("-issued_at", "-pk")[:200])
    context = {
        "notices": listed,
        "late": late,
        "only_late": only_late,
        "days": settings.NOTICE_ACK_DAYS,
        "may_acknowledge": may(request.user, "notice.acknowledge"),
    }
    return render(request, "contracts/notice_list.html", context)


@role_required("vendor")
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(scoped(request.user, FormalNotice.objects.all()), pk=pk)
    try:
        notices.notice_acknowledge(notice=notice, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Receipt acknowledged: %(number)s.") % {"number": notice.number})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("contracts:notices")
    return redirect(target)


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
        "payment_dates": list(latest.payment_dates) if latest else [],
        "end_date": contract.end_date,
        "service_standards": contract.service_standards,
    }
    form = AmendmentForm(request.POST or None, initial=initial)
    formset = ClauseFormSet(request.POST or None, initial=clause_initial(clauses), prefix="clauses")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        new_clauses = [f.spec() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            # the form's fields are the agreement's parameters
            services.contract_amend(contract=contract, clauses=new_clauses, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
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


@role_required("office", "leader")
def renewal_list(request: HttpRequest) -> HttpResponse:
    """Contracts ending within 90 days (and those expired lately), with their renewal or the way to make it."""
    today = local_today()
    rows = []
    for contract in selectors.contracts_to_renew(today=today):
        renewals = list(contract.renewals.all())
        rows.append(
            {
                "contract": contract,
                "days_left": (contract.end_date - today).days,
                "renewal": renewals[0] if renewals else None,
                "can_renew": may(request.user, "contract.renew", contract),
            }
        )
    context = {"rows": rows, "horizon": selectors.RENEWAL_HORIZON_DAYS, "today": today}
    return render(request, "contracts/renewal_list.html", context)


@role_required("office")
@require_http_methods(["GET", "POST"])
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """The office renews an expiring contract: a draft of the next one, signed like any new contract."""
    contract = get_object_or_404(Contract.objects.select_related("vendor", "category"), pk=pk)
    existing = contract.renewals.first()
    if existing is not None:
        messages.info(request, _("This contract already has its renewal, %(number)s.") % {"number": existing.number})
        return redirect("contracts:detail", pk=existing.pk)
    last = selectors.terms_in_force(contract, contract.end_date)
    start, end = services.renewal_period(contract)
    initial = {"start_date": start, "end_date": end, "annual_fee": last.annual_fee if last else None}
    form = RenewalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            renewal = services.contract_renew(contract=contract, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The renewal %(number)s has been drafted; check it and sign it like a new contract.")
                % {"number": renewal.number},
            )
            return redirect("contracts:detail", pk=renewal.pk)
    scores = list(
        Settlement.objects.filter(contract=contract, status=SettlementStatus.FINAL)
        .order_by("-quarter")
        .values_list("quarter", "score")[:4]
    )
    context = {"contract": contract, "form": form, "last": last, "scores": scores}
    return render(request, "contracts/contract_renew.html", context)


def _portal_contracts(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    contracts = (
        Contract.objects.filter(vendor=vendor)
        .select_related("category")
        .annotate(warning_count=Count("warnings", filter=Q(warnings__withdrawn_at__isnull=True), distinct=True))
        .order_by("-start_date")
    )
    latest = {}
    final = scoped(request.user, Settlement.objects.filter(contract__vendor=vendor))  # a vendor: final ones only
    for settlement in final.order_by("contract_id", "-quarter"):
        latest.setdefault(settlement.contract_id, settlement)
    from contracts.views_staffing import portal_staffing

    return {
        "template": "contracts/portal_section.html",
        "staffing": portal_staffing(vendor),
        "rows": [(c, latest.get(c.pk)) for c in contracts],
    }


register_portal_section("contracts_section", _portal_contracts)


def _portal_notices(request: HttpRequest, vendor: Any) -> dict[str, Any] | None:
    """The notices the vendor has not acknowledged yet, on top of its page (nothing when there is none)."""
    rows = list(
        scoped(request.user, FormalNotice.objects.filter(contract__vendor=vendor, acknowledged_at__isnull=True))
        .select_related("contract")
        .order_by("-issued_at", "-pk")[:10]
    )
    if not rows:
        return None
    return {"template": "contracts/portal_notices.html", "rows": rows, "may_acknowledge": True}


register_portal_section("notices_section", _portal_notices)


def _renewal_notes(vendor_ids: list[int], category_id: int | None) -> dict[int, list[str]]:
    """ "Preferred for renewal (HT-...)" for each vendor with such a contract (in the category, when one is given)."""
    contracts = Contract.objects.filter(vendor_id__in=vendor_ids, renewal_preferred=True)
    if category_id is not None:
        contracts = contracts.filter(category_id=category_id)
    notes: dict[int, list[str]] = {}
    for vendor_id, number in contracts.order_by("number").values_list("vendor_id", "number"):
        notes.setdefault(vendor_id, []).append(_("Preferred for renewal (%(contract)s)") % {"contract": number})
    return notes


register_vendor_notes(_renewal_notes)
