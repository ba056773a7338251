"""Quarterly evaluation pages: the office's overview (with a what-if), the evaluation page, vendors' view."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contracts import selectors as contract_selectors
from contracts.models import Settlement
from inspections.models import Survey
from logistics import outbox
from logistics.access import is_office, scoped
from logistics.models import ServiceCategory
from logistics.policy import may
from logistics.quarters import Quarter
from logistics.quarters import today as local_today
from logistics.web import register_portal_section, role_required
from scoring import components, selectors, services
from scoring.filtersets import EvaluationFilterSet
from scoring.models import Evaluation, EvaluationStatus

SORTS = {"score": "-score", "contract": "contract__number", "grade": "grade"}


def _quarter_or_404(key: str) -> Quarter:
    try:
        return Quarter.parse(key)
    except ValueError:
        raise Http404


@role_required("office", "leader")
def overview_default(request: HttpRequest) -> HttpResponse:
    return redirect("scoring:overview_quarter", quarter=Quarter.last_complete().key)


@role_required("office", "leader")
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest, quarter: str) -> HttpResponse:
    q = _quarter_or_404(quarter)
    if request.method == "POST":
        if not may(request.user, "evaluation.compute_quarter"):
            raise PermissionDenied
        outbox.enqueue("scoring.tasks.compute_quarter_task", kwargs={"quarter": q.key})
        messages.success(request, _("The quarter is being recomputed; reviewed and final evaluations are kept."))
        return redirect("scoring:overview_quarter", quarter=q.key)
    filterset = EvaluationFilterSet(request.GET, queryset=Evaluation.objects.all())
    rows = selectors.quarter_overview(q, evaluations=filterset.qs if request.GET else None)
    sort = request.GET.get("sort", "score")
    if sort == "change":
        rows.sort(key=lambda r: (r["change"] is None, r["change"] or 0))
    elif sort in SORTS:
        field = SORTS[sort].lstrip("-")
        rows.sort(key=lambda r: _sort_value(r["evaluation"], field), reverse=SORTS[sort].startswith("-"))
    what_if, weights, weight_errors = None, {}, ""
    if request.GET.get("what_if"):
        try:
            weights = {c.code: Decimal(request.GET.get(f"w_{c.code}", "0") or "0") for c in components.COMPONENTS}
            what_if = services.what_if(quarter=q, weights=weights)
        except (InvalidOperation, ValidationError) as exc:
            weight_errors = " ".join(getattr(exc, "messages", [_("Enter the weights as numbers.")]))
    default = selectors.current_schemes().default
    context = {
        "quarter": q,
        "rows": rows,
        "sort": sort,
        "params": request.GET,
        "quarters": [x.key for x in Quarter.current().back(8)][::-1],
        "categories": ServiceCategory.objects.all(),
        "grades": [b["grade"] for b in default.bands],
        "statuses": EvaluationStatus.choices,
        "weight_fields": [(c.code, c.display()) for c in components.COMPONENTS],
        "column_components": [c for c in components.COMPONENTS if not c.evidence_only],
        "weights": weights or default.weights,
        "what_if": what_if,
        "weight_errors": weight_errors,
        "is_office": is_office(request.user),
    }
    return render(request, "scoring/overview.html", context)


def _sort_value(evaluation: Evaluation, field: str) -> Any:
    value = evaluation
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def drill_down(evaluation: Evaluation) -> dict[str, str]:
    """Where each component's evidence is: the inspections, complaints or survey answers behind it."""
    q = Quarter.parse(evaluation.quarter)
    base = {
        "contract": evaluation.contract_id,
        "date_from": q.first_day.isoformat(),
        "date_to": q.last_day.isoformat(),
        "status": "submitted",
    }
    links = {
        c.code: reverse("inspections:list") + "?" + urlencode({**base, "kind": c.inspection_kind})
        for c in components.COMPONENTS
        if c.inspection_kind
    }
    links["C"] = (
        reverse("inspections:complaint_queue")
        + "?"
        + urlencode({"contract": evaluation.contract_id, "upheld": "true", "status": "all", "quarter": q.key})
    )
    survey = Survey.objects.filter(quarter=q.key, contracts=evaluation.contract).first()
    if survey is not None:
        links["S"] = reverse("inspections:survey", args=[survey.pk])
    return links


