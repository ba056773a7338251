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


def _status_filter(choices: list[tuple[str, str]]) -> django_filters.ChoiceFilter:
    """A queue's status: none chosen, the jobs still to handle; ``all``, every one."""
    return django_filters.ChoiceFilter(
        method="filter_status",
        choices=[("all", pgettext_lazy("filter", "All")), *choices],
        empty_label=_("To handle"),
        label=_("Status"),
    )


class QueueFilterSet(FilterSet):
    """What the complaint queue and the work order queue share. With no status, the jobs still to handle (not in
    ``done_statuses``); a quarter counts the jobs by ``filed_field``; the search finds a code, words, a place or
    a person."""

    done_statuses: tuple[str, ...] = ()
    filed_field = "created_at"

    category = django_filters.NumberFilter(field_name="category_id")
    site = django_filters.NumberFilter(field_name="site_id")
    contract = django_filters.NumberFilter(field_name="contract_id")
    quarter = django_filters.CharFilter(method="filter_quarter", label=_("Quarter"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"), widget=AnyYesNo)
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status__in=self.done_statuses)
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_quarter(self, queryset, name, value):
        try:
            period = Quarter.parse(value)
        except ValueError:
            return queryset  # a quarter the page did not offer: no filter, as an empty one
        return queryset.filter(**{f"{self.filed_field}__gte": period.start, f"{self.filed_field}__lt": period.end})

    def filter_search(self, queryset, name, value):
        return queryset.filter(_search_q(value, people=True)) if value.strip() else queryset


class ComplaintFilterSet(QueueFilterSet):
    """The office's complaint queue (and the complaint API to come); to handle: neither closed nor rejected."""

    done_statuses = (ComplaintStatus.CLOSED, ComplaintStatus.REJECTED)

    status = _status_filter(ComplaintStatus.choices)
    upheld = django_filters.BooleanFilter(label=_("Upheld"), widget=AnyYesNo)
    kind = django_filters.ChoiceFilter(
        choices=[(k.value, k.label) for k in (RequestKind.COMPLAINT, RequestKind.SUGGESTION, RequestKind.PRAISE)],
        label=_("Kind"),
    )

    class Meta:
        model = Complaint
        fields = ["status", "category", "site", "contract", "upheld", "quarter", "overdue", "kind", "channel", "q"]

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


class WorkOrderFilterSet(QueueFilterSet):
    """The desk's work orders, page and API; to handle: neither closed nor cancelled."""

    done_statuses = (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED)
    filed_field = "received_at"

    status = _status_filter(WorkOrderStatus.choices)
    priority = django_filters.ChoiceFilter(choices=WorkOrderPriority.choices, label=_("Priority"))

    class Meta:
        model = WorkOrder
        fields = ["status", "priority", "channel", "category", "site", "contract", "quarter", "overdue", "q"]

    def filter_overdue(self, queryset, name, value):
        late = Exists(
            WorkOrderRound.objects.filter(rules.work_order_late_q(), order=OuterRef("pk"), number=OuterRef("rounds"))
        )
        late_now = Q(late, status__in=WITH_VENDOR)
        return queryset.filter(late_now) if value else queryset.exclude(late_now)


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
