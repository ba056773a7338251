from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Contract
from inspections.choices import Channel, ComplaintSeverity, WorkOrderPriority
from inspections.models import (
    WITH_VENDOR,
    Callback,
    ChecklistItem,
    ChecklistTemplate,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    Inspection,
    InspectionPhoto,
    InspectionSignature,
    ItemResult,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
    WorkOrderRound,
)
from inspections.services.templates import ITEM_FIELDS
from logistics.access import is_office
from logistics.files import download_url, download_url_for
from logistics.models import KeyPoint, ServiceCategory, Site


@extend_schema_field(OpenApiTypes.STR)
class DownloadUrlField(serializers.Field):
    """The address of the object's file through its permission-checked download ``kind`` (logistics.files)."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return download_url(self.kind, value)


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", *ITEM_FIELDS]


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "family", "version", "is_current", "category", "kind", "name", "name_en", "items"]


class ItemResultSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = ItemResult
        fields = ["id", "item", "code", "result", "points", "awarded", "reading", "note"]


class PhotoSerializer(serializers.ModelSerializer):
    url = DownloadUrlField("inspection-photo")
    item_code = serializers.CharField(source="item.code", default=None, read_only=True)

    class Meta:
        model = InspectionPhoto
        fields = ["id", "item_code", "client_id", "url", "uploaded_at"]


class SignatureSerializer(serializers.ModelSerializer):
    url = DownloadUrlField("inspection-signature")
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = InspectionSignature
        fields = ["id", "item_code", "signer_name", "client_id", "url", "signed_at"]


class InspectionListSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "reference",
            "kind",
            "contract",
            "site",
            "template",
            "status",
            "inspected_on",
            "started_at",
            "submitted_at",
            "score",
            "awarded_points",
            "max_points",
            "amendment_count",
        ]
        read_only_fields = fields


class InspectionSerializer(InspectionListSerializer):
    results = ItemResultSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta(InspectionListSerializer.Meta):
        fields = [
            *InspectionListSerializer.Meta.fields,
            "summary",
            "vendor_representative",
            "key_points",
            "inspectors",
            "results",
            "photos",
            "signatures",
        ]
        read_only_fields = fields


class RectificationPhotoSerializer(serializers.ModelSerializer):
    url = DownloadUrlField("rectification-photo")

    class Meta:
        model = RectificationPhoto
        fields = ["id", "stage", "url", "uploaded_at"]


class RectificationEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationEvent
        fields = ["kind", "note", "at"]


class RectificationSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    photos = RectificationPhotoSerializer(many=True, read_only=True)
    events = RectificationEventSerializer(many=True, read_only=True)

    class Meta:
        model = RectificationOrder
        fields = [
            "id",
            "reference",
            "contract",
            "source",
            "item_result",
            "description",
            "severity",
            "site",
            "issued_at",
            "deadline",
            "status",
            "is_overdue",
            "response",
            "answered_at",
            "verified_at",
            "returned_count",
            "photos",
            "events",
        ]
        read_only_fields = fields


class InspectionPayloadSerializer(serializers.Serializer):
    """What the tablet sends (documented for the schema; the service validates it)."""

    key = serializers.UUIDField()
    kind = serializers.CharField()
    contract = serializers.IntegerField()
    template = serializers.IntegerField(required=False, allow_null=True)
    site = serializers.IntegerField(required=False, allow_null=True)
    key_points = serializers.ListField(child=serializers.IntegerField(), required=False)
    started_at = serializers.DateTimeField(required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    vendor_representative = serializers.CharField(required=False, allow_blank=True)
    departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    results = serializers.DictField(child=serializers.DictField(), required=False)
    rectification_checks = serializers.DictField(child=serializers.DictField(), required=False)


class PhotoUploadSerializer(serializers.Serializer):
    key = serializers.UUIDField()
    item_code = serializers.CharField()
    client_id = serializers.CharField(required=False, allow_blank=True)
    image = serializers.ImageField()


class SignatureUploadSerializer(serializers.Serializer):
    key = serializers.UUIDField()
    item_code = serializers.CharField()
    signer_name = serializers.CharField(required=False, allow_blank=True)
    client_id = serializers.CharField(required=False, allow_blank=True)
    image = serializers.ImageField()


class AnswerSerializer(serializers.Serializer):
    response = serializers.CharField()
    photos = serializers.ListField(child=serializers.ImageField(), required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


# --- the service desk: complaints, work orders, callbacks -------------------------------------------------
# One serializer per model, for its list, its page and its actions' answers (and, for a complaint's acceptance
# and a callback's result, the request): a choice set shown by one schema component gets one enum name. What the
# office alone reads is null for everyone else (``NULL_IN_RESPONSE``): the caller's contact and the tracking code
# (it stays between the caller and the office), and the timeline's internal notes.
CONTACT_FIELDS = ["tracking_code", "name", "phone", "email"]


def _for_the_office(serializer: serializers.Serializer) -> bool:
    request = serializer.context.get("request")
    return request is not None and is_office(request.user)


class OfficeOnlyFields:
    """Blanks ``OFFICE_ONLY`` to null unless the reader is the office (``NULL_IN_RESPONSE``: nullable in the
    response schema)."""

    OFFICE_ONLY: tuple[str, ...] = ()
    NULL_IN_RESPONSE: tuple[str, ...] = ()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not _for_the_office(self):
            for name in self.OFFICE_ONLY:
                if name in data:
                    data[name] = None
        return data


class ComplaintPhotoSerializer(serializers.ModelSerializer):
    url = DownloadUrlField("complaint-photo")

    class Meta:
        model = ComplaintPhoto
        fields = ["id", "stage", "url", "uploaded_at"]


@extend_schema_field({"type": "string", "description": "normal | serious"})
class SeverityField(serializers.ChoiceField):
    """A complaint's severity. Its values are in the description, not an enum: the schema's enum names are one per
    field name unless the settings name each choice set, and "severity" is already the inspections' own choices."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ComplaintSeverity.choices, **kwargs)


