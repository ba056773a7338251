from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
from logistics.models import User
from logistics.policy import may


def errors_of(exc: DjangoValidationError) -> Any:
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}


@contextmanager
def service_errors() -> Iterator[None]:
    """A service's refusal (Django's ValidationError) is answered as a 400 with its messages."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(errors_of(exc))


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
        with service_errors():
            inspection, errors = inspection_services.inspection_sync(user=request.user, data=request.data)
        body = serializers.InspectionListSerializer(inspection).data
        return Response({**body, "errors": errors})


class InspectionSubmitView(TabletView):
    @extend_schema(request=serializers.InspectionPayloadSerializer, responses=serializers.InspectionSerializer)
    def post(self, request: Request) -> Response:
        """Submit; the same key twice gives one inspection (201 the first time, 200 after)."""
        with service_errors():
            inspection, created = inspection_services.inspection_submit(user=request.user, data=request.data)
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


# Base of the tablet's uploads for an item of a draft (multipart, the file in ``image``): the form is checked,
# the service stores the file and the answer is what it stored (201). (A comment, not a docstring: the schema
# describes an upload without its own by TabletView's.)
class TabletUploadView(TabletView):
    parser_classes = [MultiPartParser, FormParser]

    def _upload(self, form: Any, add: Callable[..., Any], answer: Any, *optional: str) -> Response:
        """``optional``: the form's fields passed on as they came ("" when left out)."""
        upload = form(data=self.request.data)
        if not upload.is_valid():
            raise ValidationError(upload.errors)
        data = upload.validated_data
        with service_errors():
            stored = add(
                user=self.request.user,
                key=data["key"],
                item_code=data["item_code"],
                upload=self.request.FILES["image"],
                **{name: data.get(name, "") for name in optional},
            )
        return Response(answer(stored).data, status=status.HTTP_201_CREATED)


class InspectionPhotoView(TabletUploadView):
    @extend_schema(request=serializers.PhotoUploadSerializer, responses=serializers.PhotoSerializer)
    def post(self, request: Request) -> Response:
        return self._upload(
            serializers.PhotoUploadSerializer,
            inspection_services.inspection_photo_add,
            serializers.PhotoSerializer,
            "client_id",
        )


class InspectionSignatureView(TabletUploadView):
    @extend_schema(request=serializers.SignatureUploadSerializer, responses=serializers.SignatureSerializer)
    def post(self, request: Request) -> Response:
        """A signature drawn for a signature item of a draft (a PNG); signing again replaces it."""
        return self._upload(
            serializers.SignatureUploadSerializer,
            inspection_services.inspection_signature_add,
            serializers.SignatureSerializer,
            "signer_name",
            "client_id",
        )


class RectificationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RectificationOrder.objects.prefetch_related("photos", "events")
    serializer_class = serializers.RectificationSerializer
    filterset_class = filtersets.RectificationFilterSet
    ordering_fields = ["deadline", "issued_at"]

    def get_queryset(self):
        return selectors.rectifications_for(self.request.user).prefetch_related("photos", "events")

    def _act(self, fn: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        with service_errors():
            order = fn(order=order, by=self.request.user, **kwargs)
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


def refuse_unless(user: User, action: str, message: str) -> None:
    """A role that may never do ``action`` is refused (403) before the object is looked up; the service asks
    again about the object, inside its lock."""
    if not may(user, action):
        raise PermissionDenied(message)


class DeskViewSet(viewsets.ReadOnlyModelViewSet):
    """The shape of the desk's routes: an action asks the policy about the role (403), looks the job up in the
    user's scope (404), runs its service (a refusal is a 400 with its messages) and answers the job as it now
    is (a job the action took out of the user's scope, a complaint declined back to the office, is still
    answered this once). ``may``: the policy's action that lets each side ("office", "vendor") act on these
    jobs; ``refusals``: what a role it never lets is told."""

    may: ClassVar[dict[str, str]] = {}
    refusals: ClassVar[dict[str, Any]] = {
        "office": gettext_lazy("Only the logistics office does this."),
        "vendor": gettext_lazy("Only the service company's staff do this."),
    }

    def get_queryset(self):
        return self._annotated(scoped(self.request.user, super().get_queryset()))

    def _annotated(self, queryset: Any) -> Any:
        return queryset

    def _refuse_unless(self, side: str) -> None:
        refuse_unless(self.request.user, self.may[side], self.refusals[side])

    def _body(self, serializer_class: Any) -> dict[str, Any]:
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _act(self, fn: Any) -> Response:
        job = self.get_object()
        with service_errors():
            job = fn(job)
        return self._answer(job)

    def _answer(self, job: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = self._annotated(type(job)._default_manager.all()).get(pk=job.pk)
        return Response(self.serializer_class(fresh, context=self.get_serializer_context()).data, status=code)


WITH_PHOTOS = [MultiPartParser, FormParser, JSONParser]


def desk_action(body: Any = None, *, by: str, **route: Any) -> Callable[[Callable], Any]:
    """A desk action's route (a POST on one job, open to any signed-in user; ``route``: the rest of ``@action``'s
    arguments). A role the policy never lets act for ``by`` ("office", "vendor") is refused, ``body`` (a
    serializer; None: no body) validates the request, and the decorated ``act(self, request, job, data)`` runs
    the service and returns the job (``DeskViewSet._act``)."""

    def route_of(act: Callable[..., Any]) -> Any:
        @functools.wraps(act)
        def view(self: DeskViewSet, request: Request, pk: str | None = None) -> Response:
            self._refuse_unless(by)
            data = None if body is None else self._body(body)
            return self._act(lambda job: act(self, request, job, data))

        view = action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated], **route)(view)
        return extend_schema(request=body)(view)

    return route_of


