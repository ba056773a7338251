"""FilterSets of the inspections app, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inspections import rules
from inspections.models import (
    ChecklistTemplate,
    Complaint,
    ComplaintStatus,
    Inspection,
    RectificationOrder,
    RectificationStatus,
)
from logistics.filtersets import AnyYesNo, FilterSet, QuickSelect, visible_contracts
from logistics.quarters import Quarter


class ChecklistTemplateFilterSet(FilterSet):
    category = django_filters.CharFilter(field_name="category__code")

    class Meta:
        model = ChecklistTemplate
        fields = ["category", "kind", "is_current", "family"]


def _contract_filter() -> django_filters.ModelChoiceFilter:
    """The contract a list is narrowed to, chosen among the contracts the reader may see."""
    return django_filters.ModelChoiceFilter(
        queryset=visible_contracts,
        label=capfirst(Inspection._meta.get_field("contract").verbose_name),
        widget=QuickSelect,
    )


class InspectionFilterSet(FilterSet):
    contract = _contract_filter()
    date_from = django_filters.DateFilter(field_name="inspected_on", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="inspected_on", lookup_expr="lte", label=_("To"))

    class Meta:
        model = Inspection
        fields = ["kind", "contract", "status", "site", "date_from", "date_to"]


class RectificationFilterSet(FilterSet):
    contract = _contract_filter()
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"), widget=AnyYesNo)
    awaiting_verification = django_filters.BooleanFilter(
        method="filter_awaiting", label=_("Awaiting verification"), widget=AnyYesNo
    )

    class Meta:
        model = RectificationOrder
        fields = ["status", "contract", "severity", "source", "site", "overdue", "awaiting_verification"]

    def filter_overdue(self, queryset, name, value):
        late = rules.late_q()
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_awaiting(self, queryset, name, value):
        return queryset.filter(status=RectificationStatus.ANSWERED) if value else queryset


class ComplaintFilterSet(FilterSet):
    """The office's complaint queue (and the complaint API to come). With no status, the complaints still to
    handle (neither closed nor rejected); ``all`` shows every one."""

    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[("all", pgettext_lazy("filter", "All")), *ComplaintStatus.choices],
        empty_label=_("To handle"),
        label=_("Status"),
    )
    category = django_filters.NumberFilter(field_name="category_id")
    site = django_filters.NumberFilter(field_name="site_id")
    contract = django_filters.NumberFilter(field_name="contract_id")
    upheld = django_filters.BooleanFilter(label=_("Upheld"), widget=AnyYesNo)
    quarter = django_filters.CharFilter(method="filter_quarter", label=_("Quarter"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"), widget=AnyYesNo)

    class Meta:
        model = Complaint
        fields = ["status", "category", "site", "contract", "upheld", "quarter", "overdue"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status__in=[ComplaintStatus.CLOSED, ComplaintStatus.REJECTED])
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_quarter(self, queryset, name, value):
        try:
            period = Quarter.parse(value)
        except ValueError:
            return queryset  # a quarter the page did not offer: no filter, as an empty one
        return queryset.filter(created_at__gte=period.start, created_at__lt=period.end)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(rules.complaint_late_q()) if value else queryset.exclude(rules.complaint_late_q())
