"""The leaders' page: dashboard, report downloads (rendered by tasks), Excel export for the office."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from contracts.models import Settlement
from logistics.access import is_office, is_vendor_user, scoped, sees_everything
from logistics.quarters import Quarter
from logistics.web import role_required
from scoring import charts, report_data, reports
from scoring.exports import quarter_workbook
from scoring.models import Evaluation, Report
from scoring.views import quarter_or_404


def _quarter(request: HttpRequest) -> Quarter:
    try:
        return Quarter.parse(request.GET.get("quarter", ""))
    except ValueError:
        return Quarter.last_complete()


def _language(request: HttpRequest) -> str:
    return "en" if request.GET.get("lang") == "en" or getattr(request, "LANGUAGE_CODE", "") == "en" else "zh-hans"


@role_required("leader", "office", "vendor")
def dashboard(request: HttpRequest) -> HttpResponse:
    quarter = _quarter(request)
    quarters = [q.key for q in Quarter.current().back(8)][::-1]
    if is_vendor_user(request.user) and not sees_everything(request.user):
        evaluations = scoped(request.user, Evaluation.objects.filter(quarter=quarter.key)).select_related("contract")
        return render(
            request,
            "scoring/reports_vendor.html",
            {"quarter": quarter, "quarters": quarters, "evaluations": evaluations},
        )
    data = report_data.summary(quarter)
    context = {
        "quarter": quarter,
        "quarters": quarters,
        "summary": data,
        # inline SVG whose <style> carries the CSP nonce (settings.CONTENT_SECURITY_POLICY)
        "distribution_svg": charts.for_page(charts.grade_distribution(data.distribution), nonce=request.csp_nonce),
        "trend_svg": charts.for_page(charts.trend(data.trend), nonce=request.csp_nonce),
        "is_office": is_office(request.user),
    }
    return render(request, "scoring/reports_dashboard.html", context)


def _report_response(request: HttpRequest, report: Report, filename: str) -> HttpResponse:
    if report.status == Report.Status.READY and report.file:
        response = FileResponse(
            report.file.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "scoring/report_pending.html", {"report": report}, status=202)


@never_cache
@role_required("leader", "office", "vendor")
def contract_report(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(scoped(request.user, Evaluation.objects.all()).select_related("contract"), pk=pk)
    report = reports.request_contract_report(evaluation, _language(request))
    return _report_response(request, report, f"{evaluation.contract.number}-{evaluation.quarter}.pdf")


@never_cache
@role_required("leader", "office")
def summary_report(request: HttpRequest, quarter: str) -> HttpResponse:
    key = quarter_or_404(quarter)
    report = reports.request_summary_report(key, _language(request))
    return _report_response(request, report, f"summary-{key.key}.pdf")


@never_cache
@require_GET
@role_required("leader", "office", "vendor")
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the page while a report is being prepared (no reload needed)."""
    report = get_object_or_404(Report, pk=pk)
    if report.kind == Report.Kind.CONTRACT:
        if not scoped(request.user, Evaluation.objects.filter(pk=report.evaluation_id)).exists():
            raise Http404
    elif not sees_everything(request.user):
        raise Http404
    return JsonResponse(
        {
            "status": report.status,
            "ready": report.status == Report.Status.READY,
            "failed": report.status == Report.Status.FAILED,
        }
    )


@require_POST
@role_required("office")
def retry_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report, pk=pk)
    if report.frozen:  # a final evaluation's report is rendered once and kept as sealed: nothing to retry
        messages.error(request, _("This report is final and frozen; it is not rendered again."))
        if report.kind == Report.Kind.CONTRACT:
            return redirect("scoring:contract_report", pk=report.evaluation_id)
        return redirect("scoring:summary_report", quarter=report.quarter)
    Report.objects.filter(pk=pk).update(status=Report.Status.PENDING, error="")
    if report.kind == Report.Kind.CONTRACT:
        reports.request_contract_report(report.evaluation, report.language)
        return redirect("scoring:contract_report", pk=report.evaluation_id)
    reports.request_summary_report(Quarter.parse(report.quarter), report.language)
    return redirect("scoring:summary_report", quarter=report.quarter)


@role_required("office", "leader")
def export_quarter(request: HttpRequest, quarter: str) -> HttpResponse:
    key = quarter_or_404(quarter)
    evaluations = (
        Evaluation.objects.filter(quarter=key.key)
        .select_related("contract__vendor", "contract__category")
        .prefetch_related("components")
        .order_by("-score")
    )
    settlements = Settlement.objects.filter(quarter=key.key).select_related("contract__vendor", "contract__category")
    data = quarter_workbook(evaluations, settlements)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="evaluations-{key.key}-{stamp}.xlsx"'
    return response