class ComplaintViewSet(DeskViewSet):
    """Complaints, suggestions and praise. The office sees every one, with the caller's contact and tracking
    code; leaders and inspectors read them without; vendor staff the ones dispatched to their contracts. No
    ``status``: every one; ``status=`` (empty): those still to handle. As every API list, the whole scope: for
    the office and leaders the posts the bot filter held too (``quarantined``, reviewed on the held list)."""

    queryset = Complaint.objects.all()
    filterset_class = ComplaintApiFilterSet
    ordering_fields = ["created_at", "response_deadline"]
    serializer_class = serializers.ComplaintSerializer
    may = {"office": "complaint.triage", "vendor": "complaint.answer"}

    def _annotated(self, queryset: Any) -> Any:
        return queryset.prefetch_related("photos", "events")

    @desk_action(serializers.ComplaintSerializer, by="office")
    def accept(self, request: Request, complaint: Complaint, data: dict[str, Any]) -> Complaint:
        """The office accepts a new complaint for a contract and sends it to the vendor."""
        return complaint_services.complaint_accept(complaint=complaint, by=request.user, **data)

    @desk_action(serializers.ComplaintAnswerSerializer, by="vendor", parser_classes=WITH_PHOTOS)
    def answer(self, request: Request, complaint: Complaint, data: dict[str, Any]) -> Complaint:
        """The vendor says what it did (photos optional, multipart)."""
        return complaint_services.complaint_answer(
            complaint=complaint, response=data["response"], photos=request.FILES.getlist("photos"), by=request.user
        )

    @desk_action(serializers.RequiredReasonSerializer, by="vendor")
    def decline(self, request: Request, complaint: Complaint, data: dict[str, Any]) -> Complaint:
        """The vendor hands the complaint back to the office with a reason (not its service, not its site)."""
        return complaint_services.complaint_decline(complaint=complaint, reason=data["reason"], by=request.user)

    @desk_action(serializers.ComplaintRuleSerializer, by="office")
    def rule(self, request: Request, complaint: Complaint, data: dict[str, Any]) -> Complaint:
        """The office's ruling after the investigation: upheld against the vendor or not, with reasons, once."""
        return complaint_services.complaint_rule(
            complaint=complaint, upheld=data["upheld"], reason=data["reason"], by=request.user
        )

    @desk_action(serializers.ReplySerializer, by="office")
    def close(self, request: Request, complaint: Complaint, data: dict[str, Any]) -> Complaint:
        """The office closes with the reply the employee reads: an answered (and ruled) complaint, or a suggestion
        or praise it answers itself."""
        if complaint.kind != RequestKind.COMPLAINT and complaint.status in (S.RECEIVED, S.ACCEPTED):
            return complaint_services.complaint_reply(complaint=complaint, reply=data["reply"], by=request.user)
        return complaint_services.complaint_close(complaint=complaint, reply=data["reply"], by=request.user)

    @desk_action(serializers.ReassignSerializer, by="office")
    def reassign(self, request: Request, complaint: Complaint, data: dict[str, Any]) -> Complaint:
        """The office sends a dispatched (or declined) complaint to another contract."""
        return complaint_services.complaint_reassign(
            complaint=complaint, contract=data["contract"], reason=data["reason"], by=request.user
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
    may = {"office": "desk.dispatch", "vendor": "desk.work"}

    def _annotated(self, queryset: Any) -> Any:
        current = WorkOrderRound.objects.filter(order=OuterRef("pk"), number=OuterRef("rounds"))
        queryset = queryset.annotate(
            completion_due=Subquery(current.values("completion_due")[:1]),
            late=Exists(current.filter(rules.work_order_late_q())),
        )
        return queryset.prefetch_related("round_set", "events", "photos")

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
        with service_errors():
            order = desk_services.desk_intake(
                kind=RequestKind.REPAIR, photos=request.FILES.getlist("photos"), by=request.user, **data
            )
        return self._answer(order, status.HTTP_201_CREATED)

    @desk_action(serializers.WorkOrderDispatchSerializer, by="office", url_path="dispatch", url_name="dispatch")
    def dispatch_(self, request: Request, order: WorkOrder, data: dict[str, Any]) -> WorkOrder:
        """The office sends a new or declined work order to a contract's vendor; the round's clocks start."""
        return desk_services.work_order_dispatch(
            order=order, contract=data["contract"], priority=data.get("priority"), note=data["note"], by=request.user
        )

    @desk_action(serializers.ReassignSerializer, by="office")
    def reassign(self, request: Request, order: WorkOrder, data: dict[str, Any]) -> WorkOrder:
        """The office gives the job to another contract (a new round)."""
        return desk_services.work_order_reassign(
            order=order, contract=data["contract"], reason=data["reason"], by=request.user
        )

    @desk_action(serializers.NoteSerializer, by="office")
    def close(self, request: Request, order: WorkOrder, data: dict[str, Any]) -> WorkOrder:
        """The office closes a completed job the requester did not confirm."""
        return desk_services.work_order_close(order=order, note=data["note"], by=request.user)

    @desk_action(serializers.RequiredReasonSerializer, by="office")
    def cancel(self, request: Request, order: WorkOrder, data: dict[str, Any]) -> WorkOrder:
        """The office cancels a job not with a vendor, with the reason the requester reads."""
        return desk_services.work_order_cancel(order=order, reason=data["reason"], by=request.user)

    @desk_action(by="vendor")
    def take(self, request: Request, order: WorkOrder, data: None) -> WorkOrder:
        """The vendor takes the job (its response)."""
        return desk_services.work_order_take(order=order, by=request.user)

    @desk_action(serializers.RequiredReasonSerializer, by="vendor")
    def decline(self, request: Request, order: WorkOrder, data: dict[str, Any]) -> WorkOrder:
        """The vendor hands the job back to the office with a reason."""
        return desk_services.work_order_decline(order=order, reason=data["reason"], by=request.user)

    @desk_action(by="vendor")
    def arrive(self, request: Request, order: WorkOrder, data: None) -> WorkOrder:
        """The vendor's people are on site."""
        return desk_services.work_order_arrive(order=order, by=request.user)

    @desk_action(serializers.WorkOrderCompleteSerializer, by="vendor", parser_classes=WITH_PHOTOS)
    def complete(self, request: Request, order: WorkOrder, data: dict[str, Any]) -> WorkOrder:
        """The vendor reports the job done with its evidence (multipart): what was done, the parts, at least one
        photo of the finished work."""
        return desk_services.work_order_complete(
            order=order,
            note=data["note"],
            parts=data["parts"],
            photos=request.FILES.getlist("photos"),
            by=request.user,
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
    may = {"office": "desk.callback"}
    refusals = {"office": gettext_lazy("Only the logistics office makes callbacks.")}

    def _annotated(self, queryset: Any) -> Any:
        return queryset.select_related("complaint", "work_order")

    @desk_action(serializers.CallbackSerializer, by="office")
    def record(self, request: Request, callback: Callback, data: dict[str, Any]) -> Callback:
        """The result of the call: satisfied, not satisfied (the job goes back to the same vendor with the note:
        a redo), or could not be reached."""
        return desk_services.callback_record(
            callback=callback, result=data["result"], note=data.get("note", ""), by=request.user
        )
