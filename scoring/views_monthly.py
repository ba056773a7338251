"""The monthly reports' page: the office and leaders pick a month and a contract (or the institution), ask for the
PDF (rendered by a task) and download it when ready. Vendors have no monthly report: they read their quarter once
it is published to them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from contracts.choices import ContractStatus
from contracts.models import Contract
from logistics.access import scoped
from logistics.models import Document
from logistics.quarters import Month
from logistics.web import role_required
from scoring import monthly, monthly_reports

MONTHS_BACK = 24
RECENT = 20
LANGUAGE_NAMES = {"zh-hans": gettext_lazy("Chinese"), "en": gettext_lazy("English")}


def month_choices(current: Month | None = None) -> list[tuple[str, str]]:
    """The running month and the 23 before it, newest first."""
    month = current or Month.current()
    choices = []
    for _i in range(MONTHS_BACK):
        choices.append((month.key, date_format(month.first_day, "YEAR_MONTH_FORMAT")))
        month = month.previous()
    return choices


class MonthlyReportForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("Month"))
    contract = forms.ChoiceField(
        label=gettext_lazy("Report for"),
        required=False,
        help_text=gettext_lazy("The whole institution (every contract in force that month), or one contract."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the PDF"),
        choices=list(LANGUAGE_NAMES.items()),
    )

    def __init__(self, *args: Any, contracts: list[Contract], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contracts = {str(c.pk): c for c in contracts}
        self.fields["month"].choices = month_choices()
        self.fields["contract"].choices = [("", _("The institution (all contracts)"))] + [
            (str(c.pk), f"{c.number} · {c.category} · {c.vendor.legal_name}") for c in contracts
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        month = Month.parse(data["month"])
        contract = self.contracts.get(data.get("contract") or "")
        if contract is not None and not monthly.month_contracts(month, [contract.pk]):
            self.add_error(
                "contract",
                _("Contract %(number)s was not in force in %(month)s.") % {"number": contract.number, "month": month},
            )
        data["month"], data["contract"] = month, contract
        return data


@never_cache
@require_http_methods(["GET", "POST"])
@role_required("office", "leader")
def monthly_page(request: HttpRequest) -> HttpResponse:
    contracts = list(
        Contract.objects.exclude(status=ContractStatus.DRAFT).select_related("vendor", "category").order_by("number")
    )
    language = "en" if translation.get_language() == "en" else "zh-hans"
    form = MonthlyReportForm(
        request.POST or None,
        contracts=contracts,
        initial={"month": Month.last_complete().key, "language": language},
    )
    if request.method == "POST" and form.is_valid():
        document = monthly_reports.monthly_report_request(
            month=form.cleaned_data["month"],
            contract=form.cleaned_data["contract"],
            language=form.cleaned_data["language"],
            by=request.user,
        )
        return redirect("scoring:monthly_report", pk=document.pk)
    recent = list(
        scoped(request.user, Document.objects.filter(kind__in=monthly_reports.KINDS))
        .select_related("requested_by")
        .order_by("-created_at", "-pk")[:RECENT]
    )
    names = monthly_reports.describe(recent)
    rows = [
        {"document": d, "name": names[d.pk], "language": LANGUAGE_NAMES.get(d.params.get("language"), "")}
        for d in recent
    ]
    return render(request, "scoring/monthly_reports.html", {"form": form, "rows": rows})


@never_cache
@role_required("office", "leader")
def monthly_report(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(scoped(request.user, Document.objects.filter(kind__in=monthly_reports.KINDS)), pk=pk)
    context = {
        "document": document,
        "name": monthly_reports.describe([document])[document.pk],
        "language": LANGUAGE_NAMES.get(document.params.get("language"), ""),
    }
    return render(request, "scoring/monthly_report.html", context)
