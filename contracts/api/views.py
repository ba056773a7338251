from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from contracts import filtersets, services
from contracts.api import serializers
from contracts.models import (
    FROZEN_FIELDS,
    FROZEN_TERMS,
    Clause,
    Contract,
    FormalWarning,
    LedgerLine,
    Settlement,
    TermsVersion,
)
from logistics.api.mixins import ScopedViewSetMixin
from logistics.policy import may


class ContractViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Contract.objects.select_related("vendor", "category").prefetch_related(
        "clauses", "sites", "inspectors", Prefetch("terms_versions", TermsVersion.objects.select_related("amendment"))
    )
    serializer_class = serializers.ContractSerializer
    filterset_class = filtersets.ContractFilterSet
    ordering_fields = ["number", "start_date", "end_date"]

    FROZEN = (*FROZEN_FIELDS, *serializers.TERMS_FIELDS)

    def perform_update(self, serializer):
        contract = serializer.instance
        if contract.terms_frozen and set(serializer.validated_data) & set(self.FROZEN):
            raise ValidationError(FROZEN_TERMS)
        serializer.save()

    def perform_destroy(self, instance):
        if instance.status != "draft":
            raise ValidationError(_("Only a draft contract can be deleted."))
        instance.delete()

    @extend_schema(request=serializers.AmendmentSerializer, responses={201: serializers.AmendmentReadSerializer})
    @action(detail=True, methods=["post"], url_path="amendments")
    def amend(self, request, pk=None):
        """Record a supplementary agreement (the office only); a change to the money makes a terms version."""
        contract = self.get_object()
        if not may(request.user, "contract.amend"):  # the role; the service refuses an ended contract itself
            raise PermissionDenied
        data = serializers.AmendmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            amendment = services.contract_amend(contract=contract, by=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return Response(serializers.AmendmentReadSerializer(amendment).data, status=status.HTTP_201_CREATED)


class ClauseViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Clause.objects.select_related("contract")
    serializer_class = serializers.ClauseSerializer
    filterset_class = filtersets.ClauseFilterSet

    def perform_update(self, serializer):
        if serializer.instance.contract.terms_frozen:
            raise ValidationError(FROZEN_TERMS)
        serializer.save()

    def perform_destroy(self, instance):
        if instance.contract.terms_frozen:
            raise ValidationError(FROZEN_TERMS)
        instance.delete()


class SettlementViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Settlements are written by the quarterly evaluation only; the API reads them."""

    queryset = Settlement.objects.all()
    serializer_class = serializers.SettlementSerializer
    filterset_class = filtersets.SettlementFilterSet
    ordering_fields = ["quarter", "payable"]


class LedgerLineViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = LedgerLine.objects.select_related("clause__terms", "settlement__terms")
    serializer_class = serializers.LedgerLineSerializer
    filterset_class = filtersets.LedgerLineFilterSet


class FormalWarningViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = FormalWarning.objects.all()
    serializer_class = serializers.FormalWarningSerializer
    filterset_class = filtersets.FormalWarningFilterSet
