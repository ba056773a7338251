from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Subquery
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

from inspections import filtersets, rules, selectors
from inspections.api import serializers
from inspections.choices import RequestKind
from inspections.models import (
    Callback,
    ChecklistTemplate,
    Complaint,
    Inspection,
    RectificationOrder,
    Round,
    WorkOrder,
    WorkOrderRound,
)
from inspections.models import ComplaintStatus as S
from inspections.services import complaints as complaint_services
from inspections.services import desk as desk_services
from inspections.services import inspections as inspection_services
from inspections.services import rectifications as rectification_services
from logistics.access import is_inspector, is_vendor_user, scoped
from logistics.api.mixins import ScopedViewSetMixin
from logistics.api.parsers import JSONParser
from logistics.api.permissions import ScopedModelPermissions
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


# --- the service desk: complaints, work orders, callbacks -------------------------------------------------
class AllByDefault:
    """The desk's FilterSets (shared with the pages) show the jobs still to handle when no status is asked for;
    an API list, like every other one, answers the user's whole scope unless a filter narrows it: no ``status``
    parameter is ``all``. ``?status=`` (empty) keeps the pages' "to handle"."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and "status" in self.base_filters and "status" not in data:
            data = data.copy()
            data["status"] = "all"
        super().__init__(data, *args, **kwargs)


class ComplaintApiFilterSet(AllByDefault, filtersets.ComplaintFilterSet):
    pass


class WorkOrderApiFilterSet(AllByDefault, filtersets.WorkOrderFilterSet):
    pass


class DeskReaders(ScopedModelPermissions):
    """The model permissions (the office; leaders read), and the roles the view names in ``scope_readers`` may
    read too: what their scope gives them (``inspections.access``: a vendor the work orders its contracts held,
    an inspector every work order and callback, as the desk's pages show them). Writing is the model
    permission, and each action asks the policy about the role."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS and any(
            reads(request.user) for reads in getattr(view, "scope_readers", ())
        ):
            return True
        return super().has_permission(request, view)


def refuse_unless(user: Any, action: str, message: str) -> None:
    """A role that may never do ``action`` is refused (403) before the object is looked up; the service asks
    again about the object, inside its lock."""
    if not may(user, action):
        raise PermissionDenied(message)


