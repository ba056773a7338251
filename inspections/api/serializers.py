from __future__ import annotations

from rest_framework import serializers

from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionPhoto,
    InspectionSignature,
    ItemResult,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
)
from inspections.services.templates import ITEM_FIELDS
from logistics.files import download_url


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
    url = serializers.SerializerMethodField()
    item_code = serializers.CharField(source="item.code", default=None, read_only=True)

    class Meta:
        model = InspectionPhoto
        fields = ["id", "item_code", "client_id", "url", "uploaded_at"]

    def get_url(self, obj: InspectionPhoto) -> str:
        return download_url("inspection-photo", obj)


class SignatureSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = InspectionSignature
        fields = ["id", "item_code", "signer_name", "client_id", "url", "signed_at"]

    def get_url(self, obj: InspectionSignature) -> str:
        return download_url("inspection-signature", obj)


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
    url = serializers.SerializerMethodField()

    class Meta:
        model = RectificationPhoto
        fields = ["id", "stage", "url", "uploaded_at"]

    def get_url(self, obj: RectificationPhoto) -> str:
        return download_url("rectification-photo", obj)


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
