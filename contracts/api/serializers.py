from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from contracts import clause_kinds, selectors, services
from contracts.explanations import describe, describe_changes, summarize_clause
from contracts.models import (
    FROZEN_TERMS,
    Clause,
    Contract,
    ContractAmendment,
    FormalWarning,
    LedgerLine,
    PaymentCycle,
    Settlement,
    TermsVersion,
)


class ClauseSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Clause
        fields = ["id", "contract", "terms", "kind", *clause_kinds.PARAMETERS, "description", "summary"]
        read_only_fields = ["terms"]

    def get_summary(self, obj: Clause) -> str:
        return summarize_clause(obj)

    def validate(self, attrs: dict) -> dict:
        contract = attrs.get("contract") or getattr(self.instance, "contract", None)
        if contract is not None and contract.terms_frozen:
            raise serializers.ValidationError(FROZEN_TERMS)
        # a partial update keeps the clause's kind and parameters; what is posted replaces them
        names = ("kind", *clause_kinds.PARAMETERS)
        current = {} if self.instance is None else {name: getattr(self.instance, name) for name in names}
        instance = Clause(**{**current, **attrs})
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict)
        return {name: getattr(instance, name) for name in attrs} | {
            name: getattr(instance, name) for name in clause_kinds.PARAMETERS
        }

    def create(self, validated_data: dict) -> Clause:
        terms = TermsVersion.objects.filter(contract=validated_data["contract"], number=1).first()
        if terms is None:
            raise serializers.ValidationError(
                {"contract": _("Enter the contract's annual fee (its terms) before its clauses.")}
            )
        validated_data["terms"] = terms
        return super().create(validated_data)


class TermsVersionSerializer(serializers.ModelSerializer):
    agreement = serializers.SerializerMethodField()

    class Meta:
        model = TermsVersion
        fields = ["id", "number", "effective_from", "annual_fee", "payment_cycle", "payment_dates", "agreement"]
        read_only_fields = fields

    def get_agreement(self, obj: TermsVersion) -> dict[str, Any] | None:
        amendment = obj.amendment
        if amendment is None:
            return None
        return {
            "id": amendment.pk,
            "agreement_number": amendment.agreement_number,
            "approved_by": amendment.approved_by,
            "reason": amendment.reason,
            "changes": amendment.changes,
            "changes_text": describe_changes(amendment.changes),
        }


#: the terms a draft's contract carries on its version 1 (written through ``services.draft_terms_save``)
TERMS_FIELDS = ("annual_fee", "payment_cycle", "payment_dates")


class ContractSerializer(serializers.ModelSerializer):
    """A contract with its terms versions. ``annual_fee`` and ``payment_cycle`` read as the version in force
    today; they are written only on a draft (its version 1): a signed contract changes its terms by a
    supplementary agreement (``POST /api/contracts/{id}/amendments/``)."""

    clauses = ClauseSerializer(many=True, read_only=True)
    terms_versions = TermsVersionSerializer(many=True, read_only=True)
    annual_fee = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    payment_cycle = serializers.ChoiceField(choices=PaymentCycle.choices, required=False)
    payment_dates = serializers.ListField(
        child=serializers.CharField(max_length=5), required=False, help_text="MM-DD, with the cycle 'dates'"
    )

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
            "payment_dates",
            "service_standards",
            "status",
            "ended_on",
            "renewal_of",
            "tender",
            "inspectors",
            "termination_recommended",
            "renewal_preferred",
            "terms_versions",
            "clauses",
        ]
        read_only_fields = ["status", "ended_on", "tender", "termination_recommended", "renewal_preferred"]

    def to_representation(self, instance: Contract) -> dict:
        data = super().to_representation(instance)
        terms = selectors.terms_in_force(instance)
        data["annual_fee"] = None if terms is None else str(terms.annual_fee)
        data["payment_cycle"] = None if terms is None else terms.payment_cycle
        data["payment_dates"] = [] if terms is None else list(terms.payment_dates)
        return data

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and attrs.get("annual_fee") is None:
            raise serializers.ValidationError({"annual_fee": _("Enter the annual fee.")})
        return attrs

    def _save_terms(self, contract: Contract, terms: dict) -> None:
        try:
            services.draft_terms_save(contract=contract, by=self.context["request"].user, **terms)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    @transaction.atomic
    def create(self, validated_data: dict) -> Contract:
        terms = {name: validated_data.pop(name, None) for name in TERMS_FIELDS}
        contract = super().create(validated_data)
        self._save_terms(contract, terms)
        return contract

    @transaction.atomic
    def update(self, instance: Contract, validated_data: dict) -> Contract:
        terms = {name: validated_data.pop(name, None) for name in TERMS_FIELDS}
        contract = super().update(instance, validated_data)
        if not contract.terms_frozen:
            self._save_terms(contract, terms)
        return contract


class AmendmentSerializer(serializers.Serializer):
    """A supplementary agreement: the date it takes effect, why, who approved it, and what changes. ``clauses``,
    when given, is the new version's whole clause set."""

    effective_date = serializers.DateField()
    reason = serializers.CharField(max_length=2000)
    approved_by = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    agreement_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    annual_fee = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    payment_cycle = serializers.ChoiceField(choices=PaymentCycle.choices, required=False)
    payment_dates = serializers.ListField(child=serializers.CharField(max_length=5), required=False)
    end_date = serializers.DateField(required=False)
    service_standards = serializers.CharField(required=False, allow_blank=True)
    clauses = serializers.ListField(child=serializers.DictField(), required=False)


class AmendmentReadSerializer(serializers.ModelSerializer):
    changes_text = serializers.SerializerMethodField()
    terms_version = serializers.SerializerMethodField()

    class Meta:
        model = ContractAmendment
        fields = [
            "id",
            "contract",
            "effective_date",
            "agreement_number",
            "approved_by",
            "reason",
            "changes",
            "changes_text",
            "terms_version",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_changes_text(self, obj: ContractAmendment) -> list[str]:
        return describe_changes(obj.changes)

    def get_terms_version(self, obj: ContractAmendment) -> int | None:
        terms = getattr(obj, "terms", None)
        return None if terms is None else terms.number


class SettlementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Settlement
        fields = [
            "id",
            "contract",
            "quarter",
            "score",
            "grade",
            *Settlement.FIGURES,
            "status",
            "computed_at",
            "finalized_at",
        ]
        read_only_fields = fields


class LedgerLineSerializer(serializers.ModelSerializer):
    explanation_text = serializers.SerializerMethodField()
    terms_version = serializers.SerializerMethodField(help_text="The number of the terms version that priced it.")

    class Meta:
        model = LedgerLine
        fields = [
            "id",
            "settlement",
            "contract",
            "quarter",
            "clause",
            "terms_version",
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

    def get_terms_version(self, obj: LedgerLine) -> int | None:
        terms = obj.terms_version
        return None if terms is None else terms.number


class FormalWarningSerializer(serializers.ModelSerializer):
    reason_text = serializers.SerializerMethodField()

    class Meta:
        model = FormalWarning
        fields = ["id", "contract", "quarter", "clause", "reason", "reason_text", "note", "created_at"]
        read_only_fields = fields

    def get_reason_text(self, obj: FormalWarning) -> str:
        return describe(obj.reason)
