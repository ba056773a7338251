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
from contracts.models import FormalNotice, Settlement
from inspections.models import Survey
from logistics import outbox
from logistics.access import is_office, scoped
from logistics.files import register_download
from logistics.models import ServiceCategory
from logistics.policy import may
from logistics.quarters import Quarter
from logistics.quarters import today as local_today
from logistics.web import register_portal_section, role_required
from scoring import components, selectors, services, services_objections
from scoring.filtersets import EvaluationFilterSet
from scoring.models import Evaluation, EvaluationStatus, Objection, ObjectionFile

register_download("objection-file", ObjectionFile, "file")

SORTS = {"score": "-score", "contract": "contract__number", "grade": "grade"}


def quarter_or_404(key: str) -> Quarter:
    """The quarter a URL names (``2026Q3``); a malformed one is a page not found."""
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
    q = quarter_or_404(quarter)
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
        "totals": selectors.overview_totals(rows),
        # the columns before the money: rank, contract, score, grade, the components, the change
        "total_colspan": 5 + sum(1 for c in components.COMPONENTS if not c.evidence_only),
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


def _review(request: HttpRequest, evaluation: Evaluation) -> str:
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
    return _("The evaluation meeting has been recorded.")


def _publish(request: HttpRequest, evaluation: Evaluation) -> str:
    again = evaluation.status == EvaluationStatus.PUBLISHED and request.POST.get("again") == "1"
    evaluation = services.evaluation_publish(evaluation=evaluation, by=request.user, again=again)
    return _("Published: the vendor has been told and may object until %(deadline)s.") % {
        "deadline": services.deadline_text(evaluation)
    }


def _finalize(request: HttpRequest, evaluation: Evaluation) -> str:
    services.evaluation_finalize(evaluation=evaluation, by=request.user)
    return _("Final: the settlement has been applied and the report is being prepared.")


def _reopen(request: HttpRequest, evaluation: Evaluation) -> str:
    services.evaluation_reopen(evaluation=evaluation, reason=request.POST.get("reason", ""), by=request.user)
    return _("Reopened; the correction is recorded with its reason.")


def _recompute(request: HttpRequest, evaluation: Evaluation) -> str:
    services.evaluations_compute(
        quarter=Quarter.parse(evaluation.quarter), contracts=[evaluation.contract], include_reviewed=True
    )
    return _("Recomputed from the current data.")


def _accept(request: HttpRequest, evaluation: Evaluation) -> str:
    services.evaluation_accept(evaluation=evaluation, by=request.user)
    return _("You have accepted the result; the office can finalize it once your objections are ruled on.")


def _object(request: HttpRequest, evaluation: Evaluation) -> str:
    services_objections.objection_file(
        evaluation=evaluation,
        target_key=request.POST.get("target", ""),
        reasons=request.POST.get("reasons", ""),
        files=request.FILES.getlist("files"),
        by=request.user,
    )
    return _("Your objection has been filed; the office will rule on it and tell you.")


def _rule(request: HttpRequest, evaluation: Evaluation) -> str:
    objection = get_object_or_404(Objection, pk=request.POST.get("objection") or 0, evaluation=evaluation)
    decision = request.POST.get("decision")
    if decision not in ("upheld", "dismissed"):
        raise ValidationError({"decision": _("Choose whether the objection is upheld or dismissed.")})
    services_objections.objection_rule(
        objection=objection,
        upheld=decision == "upheld",
        ruling=request.POST.get("ruling", ""),
        points=request.POST.get("points") or None,
        by=request.user,
    )
    if decision == "upheld":
        return _("Upheld: the fact has been corrected and the quarter recomputed.")
    return _("Dismissed; the vendor can read your reasons.")


#: the page's actions: the rule asked (``logistics.policy``) and what is done
ACTIONS = {
    "review": ("evaluation.review", _review),
    "publish": ("evaluation.publish", _publish),
    "finalize": ("evaluation.finalize", _finalize),
    "reopen": ("evaluation.reopen", _reopen),
    "recompute": ("evaluation.recompute", _recompute),
    "accept": ("evaluation.accept", _accept),
    "object": ("objection.file", _object),
    "rule": ("objection.rule", _rule),
}


@role_required("office", "leader", "vendor")
@require_http_methods(["GET", "POST"])
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(
        scoped(request.user, Evaluation.objects.all())
        .select_related(
            "contract__vendor", "contract__category", "scheme", "reviewed_by", "finalized_by", "published_by"
        )
        .prefetch_related("components", "reopenings__by"),
        pk=pk,
    )
    errors: list[str] = []
    if request.method == "POST":
        rule, handler = ACTIONS.get(request.POST.get("action", ""), (None, None))
        if rule is None or not may(request.user, rule, evaluation):
            raise PermissionDenied
        try:
            messages.success(request, handler(request, evaluation))
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
    coverage = selectors.coverage_by_component(evaluation.contract_id, Quarter.parse(evaluation.quarter))
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
                "coverage": coverage.get(definition.code),
                "planned": definition.inspection_kind is not None,
            }
        )
    settlement = (
        scoped(request.user, Settlement.objects.filter(contract=evaluation.contract, quarter=evaluation.quarter))
        .select_related("terms")
        .first()
    )
    objections = list(
        scoped(request.user, evaluation.objections.all())
        .select_related("filed_by", "ruled_by")
        .prefetch_related("files")
    )
    for objection in objections:
        objection.correction_text = services_objections.describe_correction(objection.correction)
    objected = {o.target_key for o in objections}
    may_object = may(request.user, "objection.file.now", evaluation)
    context = {
        "evaluation": evaluation,
        "rows": rows,
        "errors": errors,
        "is_office": is_office(request.user),
        "settlement": settlement,
        "ledger_by_clause": contract_selectors.ledger_by_clause(settlement) if settlement else [],
        "missing": evaluation.explanation.get("missing", []),
        "satisfaction": selectors.satisfaction_shown(evaluation),
        "today": local_today().isoformat(),
        "post": request.POST,
        "bound": evaluation.scheme.adjustment_bound,
        "objections": objections,
        "open_objections": [o for o in objections if o.is_open],
        "deadline": services.deadline_text(evaluation),
        "period_open": evaluation.objection_period_open(),
        "may_object": may_object,
        "may_accept": may(request.user, "evaluation.accept", evaluation) and evaluation.objection_period_open(),
        "options": [o for o in selectors.objection_options(evaluation) if o.key not in objected] if may_object else [],
        "blockers": services.finalize_blockers(evaluation) if is_office(request.user) else [],
        "to_come": services.consequences_to_come(evaluation) if not evaluation.is_final else None,
        "quarter_notices": list(
            scoped(
                request.user, FormalNotice.objects.filter(contract=evaluation.contract, quarter=evaluation.quarter)
            ).order_by("kind", "pk")
        ),
    }
    return render(request, "scoring/evaluation.html", context)


def _portal_evaluations(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    rows = list(scoped(request.user, Evaluation.objects.all()).select_related("contract").order_by("-quarter")[:12])
    return {"template": "scoring/portal_section.html", "evaluations": rows}


register_portal_section("evaluations_section", _portal_evaluations)
