"""FilterSets of the contracts app (HTML lists and API)."""

from __future__ import annotations

import django_filters

from contracts.models import Clause, Contract, FormalWarning, LedgerLine, Settlement
from logistics.filtersets import FilterSet


class ContractFilterSet(FilterSet):
    category = django_filters.CharFilter(field_name="category__code")
    ending_before = django_filters.DateFilter(field_name="end_date", lookup_expr="lte")

    class Meta:
        model = Contract
        fields = ["status", "vendor", "category", "termination_recommended", "renewal_preferred", "ending_before"]


class ClauseFilterSet(FilterSet):
    class Meta:
        model = Clause
        fields = ["contract", "kind"]


class SettlementFilterSet(FilterSet):
    class Meta:
        model = Settlement
        fields = ["contract", "quarter", "status"]


class LedgerLineFilterSet(FilterSet):
    class Meta:
        model = LedgerLine
        fields = ["contract", "quarter", "kind", "evidence_type", "settlement"]


class FormalWarningFilterSet(FilterSet):
    class Meta:
        model = FormalWarning
        fields = ["contract", "quarter"]