class DeskViewSet(viewsets.ReadOnlyModelViewSet):
    """The shape of the desk's routes: an action asks the policy about the role (403), looks the job up in the
    user's scope (404), runs its service (a refusal is a 400 with its messages) and answers the job as it now
    is (a job the action took out of the user's scope, a complaint declined back to the office, is still
    answered this once)."""

    def _annotated(self, queryset: Any) -> Any:
        return queryset

    def _body(self, serializer_class: Any) -> dict[str, Any]:
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _act(self, fn: Any) -> Response:
        job = self.get_object()
        try:
            job = fn(job)
        except DjangoValidationError as exc:
            raise ValidationError(errors_of(exc))
        return self._answer(job)

    def _answer(self, job: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = self._annotated(type(job)._default_manager.all()).get(pk=job.pk)
        return Response(self.serializer_class(fresh, context=self.get_serializer_context()).data, status=code)


WITH_PHOTOS = [MultiPartParser, FormParser, JSONParser]


class ComplaintViewSet(DeskViewSet):
    """Complaints, suggestions and praise. The office sees every one, with the caller's contact and tracking
    code; leaders and inspectors read them without; vendor staff the ones dispatched to their contracts. No
    ``status``: every one; ``status=`` (empty): those still to handle. As every API list, the whole scope: for
    the office and leaders the posts the bot filter held too (``quarantined``, reviewed on the held list)."""

    queryset = Complaint.objects.all()
    filterset_class = ComplaintApiFilterSet
    ordering_fields = ["created_at", "response_deadline"]
    serializer_class = serializers.ComplaintSerializer

    def get_queryset(self):
        return self._annotated(scoped(self.request.user, Complaint.objects.all()))

    def _annotated(self, queryset: Any) -> Any:
        return queryset.prefetch_related("photos", "events")

    def _office(self) -> None:
        refuse_unless(self.request.user, "complaint.triage", _("Only the logistics office does this."))

    def _vendor(self) -> None:
        refuse_unless(self.request.user, "complaint.answer", _("Only the service company's staff do this."))

    @extend_schema(request=serializers.ComplaintSerializer, responses=serializers.ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """The office accepts a new complaint for a contract and sends it to the vendor."""
        self._office()
        data = self._body(serializers.ComplaintSerializer)
        return self._act(lambda c: complaint_services.complaint_accept(complaint=c, by=request.user, **data))

    @extend_schema(request=serializers.ComplaintAnswerSerializer, responses=serializers.ComplaintSerializer)
    @action(detail=True, methods=["post"], parser_classes=WITH_PHOTOS, permission_classes=[permissions.IsAuthenticated])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """The vendor says what it did (photos optional, multipart)."""
        self._vendor()
        data = self._body(serializers.ComplaintAnswerSerializer)
        return self._act(
            lambda c: complaint_services.complaint_answer(
                complaint=c, response=data["response"], photos=request.FILES.getlist("photos"), by=request.user
            )
        )

    @extend_schema(request=serializers.RequiredReasonSerializer, responses=serializers.ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """The vendor hands the complaint back to the office with a reason (not its service, not its site)."""
        self._vendor()
        data = self._body(serializers.RequiredReasonSerializer)
        return self._act(
            lambda c: complaint_services.complaint_decline(complaint=c, reason=data["reason"], by=request.user)
        )

    @extend_schema(request=serializers.ComplaintRuleSerializer, responses=serializers.ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def rule(self, request: Request, pk: str | None = None) -> Response:
        """The office's ruling after the investigation: upheld against the vendor or not, with reasons, once."""
        self._office()
        data = self._body(serializers.ComplaintRuleSerializer)
        return self._act(
            lambda c: complaint_services.complaint_rule(
                complaint=c, upheld=data["upheld"], reason=data["reason"], by=request.user
            )
        )

    @extend_schema(request=serializers.ReplySerializer, responses=serializers.ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """The office closes with the reply the employee reads: an answered (and ruled) complaint, or a suggestion
        or praise it answers itself."""
        self._office()
        data = self._body(serializers.ReplySerializer)

        def close(complaint: Complaint) -> Complaint:
            if complaint.kind != RequestKind.COMPLAINT and complaint.status in (S.RECEIVED, S.ACCEPTED):
                return complaint_services.complaint_reply(complaint=complaint, reply=data["reply"], by=request.user)
            return complaint_services.complaint_close(complaint=complaint, reply=data["reply"], by=request.user)

        return self._act(close)

    @extend_schema(request=serializers.ReassignSerializer, responses=serializers.ComplaintSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        """The office sends a dispatched (or declined) complaint to another contract."""
        self._office()
        data = self._body(serializers.ReassignSerializer)
        return self._act(
            lambda c: complaint_services.complaint_reassign(
                complaint=c, contract=data["contract"], reason=data["reason"], by=request.user
            )
        )


class WorkOrderViewSet(DeskViewSet):
    """Repair and service requests (报修) in rounds with their clocks. The office sees every one (with the
    requester's contact and tracking code) and records a caller's request (POST); leaders and inspectors read;
    vendor staff read and work the ones of their contracts. No ``status``: every one; ``status=`` (empty): those
    still to handle."""

    queryset = WorkOrder.objects.all()
    filterset_class = WorkOrderApiFilterSet
    permission_classes = [DeskReaders]
    scope_readers = (is_vendor_user, is_inspector)
    ordering_fields = ["received_at", "completion_due"]
    serializer_class = serializers.WorkOrderSerializer

    def get_queryset(self):
        return self._annotated(scoped(self.request.user, WorkOrder.objects.all()))

    def _annotated(self, queryset: Any) -> Any:
        current = WorkOrderRound.objects.filter(order=OuterRef("pk"), number=OuterRef("rounds"))
        queryset = queryset.annotate(
            completion_due=Subquery(current.values("completion_due")[:1]),
            late=Exists(current.filter(rules.work_order_late_q())),
        )
        return queryset.prefetch_related("round_set", "events", "photos")

    def _office(self) -> None:
        refuse_unless(self.request.user, "desk.dispatch", _("Only the logistics office does this."))

    def _vendor(self) -> None:
        refuse_unless(self.request.user, "desk.work", _("Only the service company's staff do this."))

    @extend_schema(
        request={
            "application/json": serializers.WorkOrderIntakeSerializer,
            "multipart/form-data": serializers.WorkOrderIntakeSerializer,
        },
        responses={201: serializers.WorkOrderSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The office records a caller's repair request (a call, a visit, a letter); the answer has the tracking
        code to send or read out to the caller."""
        refuse_unless(request.user, "desk.intake", _("Only the logistics office records requests for callers."))
        data = self._body(serializers.WorkOrderIntakeSerializer)
        data.pop("photos", None)
        try:
            order = desk_services.desk_intake(
                kind=RequestKind.REPAIR, photos=request.FILES.getlist("photos"), by=request.user, **data
            )
        except DjangoValidationError as exc:
            raise ValidationError(errors_of(exc))
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.WorkOrderDispatchSerializer, responses=serializers.WorkOrderSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="dispatch",
        url_name="dispatch",
        permission_classes=[permissions.IsAuthenticated],
    )
    def dispatch_(self, request: Request, pk: str | None = None) -> Response:
        """The office sends a new or declined work order to a contract's vendor; the round's clocks start."""
        self._office()
        data = self._body(serializers.WorkOrderDispatchSerializer)
        return self._act(
            lambda o: desk_services.work_order_dispatch(
                order=o,
                contract=data["contract"],
                priority=data.get("priority"),
                note=data["note"],
                by=request.user,
            )
        )

    @extend_schema(request=serializers.ReassignSerializer, responses=serializers.WorkOrderSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        """The office gives the job to another contract (a new round)."""
        self._office()
        data = self._body(serializers.ReassignSerializer)
        return self._act(
            lambda o: desk_services.work_order_reassign(
                order=o, contract=data["contract"], reason=data["reason"], by=request.user
            )
        )

    @extend_schema(request=serializers.NoteSerializer, responses=serializers.WorkOrderSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """The office closes a completed job the requester did not confirm."""
        self._office()
        data = self._body(serializers.NoteSerializer)
        return self._act(lambda o: desk_services.work_order_close(order=o, note=data["note"], by=request.user))

    @extend_schema(request=serializers.RequiredReasonSerializer, responses=serializers.WorkOrderSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """The office cancels a job not with a vendor, with the reason the requester reads."""
        self._office()
        data = self._body(serializers.RequiredReasonSerializer)
        return self._act(lambda o: desk_services.work_order_cancel(order=o, reason=data["reason"], by=request.user))

    @extend_schema(request=None, responses=serializers.WorkOrderSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def take(self, request: Request, pk: str | None = None) -> Response:
        """The vendor takes the job (its response)."""
        self._vendor()
        return self._act(lambda o: desk_services.work_order_take(order=o, by=request.user))

    @extend_schema(request=serializers.RequiredReasonSerializer, responses=serializers.WorkOrderSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """The vendor hands the job back to the office with a reason."""
        self._vendor()
        data = self._body(serializers.RequiredReasonSerializer)
        return self._act(lambda o: desk_services.work_order_decline(order=o, reason=data["reason"], by=request.user))

    @extend_schema(request=None, responses=serializers.WorkOrderSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def arrive(self, request: Request, pk: str | None = None) -> Response:
        """The vendor's people are on site."""
        self._vendor()
        return self._act(lambda o: desk_services.work_order_arrive(order=o, by=request.user))

    @extend_schema(request=serializers.WorkOrderCompleteSerializer, responses=serializers.WorkOrderSerializer)
    @action(detail=True, methods=["post"], parser_classes=WITH_PHOTOS, permission_classes=[permissions.IsAuthenticated])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """The vendor reports the job done with its evidence (multipart): what was done, the parts, at least one
        photo of the finished work."""
        self._vendor()
        data = self._body(serializers.WorkOrderCompleteSerializer)
        return self._act(
            lambda o: desk_services.work_order_complete(
                order=o,
                note=data["note"],
                parts=data["parts"],
                photos=request.FILES.getlist("photos"),
                by=request.user,
            )
        )


class CallbackViewSet(DeskViewSet):
    """The office's callbacks (回访) on closed jobs, made or to make; the office, leaders and inspectors read them
    (the office with the caller's name and number; vendor staff never), the office records them."""

    queryset = Callback.objects.all()
    permission_classes = [DeskReaders]
    scope_readers = (is_inspector,)
    filterset_class = filtersets.CallbackFilterSet
    ordering_fields = ["due_on", "done_at"]
    serializer_class = serializers.CallbackSerializer

    def get_queryset(self):
        return self._annotated(scoped(self.request.user, Callback.objects.all()))

    def _annotated(self, queryset: Any) -> Any:
        return queryset.select_related("complaint", "work_order")

    @extend_schema(request=serializers.CallbackSerializer, responses=serializers.CallbackSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """The result of the call: satisfied, not satisfied (the job goes back to the same vendor with the note:
        a redo), or could not be reached."""
        refuse_unless(request.user, "desk.callback", _("Only the logistics office makes callbacks."))
        data = self._body(serializers.CallbackSerializer)
        return self._act(
            lambda c: desk_services.callback_record(
                callback=c, result=data["result"], note=data.get("note", ""), by=request.user
            )
        )
