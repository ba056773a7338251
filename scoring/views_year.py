"""The half-year and annual appraisal pages (年度考评, 半年度考评): the periods and their state, each period's
rankings of contracts and vendors, the office's "compute (again)" and the leaders' PDF (rendered by a task).
The office and leaders read them; only the office computes (``appraisal.compute`` in ``scoring.policy``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from logistics.policy import may
from logistics.quarters import today as local_today
from logistics.web import role_required
from scoring import charts, renderers_year, services_year
from scoring.models import Appraisal
from scoring.report_year import appraisal_report, appraisal_title, period_url

HALVES = (0, 1, 2)  # the whole year, January to June, July to December
LANGUAGE_NAMES = {"zh-hans": gettext_lazy("Chinese"), "en": gettext_lazy("English")}


def _period(year: int, half: int) -> None:
    if half not in HALVES or not 2000 <= year <= 2200:
        raise Http404


def _language(request: HttpRequest) -> str:
    chosen = request.POST.get("language") or translation.get_language()
    return "en" if chosen == "en" else "zh-hans"


@never_cache
@require_http_methods(["GET", "POST"])
@role_required("office", "leader")
def appraisal_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _compute(request)
    stored = {
        (a.year, a.half): a
        for a in Appraisal.objects.select_related("computed_by").annotate(contracts=Count("lines")).order_by()
    }
    this_year = local_today().year
    years = sorted({this_year, this_year - 1} | {year for year, _half in stored}, reverse=True)
    rows = [
        {
            "year": year,
            "half": half,
            "title": appraisal_title(year, half or None),
            "record": stored.get((year, half)),
            "url": period_url(year, half),
        }
        for year in years
        for half in HALVES
    ]
    return render(
        request,
        "scoring/appraisal_list.html",
        {"rows": rows, "may_compute": may(request.user, "appraisal.compute")},
    )


def _compute(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "appraisal.compute"):
        raise PermissionDenied
    try:
        year, half = int(request.POST.get("year", "")), int(request.POST.get("half") or 0)
    except ValueError:
        messages.error(request, _("Choose a year and a period to compute."))
        return redirect("appraisal:list")
    if half not in HALVES:
        messages.error(request, _("Choose a year and a period to compute."))
        return redirect("appraisal:list")
    try:
        record = services_year.appraisal_compute(year=year, half=half or None, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("appraisal:list")
    title = appraisal_title(record.year, record.half or None)
    if record.provisional:
        messages.warning(request, _("%(title)s computed: provisional, some quarters are not final.") % {"title": title})
    else:
        messages.success(request, _("%(title)s computed: every quarter it uses is final.") % {"title": title})
    return redirect(period_url(record.year, record.half))


@never_cache
@role_required("office", "leader")
def appraisal_detail(request: HttpRequest, year: int, half: int = 0) -> HttpResponse:
    _period(year, half)
    record = Appraisal.objects.select_related("computed_by").filter(year=year, half=half).first()
    report = appraisal_report(record) if record is not None else None
    trend_svg = ""
    if report is not None and report.rows:
        trend_svg = charts.for_page(
            charts.trend(report.means, height=220, low=charts.floor_of([m for _q, m in report.means])),
            nonce=request.csp_nonce,
        )
    context = {
        "year": year,
        "half": half,
        "title": appraisal_title(year, half or None),
        "record": record,
        "report": report,
        "trend_svg": trend_svg,
        "may_compute": may(request.user, "appraisal.compute"),
        "languages": list(LANGUAGE_NAMES.items()),
        "language": _language(request),
        "pdf_url": reverse("appraisal:pdf_half", args=[year, half]) if half else reverse("appraisal:pdf", args=[year]),
    }
    return render(request, "scoring/appraisal_detail.html", context)


@require_POST
@role_required("office", "leader")
def appraisal_pdf(request: HttpRequest, year: int, half: int = 0) -> HttpResponse:
    """Ask for the period's PDF (in the language chosen); the document's page shows it being prepared."""
    _period(year, half)
    record = Appraisal.objects.filter(year=year, half=half).first()
    if record is None:
        messages.error(request, _("This period has not been computed yet: there is nothing to print."))
        return redirect(period_url(year, half))
    language = _language(request)
    document = renderers_year.appraisal_pdf_request(record=record, language=language, by=request.user)
    return redirect("inspections:document", pk=document.pk)
