from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inspections import filtersets, selectors
from inspections.api import serializers
from inspections.models import ChecklistTemplate, Inspection, RectificationOrder, Round
from inspections.services import inspections as inspection_services
from inspections.services import rectifications as rectification_services
from logistics.api.mixins import ScopedViewSetMixin
from logistics.api.parsers import JSONParser
from logistics.policy import may


def errors_of(exc: DjangoValidationError) -> Any:
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}


class ChecklistTemplateViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ChecklistTemplate.objects.select_related("category").prefetch_related("items")
    serializer_class = serializers.ChecklistTemplateSerializer
    filterset_class = filtersets.ChecklistTemplateFilterSet


class InspectionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Inspections (read). The tablet writes through ``sync``, ``submit`` and ``photos``."""

    queryset = Inspection.objects.all()
    filterset_class = filtersets.InspectionFilterSet
    ordering_fields = ["inspected_on", "score", "submitted_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            return queryset.prefetch_related(
                "results__item", "photos__item", "signatures__item", "key_points", "inspectors"
            )
        return queryset

    def get_serializer_class(self):
        return serializers.InspectionSerializer if self.action == "retrieve" else serializers.InspectionListSerializer


class TabletView(APIView):
    """Base of the tablet's endpoints: any signed-in user; the service decides what they may inspect."""

    permission_classes = [permissions.IsAuthenticated]


class InspectionSyncView(TabletView):
    @extend_schema(request=serializers.InspectionPayloadSerializer, responses=serializers.InspectionListSerializer)
    def post(self, request: Request) -> Response:
        """Save the draft (created on first sight). Item problems come back in ``errors`` but do not stop it."""
        try:
            inspection, errors = inspection_services.inspection_sync(user=request.user, data=request.data)
        except DjangoValidationError as exc:
            raise ValidationError(errors_of(exc))
        body = serializers.InspectionListSerializer(inspection).data
        return Response({**body, "errors": errors})


class InspectionSubmitView(TabletView):
    @extend_schema(request=serializers.InspectionPayloadSerializer, responses=serializers.InspectionSerializer)
    def post(self, request: Request) -> Response:
        """Submit; the same key twice gives one inspection (201 the first time, 200 after)."""
        try:
            inspection, created = inspection_services.inspection_submit(user=request.user, data=request.data)
        except DjangoValidationError as exc:
            raise ValidationError(errors_of(exc))
        data = serializers.InspectionSerializer(inspection).data
        data["round"] = _round_of(inspection)
        data["rectifications"] = [
            {"ref": order.reference, "deadline": f"{timezone.localtime(order.deadline):%Y-%m-%d %H:%M}"}
            for order in RectificationOrder.objects.filter(item_result__inspection=inspection).order_by("pk")
        ]
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _round_of(inspection: Any) -> dict[str, str] | None:
    """The planned round the inspection did, for the tablet's "submitted" screen (None: unplanned)."""
    row = Round.objects.filter(inspection=inspection).first()
    if row is None:
        return None
    return {"due_on": row.due_on.isoformat(), "status": row.status, "status_label": str(row.get_status_display())}


class InspectionPhotoView(TabletView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=serializers.PhotoUploadSerializer, responses=serializers.PhotoSerializer)
    def post(self, request: Request) -> Response:
        upload = serializers.PhotoUploadSerializer(data=request.data)
        if not upload.is_valid():
            raise ValidationError(upload.errors)
        data = upload.validated_data
        try:
            photo = inspection_services.inspection_photo_add(
                user=request.user,
                key=data["key"],
                item_code=data["item_code"],
                upload=request.FILES["image"],
                client_id=data.get("client_id", ""),
            )
        except DjangoValidationError as exc:
            raise ValidationError(errors_of(exc))
        return Response(serializers.PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class InspectionSignatureView(TabletView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=serializers.SignatureUploadSerializer, responses=serializers.SignatureSerializer)
    def post(self, request: Request) -> Response:
        """A signature drawn for a signature item of a draft (a PNG); signing again replaces it."""
        upload = serializers.SignatureUploadSerializer(data=request.data)
        if not upload.is_valid():
            raise ValidationError(upload.errors)
        data = upload.validated_data
        try:
            signature = inspection_services.inspection_signature_add(
                user=request.user,
                key=data["key"],
                item_code=data["item_code"],
                upload=request.FILES["image"],
                signer_name=data.get("signer_name", ""),
                client_id=data.get("client_id", ""),
            )
        except DjangoValidationError as exc:
            raise ValidationError(errors_of(exc))
        return Response(serializers.SignatureSerializer(signature).data, status=status.HTTP_201_CREATED)


class RectificationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RectificationOrder.objects.prefetch_related("photos", "events")
    serializer_class = serializers.RectificationSerializer
    filterset_class = filtersets.RectificationFilterSet
    ordering_fields = ["deadline", "issued_at"]

    def get_queryset(self):
        return selectors.rectifications_for(self.request.user).prefetch_related("photos", "events")

    def _act(self, fn: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        try:
            order = fn(order=order, by=self.request.user, **kwargs)
        except DjangoValidationError as exc:
            raise ValidationError(errors_of(exc))
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=serializers.AnswerSerializer)
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        permission_classes=[permissions.IsAuthenticated],
    )
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """The vendor answers with what was done and photos."""
        if not may(request.user, "rectification.answer"):  # the role; the service asks about this order
            raise PermissionDenied(_("Only the vendor's staff can answer this order."))
        return self._act(
            rectification_services.rectification_answer,
            response=request.data.get("response", ""),
            photos=request.FILES.getlist("photos"),
        )

    @extend_schema(request=serializers.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        return self._act(rectification_services.rectification_verify, note=request.data.get("reason", ""))

    @extend_schema(request=serializers.ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self._act(rectification_services.rectification_return, reason=request.data.get("reason", ""))