@role_required("office", "leader", "vendor")
@require_http_methods(["GET", "POST"])
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(
        scoped(request.user, Evaluation.objects.all())
        .select_related("contract__vendor", "contract__category", "scheme", "reviewed_by", "finalized_by")
        .prefetch_related("components", "reopenings__by"),
        pk=pk,
    )
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("review", "finalize", "reopen", "recompute") or not may(
            request.user, f"evaluation.{action}", evaluation
        ):
            raise PermissionDenied
        try:
            if action == "review":
                meeting = parse_date(request.POST.get("meeting_date", "")) or None
                if meeting is None:
                    raise ValidationError({"meeting_date": _("Enter the date of the evaluation meeting.")})
                services.evaluation_review(
                    evaluation=evaluation,
                    meeting_date=meeting,
                    attendees=request.POST.get("attendees", ""),
                    minutes=request.POST.get("minutes", ""),
                    adjustment=request.POST.get("adjustment", "0") or "0",
                    reason=request.POST.get("reason", ""),
                    by=request.user,
                )
                messages.success(request, _("The evaluation meeting has been recorded."))
            elif action == "finalize":
                services.evaluation_finalize(evaluation=evaluation, by=request.user)
                messages.success(request, _("Final: the settlement has been applied and the report is being prepared."))
            elif action == "reopen":
                services.evaluation_reopen(
                    evaluation=evaluation, reason=request.POST.get("reason", ""), by=request.user
                )
                messages.success(request, _("Reopened; the correction is recorded with its reason."))
            elif action == "recompute":
                services.evaluations_compute(
                    quarter=Quarter.parse(evaluation.quarter), contracts=[evaluation.contract], include_reviewed=True
                )
                messages.success(request, _("Recomputed from the current data."))
            return redirect("scoring:evaluation", pk=evaluation.pk)
        except ValidationError as exc:
            errors = exc.messages
    stored = {c.code: c for c in evaluation.components.all()}
    explanation = {c["code"]: c for c in evaluation.explanation.get("components", [])}
    links = (
        drill_down(evaluation)
        if is_office(request.user) or request.user.has_perm("inspections.view_inspection")
        else {}
    )
    rows = []
    for definition in components.COMPONENTS:
        component = stored.get(definition.code)
        if component is None or not components.shown(definition.code, component.weight):
            continue
        rows.append(
            {
                "code": definition.code,
                "label": definition.label,
                "component": component,
                "contribution": explanation.get(definition.code, {}).get("contribution"),
                "link": links.get(definition.code),
            }
        )
    settlement = (
        scoped(request.user, Settlement.objects.filter(contract=evaluation.contract, quarter=evaluation.quarter))
        .select_related("terms")
        .first()
    )
    context = {
        "evaluation": evaluation,
        "rows": rows,
        "errors": errors,
        "is_office": is_office(request.user),
        "settlement": settlement,
        "ledger_by_clause": contract_selectors.ledger_by_clause(settlement) if settlement else [],
        "missing": evaluation.explanation.get("missing", []),
        "today": local_today().isoformat(),
        "post": request.POST,
        "bound": evaluation.scheme.adjustment_bound,
    }
    return render(request, "scoring/evaluation.html", context)


def _portal_evaluations(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    rows = list(scoped(request.user, Evaluation.objects.all()).select_related("contract").order_by("-quarter")[:12])
    return {"template": "scoring/portal_section.html", "evaluations": rows}


register_portal_section("evaluations_section", _portal_evaluations)
