from __future__ import annotations

from rest_framework import serializers

from contracts.explanations import describe, summarize_clause
from contracts.models import Clause, Contract, FormalWarning, LedgerLine, Settlement


class ClauseSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Clause
        fields = [
            "id",
            "contract",
            "kind",
            "threshold",
            "percent",
            "amount",
            "amount_minor",
            "amount_major",
            "amount_serious",
            "count",
            "window",
            "description",
            "summary",
        ]

    def get_summary(self, obj: Clause) -> str:
        return summarize_clause(obj)

    def validate(self, attrs: dict) -> dict:
        contract = attrs.get("contract") or getattr(self.instance, "contract", None)
        if contract is not None and contract.terms_frozen:
            raise serializers.ValidationError(self.context["frozen_message"])
        # a partial update keeps the clause's kind and parameters; what is posted replaces them
        current = (
            {}
            if self.instance is None
            else {name: getattr(self.instance, name) for name in ("pk", "contract", "kind", *Clause.ALL_PARAMETERS)}
        )
        instance = Clause(**{**current, **attrs})
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict)
        return {name: getattr(instance, name) for name in attrs} | {
            name: getattr(instance, name) for name in Clause.ALL_PARAMETERS
        }


class ContractSerializer(serializers.ModelSerializer):
    clauses = ClauseSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "vendor",
            "category",
            "sites",
            "start_date",
            "end_date",
            "annual_fee",
            "payment_cycle",
            "service_standards",
            "status",
            "ended_on",
            "renewal_of",
            "tender",
            "inspectors",
            "termination_recommended",
            "renewal_preferred",
            "clauses",
        ]
        read_only_fields = ["status", "ended_on", "tender", "termination_recommended", "renewal_preferred"]


class SettlementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Settlement
        fields = [
            "id",
            "contract",
            "quarter",
            "score",
            "grade",
            "fee",
            "deductions",
            "cap",
            "cap_applied",
            "bonuses",
            "adjustments",
            "payable",
            "status",
            "computed_at",
            "finalized_at",
        ]
        read_only_fields = fields


class LedgerLineSerializer(serializers.ModelSerializer):
    explanation_text = serializers.SerializerMethodField()

    class Meta:
        model = LedgerLine
        fields = [
            "id",
            "settlement",
            "contract",
            "quarter",
            "clause",
            "kind",
            "amount",
            "evidence_type",
            "evidence_id",
            "evidence_ref",
            "explanation",
            "explanation_text",
            "reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_explanation_text(self, obj: LedgerLine) -> str:
        return describe(obj.explanation)


class FormalWarningSerializer(serializers.ModelSerializer):
    reason_text = serializers.SerializerMethodField()

    class Meta:
        model = FormalWarning
        fields = ["id", "contract", "quarter", "clause", "reason", "reason_text", "note", "created_at"]
        read_only_fields = fields

    def get_reason_text(self, obj: FormalWarning) -> str:
        return describe(obj.reason)