class ComplaintEventSerializer(OfficeOnlyFields, serializers.ModelSerializer):
    OFFICE_ONLY = NULL_IN_RESPONSE = ("internal_note",)
    text = serializers.CharField(source="public_text", read_only=True)

    class Meta:
        model = ComplaintEvent
        fields = ["kind", "text", "internal_note", "at"]


class ComplaintSerializer(OfficeOnlyFields, serializers.ModelSerializer):
    """A complaint, a suggestion or praise with its photos and timeline. As a request (``accept``): the
    contract it goes to, its severity and urgency, and a note for the timeline."""

    OFFICE_ONLY = tuple(CONTACT_FIELDS)
    NULL_IN_RESPONSE = (*CONTACT_FIELDS, "contract")  # none before the office accepts it; required to accept
    reference = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)  # "" when none was left (not an address)
    is_overdue = serializers.BooleanField(read_only=True)
    photos = ComplaintPhotoSerializer(many=True, read_only=True)
    events = ComplaintEventSerializer(many=True, read_only=True)
    severity = SeverityField(required=False, default=ComplaintSeverity.NORMAL)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "kind",
            "channel",
            "category",
            "site",
            "key_point",
            "location",
            "description",
            "anonymous",
            *CONTACT_FIELDS,
            "quarantined",
            "status",
            "contract",
            "severity",
            "urgency",
            "note",
            "created_at",
            "accepted_at",
            "dispatched_at",
            "response_deadline",
            "is_overdue",
            "vendor_response",
            "answered_at",
            "upheld",
            "ruled_at",
            "ruling_reason",
            "counts_in",
            "office_reply",
            "closed_at",
            "rating",
            "reopen_count",
            "photos",
            "events",
        ]
        read_only_fields = [name for name in fields if name not in ("contract", "severity", "urgency", "note")]
        extra_kwargs = {"contract": {"required": True, "allow_null": False}}


class WorkOrderRoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkOrderRound
        fields = [
            "number",
            "contract",
            "reason",
            "dispatched_at",
            "response_due",
            "arrival_due",
            "completion_due",
            "accepted_at",
            "arrived_at",
            "completed_at",
            "declined_at",
            "withdrawn_at",
            "completion_note",
            "parts",
            "response_escalated_at",
            "arrival_escalated_at",
            "completion_escalated_at",
        ]
        read_only_fields = fields


class WorkOrderEventSerializer(OfficeOnlyFields, serializers.ModelSerializer):
    OFFICE_ONLY = NULL_IN_RESPONSE = ("internal_note",)
    public_text = serializers.CharField(read_only=True, help_text="What the requester reads, in the reader's language.")

    class Meta:
        model = WorkOrderEvent
        fields = ["kind", "round_number", "public_note", "public_text", "internal_note", "at"]


class WorkOrderPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrderPhoto
        fields = ["id", "stage", "round_number", "url", "uploaded_at"]

    def get_url(self, obj: WorkOrderPhoto) -> str | None:
        """The photo's download address (null while no download is registered for work order photos)."""
        return download_url_for(obj.image)


class WorkOrderSerializer(OfficeOnlyFields, serializers.ModelSerializer):
    """A work order with its rounds (their clocks), timeline and photos; ``completion_due`` and ``is_overdue``
    are of its current round."""

    OFFICE_ONLY = NULL_IN_RESPONSE = tuple(CONTACT_FIELDS)
    reference = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)  # "" when none was left (not an address)
    completion_due = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    is_overdue = serializers.SerializerMethodField()
    rounds = WorkOrderRoundSerializer(source="round_set", many=True, read_only=True)
    events = WorkOrderEventSerializer(many=True, read_only=True)
    photos = WorkOrderPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "reference",
            "channel",
            "received_at",
            "category",
            "site",
            "key_point",
            "location",
            "description",
            "anonymous",
            *CONTACT_FIELDS,
            "priority",
            "status",
            "contract",
            "round",
            "completion_due",
            "is_overdue",
            "declined_reason",
            "confirmed_at",
            "rating",
            "closed_at",
            "cancel_reason",
            "rounds",
            "events",
            "photos",
        ]
        read_only_fields = fields

    round = serializers.IntegerField(source="rounds", read_only=True)

    def get_is_overdue(self, obj: WorkOrder) -> bool:
        return bool(getattr(obj, "late", False)) and obj.status in WITH_VENDOR


class CallbackSerializer(OfficeOnlyFields, serializers.ModelSerializer):
    """A callback on a closed job; the office reads whom to call (nothing for an anonymous caller). As a request
    (``record``): the result and the note."""

    OFFICE_ONLY = NULL_IN_RESPONSE = ("caller_name", "caller_phone")
    job = serializers.SerializerMethodField()
    caller_name = serializers.SerializerMethodField()
    caller_phone = serializers.SerializerMethodField()

    class Meta:
        model = Callback
        fields = [
            "id",
            "job",
            "complaint",
            "work_order",
            "number",
            "contract",
            "created_at",
            "due_on",
            "caller_name",
            "caller_phone",
            "result",
            "note",
            "done_at",
        ]
        read_only_fields = [name for name in fields if name not in ("result", "note")]
        # blank until the call is made; a blank result sent is the service's refusal
        extra_kwargs = {"result": {"required": True}, "note": {"required": False}}

    def get_job(self, obj: Callback) -> str:
        """The job's reference: TS-000012 for a complaint, GD-000012 for a work order."""
        return f"TS-{obj.complaint_id:06d}" if obj.complaint_id else f"GD-{obj.work_order_id:06d}"

    def get_caller_name(self, obj: Callback) -> str | None:
        return obj.job.name

    def get_caller_phone(self, obj: Callback) -> str | None:
        return obj.job.phone


# --- what the desk's other actions take (the services check the rest, with their own messages) --------------
class ComplaintAnswerSerializer(serializers.Serializer):
    response = serializers.CharField(allow_blank=True)
    photos = serializers.ListField(child=serializers.ImageField(), required=False)


class ComplaintRuleSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(allow_blank=True)


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ReassignSerializer(serializers.Serializer):
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all())
    reason = serializers.CharField(allow_blank=True)


class WorkOrderIntakeSerializer(serializers.Serializer):
    """A repair request recorded by the office for a caller (a call, a visit, a letter)."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.PrimaryKeyRelatedField(queryset=ServiceCategory.objects.all())
    description = serializers.CharField(allow_blank=True, max_length=2000)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    key_point = serializers.PrimaryKeyRelatedField(queryset=KeyPoint.objects.all(), required=False, allow_null=True)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=WorkOrderPriority.choices, default=WorkOrderPriority.NORMAL)
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    photos = serializers.ListField(child=serializers.ImageField(), required=False)


class WorkOrderDispatchSerializer(serializers.Serializer):
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all())
    priority = serializers.ChoiceField(choices=WorkOrderPriority.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WorkOrderCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)
    parts = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.ImageField(), required=False)
