from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from logistics import filtersets, models, selectors
from logistics.access import scoped
from logistics.api import serializers
from logistics.api.mixins import ScopedViewSetMixin
from logistics.policy import may
from logistics.services import tenders as tender_services


class DepartmentViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = models.Department.objects.all()
    serializer_class = serializers.DepartmentSerializer
    filterset_class = filtersets.DepartmentFilterSet


class ServiceCategoryViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = models.ServiceCategory.objects.all()
    serializer_class = serializers.ServiceCategorySerializer
    filterset_class = filtersets.ServiceCategoryFilterSet


class SiteViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = models.Site.objects.prefetch_related("key_points")
    serializer_class = serializers.SiteSerializer
    filterset_class = filtersets.SiteFilterSet


class KeyPointViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = models.KeyPoint.objects.all()
    serializer_class = serializers.KeyPointSerializer
    filterset_class = filtersets.KeyPointFilterSet


class MeView(APIView):
    """The signed-in user and their roles."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(serializers.MeSerializer(request.user).data)


class VendorViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = models.Vendor.objects.prefetch_related("categories")
    serializer_class = serializers.VendorSerializer
    filterset_class = filtersets.VendorFilterSet
    ordering_fields = ["legal_name", "status", "registered_capital"]

    def get_queryset(self):
        return selectors.vendors_with_flags(super().get_queryset())


class CertificateTypeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = models.CertificateType.objects.prefetch_related("mandatory_for")
    serializer_class = serializers.CertificateTypeSerializer


class CertificateViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = models.Certificate.objects.select_related("type")
    serializer_class = serializers.CertificateSerializer
    filterset_class = filtersets.CertificateFilterSet
    ordering_fields = ["expires_on", "issued_on"]


class ExpiringCertificatesView(APIView):
    """Certificates and staff work certificates expiring within ``days`` (default 30) or expired."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="horizon in days (0-365)")],
        responses=serializers.ExpiringItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        try:
            days = max(0, min(365, int(request.query_params.get("days", 30))))
        except ValueError:
            raise DRFValidationError({"days": [_("A whole number of days.")]}) from None
        # the certificates (and staff certificates) the user may see in their own lists, no more: an inspector sees
        # vendors, not their certificates nor their staff's personal data
        items = selectors.certificates_expiring(within_days=days, visible_to=request.user)
        return Response(serializers.ExpiringItemSerializer(items, many=True).data)


class AdmissionReviewViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = models.AdmissionReview.objects.prefetch_related("checks", "categories")
    serializer_class = serializers.AdmissionReviewSerializer
    filterset_class = filtersets.AdmissionReviewFilterSet


class TenderViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = models.Tender.objects.select_related("category").prefetch_related(
        "criteria", "sites", "required_certificate_types"
    )
    serializer_class = serializers.TenderSerializer
    filterset_class = filtersets.TenderFilterSet
    ordering_fields = ["bid_deadline", "opening_at", "number"]

    def perform_update(self, serializer):
        if serializer.instance.status != "draft":
            raise DRFValidationError(_("A published tender's terms are frozen."))
        serializer.save()

    def perform_destroy(self, instance):
        if instance.status != "draft":
            raise DRFValidationError(_("Only a draft tender can be deleted."))
        instance.delete()


class BidViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bids. Vendor staff submit (or revise) their own bid with POST before the deadline."""

    queryset = models.Bid.objects.select_related("tender", "vendor").prefetch_related("checks")
    serializer_class = serializers.BidSerializer
    filterset_class = filtersets.BidFilterSet
    ordering_fields = ["submitted_at"]

    def perform_create(self, serializer):
        if not may(self.request.user, "bid.submit"):
            raise PermissionDenied(_("Only vendor staff can bid."))
        data = serializer.validated_data
        tender = scoped(self.request.user, models.Tender.objects.all()).filter(pk=data["tender"].pk).first()
        if tender is None:
            raise NotFound()
        try:
            bid = tender_services.bid_submit(
                tender=tender,
                vendor=self.request.user.vendor,
                price=data["price"],
                proposal=data["proposal"],
                past_projects=data.get("past_projects", 0),
                past_projects_description=data.get("past_projects_description", ""),
                by=self.request.user,
            )
        except DjangoValidationError as exc:
            raise DRFValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        serializer.instance = bid
