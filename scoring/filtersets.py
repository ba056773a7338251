"""FilterSets of the scoring app, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters

from logistics.filtersets import FilterSet
from scoring.models import Evaluation


class EvaluationFilterSet(FilterSet):
    category = django_filters.NumberFilter(field_name="contract__category_id")

    class Meta:
        model = Evaluation
        fields = ["quarter", "contract", "status", "grade", "category"]
