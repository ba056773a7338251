from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logistics.access import bid_is_sealed_for
from logistics.models import (
    AdmissionCheck,
    AdmissionReview,
    Bid,
    BidCheck,
    Certificate,
    CertificateType,
    Department,
    KeyPoint,
    ServiceCategory,
    Site,
    Tender,
    TenderCriterion,
    User,
    Vendor,
)
from logistics.reasons import describe_all


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "name_en", "kind", "speciality", "is_active"]


class ServiceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["id", "code", "name", "name_en", "sort_order", "description", "is_active"]


class KeyPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyPoint
        fields = ["id", "site", "code", "name", "name_en", "description", "is_active"]


class SiteSerializer(serializers.ModelSerializer):
    key_points = KeyPointSerializer(many=True, read_only=True)

    class Meta:
        model = Site
        fields = ["id", "code", "name", "name_en", "building", "floor", "area", "is_active", "key_points"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "department", "vendor", "roles"]

    def get_roles(self, obj: User) -> list[str]:
        from logistics.access import roles_of

        return sorted(roles_of(obj))


class VendorSerializer(serializers.ModelSerializer):
    certificate_problem = serializers.BooleanField(read_only=True, default=False)
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=ServiceCategory.objects.all(), required=False
    )

    class Meta:
        model = Vendor
        fields = [
            "id",
            "legal_name",
            "credit_code",
            "legal_representative",
            "registered_capital",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
            "established_on",
            "similar_projects",
            "management_experience_years",
            "categories",
            "status",
            "status_changed_at",
            "certificate_problem",
        ]
        read_only_fields = ["status", "status_changed_at"]


class CertificateSerializer(serializers.ModelSerializer):
    type_code = serializers.CharField(source="type.code", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "vendor", "type", "type_code", "number", "issuer", "issued_on", "expires_on", "download_url"]

    def get_download_url(self, obj: Certificate) -> str | None:
        return reverse("download", args=["certificate", obj.pk]) if obj.scan else None


class CertificateTypeSerializer(serializers.ModelSerializer):
    mandatory_for = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = CertificateType
        fields = ["id", "code", "name", "name_en", "mandatory_for", "is_active"]


class ExpiringItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    pk = serializers.IntegerField()
    vendor_id = serializers.IntegerField()
    vendor_name = serializers.CharField()
    what = serializers.CharField()
    number = serializers.CharField()
    holder = serializers.CharField()
    expires_on = serializers.DateField()
    days_left = serializers.IntegerField()
    expired = serializers.BooleanField()


class AdmissionCheckSerializer(serializers.ModelSerializer):
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = AdmissionCheck
        fields = ["item", "auto_result", "reasons", "office_result", "office_note", "result"]

    def get_reasons(self, obj: AdmissionCheck) -> list[str]:
        return describe_all(obj.auto_reasons)


class AdmissionReviewSerializer(serializers.ModelSerializer):
    checks = AdmissionCheckSerializer(many=True, read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = AdmissionReview
        fields = ["id", "vendor", "categories", "status", "decision", "decision_reason", "decided_at", "checks"]


class TenderCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderCriterion
        fields = ["id", "name", "description", "weight", "sort_order"]


class TenderSerializer(serializers.ModelSerializer):
    criteria = TenderCriterionSerializer(many=True, read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", queryset=ServiceCategory.objects.all())

    class Meta:
        model = Tender
        fields = [
            "id",
            "number",
            "title",
            "category",
            "sites",
            "scope",
            "service_standards",
            "period_start",
            "period_end",
            "budget_ceiling",
            "min_registered_capital",
            "required_certificate_types",
            "min_similar_projects",
            "method",
            "published_at",
            "bid_deadline",
            "opening_at",
            "price_weight",
            "status",
            "failure_reason",
            "awarded_bid",
            "criteria",
        ]
        read_only_fields = ["status", "published_at", "failure_reason", "awarded_bid"]


class BidCheckSerializer(serializers.ModelSerializer):
    """One qualification check of an opened bid: its result, the reasons in the reader's language, any override."""

    name = serializers.CharField(source="get_item_display", read_only=True)
    result = serializers.BooleanField(read_only=True)
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = BidCheck
        fields = ["item", "name", "passed", "result", "reasons", "override_passed", "override_reason"]
        read_only_fields = fields

    def get_reasons(self, obj: BidCheck) -> list[str]:
        return describe_all(obj.reasons)


class BidSerializer(serializers.ModelSerializer):
    """A bid; before the opening time its price and content are null for everyone but the bidder."""

    sealed = serializers.SerializerMethodField()
    qualification = serializers.SerializerMethodField()

    class Meta:
        model = Bid
        fields = [
            "id",
            "tender",
            "vendor",
            "price",
            "proposal",
            "past_projects",
            "past_projects_description",
            "submitted_at",
            "sealed",
            "is_qualified",
            "qualification",
        ]
        read_only_fields = ["vendor", "submitted_at", "is_qualified"]

    SEALED_FIELDS = ("price", "proposal", "past_projects", "past_projects_description", "is_qualified")
    NULL_IN_RESPONSE = SEALED_FIELDS  # the schema says so (logistics/api/schema.py)

    def get_sealed(self, obj: Bid) -> bool:
        return bid_is_sealed_for(self.context["request"].user, obj)

    @extend_schema_field(BidCheckSerializer(many=True))
    def get_qualification(self, obj: Bid) -> list[dict]:
        if self.get_sealed(obj):
            return []
        return BidCheckSerializer(obj.checks.all(), many=True).data

    def to_representation(self, instance: Bid) -> dict:
        data = super().to_representation(instance)
        if data["sealed"]:
            for field in self.SEALED_FIELDS:
                data[field] = None
        return data
