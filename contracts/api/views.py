from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from contracts import filtersets
from contracts.api import serializers
from contracts.models import Clause, Contract, FormalWarning, LedgerLine, Settlement
from logistics.api.mixins import ScopedViewSetMixin


class ContractViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Contract.objects.select_related("vendor", "category").prefetch_related("clauses", "sites", "inspectors")
    serializer_class = serializers.ContractSerializer
    filterset_class = filtersets.ContractFilterSet
    ordering_fields = ["number", "start_date", "end_date", "annual_fee"]

    FROZEN = (
        "number",
        "vendor",
        "category",
        "sites",
        "start_date",
        "end_date",
        "annual_fee",
        "payment_cycle",
        "service_standards",
        "renewal_of",
    )

    def perform_update(self, serializer):
        contract = serializer.instance
        if contract.terms_frozen and set(serializer.validated_data) & set(self.FROZEN):
            raise ValidationError(_("An active contract's terms are frozen; record an amendment instead."))
        serializer.save()

    def perform_destroy(self, instance):
        if instance.status != "draft":
            raise ValidationError(_("Only a draft contract can be deleted."))
        instance.delete()


class ClauseViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Clause.objects.select_related("contract")
    serializer_class = serializers.ClauseSerializer
    filterset_class = filtersets.ClauseFilterSet

    def get_serializer_context(self) -> dict:
        message = _("An active contract's clauses are frozen; record an amendment instead.")
        return {**super().get_serializer_context(), "frozen_message": message}

    def perform_destroy(self, instance):
        if instance.contract.terms_frozen:
            raise ValidationError(_("An active contract's clauses are frozen; record an amendment instead."))
        instance.delete()


class SettlementViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Settlements are written by the quarterly evaluation only; the API reads them."""

    queryset = Settlement.objects.all()
    serializer_class = serializers.SettlementSerializer
    filterset_class = filtersets.SettlementFilterSet
    ordering_fields = ["quarter", "payable"]


class LedgerLineViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = LedgerLine.objects.all()
    serializer_class = serializers.LedgerLineSerializer
    filterset_class = filtersets.LedgerLineFilterSet


class FormalWarningViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = FormalWarning.objects.all()
    serializer_class = serializers.FormalWarningSerializer
    filterset_class = filtersets.FormalWarningFilterSet
