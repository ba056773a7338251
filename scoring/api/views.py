from __future__ import annotations

from rest_framework import serializers, viewsets

from logistics.api.mixins import ScopedViewSetMixin
from scoring.filtersets import EvaluationFilterSet
from scoring.models import Evaluation, EvaluationComponent, EvaluationScheme, Objection
from scoring.services import SCHEME_FIELDS


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationComponent
        fields = ["code", "value", "n", "weight", "effective_weight"]


class EvaluationSerializer(serializers.ModelSerializer):
    components = ComponentSerializer(many=True, read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    scheme_version = serializers.IntegerField(source="scheme.version", read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "contract",
            "contract_number",
            "quarter",
            "scheme",
            "scheme_version",
            "status",
            "raw_score",
            "adjustment",
            "adjustment_reason",
            "score",
            "grade",
            "components",
            "explanation",
            "computed_at",
            "meeting_date",
            "reviewed_at",
            "published_at",
            "objection_deadline",
            "accepted_at",
            "finalized_at",
            "inputs_hash",
        ]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="evaluation.contract.number", read_only=True)
    quarter = serializers.CharField(source="evaluation.quarter", read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id",
            "evaluation",
            "contract_number",
            "quarter",
            "target",
            "target_key",
            "reference",
            "amount",
            "reasons",
            "filed_at",
            "status",
            "ruling",
            "ruled_at",
            "correction",
        ]
        read_only_fields = fields


class SchemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationScheme
        fields = ["id", "family", "version", "is_current", *SCHEME_FIELDS]
        read_only_fields = fields


class EvaluationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Quarterly evaluations (read). They are computed by the quarterly job and reviewed on their page."""

    queryset = Evaluation.objects.select_related("contract", "scheme").prefetch_related("components")
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet
    ordering_fields = ["quarter", "score"]


class ObjectionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The vendors' objections and the office's rulings (read). Filed and ruled on the evaluation's page."""

    queryset = Objection.objects.select_related("evaluation__contract")
    serializer_class = ObjectionSerializer
    filterset_fields = ["status", "target", "evaluation", "evaluation__quarter"]
    ordering_fields = ["filed_at", "ruled_at"]


class SchemeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = EvaluationScheme.objects.all()
    serializer_class = SchemeSerializer
    filterset_fields = ["family", "is_current", "category"]
