"""FilterSets of the core app, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.filterset import filterset_factory

from logistics.access import scoped
from logistics.models import (
    AdmissionReview,
    Bid,
    Certificate,
    Department,
    KeyPoint,
    ServiceCategory,
    Site,
    Tender,
    Vendor,
)


class QuickSelect(forms.Select):
    """A select written out in Python rather than through one template include per option: the same HTML, but a
    list of thousands of contracts renders in milliseconds, not a tenth of a second."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = []
        for _group, choices, _index in widget["optgroups"]:
            for option in choices:
                options.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        option["value"],
                        mark_safe(" selected") if option["selected"] else "",
                        option["label"],
                    )
                )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), mark_safe("".join(options))
        )


def visible_contracts(request) -> QuerySet:
    """The contracts a list's "contract" filter offers: those the reader may see (a vendor its own)."""
    from contracts.models import Contract

    user = getattr(request, "user", None)
    if user is None:
        return Contract.objects.none()
    return scoped(user, Contract.objects.only("pk", "number").order_by("number"))


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose model-field labels stay lazy. django-filter works a label out once per filter and keeps
    it; a label worked out on the class's filters (the API schema does) would then stay in the language of
    that request for the process's life (an English "Status" on the Chinese lists). The field's own verbose
    name, lazy, is given instead, so each page says it in its reader's language."""

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        filter_ = super().filter_for_field(field, field_name, lookup_expr)
        if lookup_expr in (None, "exact") and "__" not in field_name and getattr(field, "verbose_name", None):
            filter_.label = capfirst(field.verbose_name)
        if isinstance(filter_, django_filters.ModelChoiceFilter):
            filter_.extra.setdefault("widget", QuickSelect)
        return filter_


class AnyYesNo(forms.Select):
    """A yes/no filter whose empty choice reads "all" (Django's reads "Unknown", 未知, which is not a filter)."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, choices=[("", pgettext_lazy("filter", "All")), ("true", _("Yes")), ("false", _("No"))])

    def value_from_datadict(self, data, files, name):  # "true"/"false" as the API's ?overdue=true
        value = data.get(name)
        return {"true": True, "True": True, "1": True, "false": False, "False": False, "0": False}.get(value)

    def format_value(self, value):
        return {True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")


# the FilterSets that only list model fields, filtered as they are
DepartmentFilterSet = filterset_factory(Department, FilterSet, ["kind", "speciality", "is_active"])
ServiceCategoryFilterSet = filterset_factory(ServiceCategory, FilterSet, ["code", "is_active"])
KeyPointFilterSet = filterset_factory(KeyPoint, FilterSet, ["site", "is_active"])
BidFilterSet = filterset_factory(Bid, FilterSet, ["tender", "vendor"])  # never price: bids are sealed until the opening
AdmissionReviewFilterSet = filterset_factory(AdmissionReview, FilterSet, ["vendor", "status", "decision"])


class SiteFilterSet(FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Site
        fields = ["code", "building", "is_active"]


class VendorFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label="search")
    category = django_filters.CharFilter(field_name="categories__code")

    class Meta:
        model = Vendor
        fields = ["status", "category"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(legal_name__icontains=value) | Q(credit_code__icontains=value))


class CertificateFilterSet(FilterSet):
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte")

    class Meta:
        model = Certificate
        fields = ["vendor", "type", "expires_before"]


class TenderFilterSet(FilterSet):
    category = django_filters.CharFilter(field_name="category__code")

    class Meta:
        model = Tender
        fields = ["status", "method", "category"]
