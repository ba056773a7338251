"""FilterSets of the inspections app, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from inspections.models import ChecklistTemplate, Inspection, RectificationOrder, RectificationStatus
from logistics.filtersets import AnyYesNo, FilterSet


class ChecklistTemplateFilterSet(FilterSet):
    category = django_filters.CharFilter(field_name="category__code")

    class Meta:
        model = ChecklistTemplate
        fields = ["category", "kind", "is_current", "family"]


class InspectionFilterSet(FilterSet):
    date_from = django_filters.DateFilter(field_name="inspected_on", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="inspected_on", lookup_expr="lte", label=_("To"))

    class Meta:
        model = Inspection
        fields = ["kind", "contract", "status", "site", "date_from", "date_to"]


class RectificationFilterSet(FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"), widget=AnyYesNo)
    awaiting_verification = django_filters.BooleanFilter(
        method="filter_awaiting", label=_("Awaiting verification"), widget=AnyYesNo
    )

    class Meta:
        model = RectificationOrder
        fields = ["status", "contract", "severity", "source", "site", "overdue", "awaiting_verification"]

    def filter_overdue(self, queryset, name, value):
        late = Q(status=RectificationStatus.OPEN, deadline__lt=Now()) | Q(
            status=RectificationStatus.ANSWERED, answered_at__gt=F("deadline")
        )
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_awaiting(self, queryset, name, value):
        return queryset.filter(status=RectificationStatus.ANSWERED) if value else queryset
