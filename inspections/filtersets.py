"""FilterSets of the inspections app, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inspections import rules
from inspections.choices import CallbackResult, Channel, RequestKind, WorkOrderPriority, WorkOrderStatus
from inspections.models import (
    WITH_VENDOR,
    Callback,
    ChecklistTemplate,
    Complaint,
    ComplaintStatus,
    Inspection,
    RectificationOrder,
    RectificationStatus,
    WorkOrder,
    WorkOrderRound,
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
    kind = django_filters.ChoiceFilter(
        choices=[(k.value, k.label) for k in (RequestKind.COMPLAINT, RequestKind.SUGGESTION, RequestKind.PRAISE)],
        label=_("Kind"),
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    class Meta:
        model = Complaint
        fields = ["status", "category", "site", "contract", "upheld", "quarter", "overdue", "kind", "channel", "q"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(_search_q(value, people=True)) if value.strip() else queryset

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


def _search_q(value: str, *, people: bool) -> Q:
    """Search by code (tracking code or reference such as TS-000012 / GD-000012), text, place and person."""
    value = value.strip()[:100]
    found = (
        Q(tracking_code__iexact=value)
        | Q(description__icontains=value)
        | Q(location__icontains=value)
        | Q(site__name__icontains=value)
        | Q(key_point__name__icontains=value)
    )
    digits = value.upper().removeprefix("TS-").removeprefix("GD-")
    if digits.isdigit():
        found |= Q(pk=int(digits))
    if people:
        found |= Q(name__icontains=value) | Q(phone__icontains=value)
    return found


class WorkOrderFilterSet(FilterSet):
    """The desk's work orders, page and API. With no status, the orders still to handle (not closed or
    cancelled); ``all`` shows every one."""

    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[("all", pgettext_lazy("filter", "All")), *WorkOrderStatus.choices],
        empty_label=_("To handle"),
        label=_("Status"),
    )
    priority = django_filters.ChoiceFilter(choices=WorkOrderPriority.choices, label=_("Priority"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    category = django_filters.NumberFilter(field_name="category_id")
    site = django_filters.NumberFilter(field_name="site_id")
    contract = django_filters.NumberFilter(field_name="contract_id")
    quarter = django_filters.CharFilter(method="filter_quarter", label=_("Quarter"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"), widget=AnyYesNo)
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    class Meta:
        model = WorkOrder
        fields = ["status", "priority", "channel", "category", "site", "contract", "quarter", "overdue", "q"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status__in=[WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED])
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_quarter(self, queryset, name, value):
        try:
            period = Quarter.parse(value)
        except ValueError:
            return queryset
        return queryset.filter(received_at__gte=period.start, received_at__lt=period.end)

    def filter_overdue(self, queryset, name, value):
        late = Exists(
            WorkOrderRound.objects.filter(rules.work_order_late_q(), order=OuterRef("pk"), number=OuterRef("rounds"))
        )
        late_now = Q(late, status__in=WITH_VENDOR)
        return queryset.filter(late_now) if value else queryset.exclude(late_now)

    def filter_search(self, queryset, name, value):
        return queryset.filter(_search_q(value, people=True)) if value.strip() else queryset


class CallbackFilterSet(FilterSet):
    """The callbacks to make (default) or made."""

    done = django_filters.BooleanFilter(method="filter_done", label=_("Done"), widget=AnyYesNo)
    result = django_filters.ChoiceFilter(choices=CallbackResult.choices, label=_("Result"))
    contract = django_filters.NumberFilter(field_name="contract_id")
    kind = django_filters.ChoiceFilter(
        method="filter_kind",
        choices=[("complaint", _("Complaints")), ("work_order", _("Work orders"))],
        label=_("Kind"),
    )

    class Meta:
        model = Callback
        fields = ["done", "result", "contract", "kind"]

    def filter_done(self, queryset, name, value):
        return queryset.filter(done_at__isnull=not value)

    def filter_kind(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})
