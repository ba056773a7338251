from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Value
from django.db.models.functions import Now
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics import channels, notify, policy, selectors, web
from logistics.access import bid_is_sealed_for, is_vendor_user
from logistics.admin_base import (
    AttachmentInline,
    DocumentUploadForm,
    ReadOnlyInline,
    ScopedAdmin,
    StatusLabelMixin,
    reason_action,
    service_action,
)
from logistics.models import (
    AdmissionCheck,
    AdmissionReview,
    BadRecord,
    Bid,
    BidAttachment,
    BidCheck,
    CalendarDay,
    Certificate,
    CertificateType,
    Department,
    GroupRobot,
    KeyPoint,
    Notification,
    OutboxMessage,
    ReviewOpinion,
    ServiceCategory,
    Site,
    StaffCertificate,
    Tender,
    TenderAttachment,
    TenderCriterion,
    User,
    Vendor,
    VendorStaff,
    VendorStatus,
    VendorStatusChange,
)
from logistics.reasons import describe_all
from logistics.roles import Role
from logistics.services import admission as admission_services
from logistics.services import tenders as tender_services
from logistics.services import users as user_services
from logistics.services import vendors as vendor_services
from logistics.services.vendors import vendor_change_status

if TYPE_CHECKING:
    from collections.abc import Callable

    from logistics.models import User


# --- Reference data -------------------------------------------------------------------------------------
@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "kind", "speciality", "is_active"]
    list_filter = ["kind", "speciality", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]


class KeyPointInline(admin.TabularInline):
    model = KeyPoint
    extra = 0
    fields = ["code", "name", "name_en", "is_active"]


@admin.register(Site)
class SiteAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "building", "floor", "area", "is_active"]
    list_filter = ["building", "is_active"]
    search_fields = ["code", "name", "name_en", "building"]
    inlines = [KeyPointInline]


@admin.register(KeyPoint)
class KeyPointAdmin(ScopedAdmin):
    list_display = ["code", "name", "site", "is_active"]
    list_filter = ["site", "is_active"]
    list_select_related = ["site"]
    search_fields = ["code", "name", "name_en", "site__name"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    """The official calendar (imported each year by ``manage.py calendar_import YEAR``) and the office's own
    days (a local holiday): a day the office enters is marked as its own and no import overwrites it."""

    list_display = ["date", "kind", "name", "name_en", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name", "name_en"]
    date_hierarchy = "date"
    fields = ["date", "kind", "name", "name_en"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        obj.source = CalendarDay.Source.OFFICE
        super().save_model(request, obj, form, change)


@admin.register(CertificateType)
class CertificateTypeAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "is_active"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["mandatory_for"]


class PersonForm(forms.ModelForm):
    """The office's form for a person of the institution: who they are, their scope and their one role. No
    password (they set their own through a reset link), no privilege, no raw permission."""

    role = forms.ChoiceField(label=gettext_lazy("role"), required=False)

    class Meta:
        model = User
        fields = ["username", "last_name", "first_name", "email", "phone", "department", "vendor", "is_active"]

    def __init__(self, *args: Any, by: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        self.fields["role"].choices = [("", "—"), *((r.value, r.label) for r in policy.grantable_roles(by))]
        if self.instance.pk:
            self.fields["role"].initial = policy.role_of(self.instance)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") == Role.VENDOR and not data.get("vendor"):
            self.add_error("vendor", _("Vendor staff need the vendor whose records they may see."))
        return data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Superusers administer every account as Django does. The office manages the people of its institution
    (``logistics.policy``): superusers are not even listed to it, office accounts are read-only, and its form
    has no password, privilege or permission field; passwords are set by their owners through a reset link."""

    list_display = ["username", "full_name", "role_label", "department", "vendor", "is_active"]
    list_filter = ["groups", "is_active", "department"]
    list_select_related = ["department", "vendor"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (gettext_lazy("Organisation"), {"fields": ("department", "vendor", "phone")}),
    )
    person_fieldsets = (
        (None, {"fields": ("username", "last_name", "first_name", "email", "phone")}),
        (gettext_lazy("Role and scope"), {"fields": ("role", "department", "vendor", "is_active")}),
    )
    actions = ["send_password_reset"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).prefetch_related("groups")
        if policy.may(request.user, "user.grant_privileges"):
            return queryset
        return queryset.filter(is_superuser=False)  # the office does not see superusers at all

    def _manages(self, request: HttpRequest) -> bool:
        """The office's view of the page (a superuser gets Django's own)."""
        return not policy.may(request.user, "user.grant_privileges")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if self._manages(request):
            return self.person_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if not self._manages(request):
            return super().get_form(request, obj, change=change, **kwargs)
        by = request.user

        class Form(PersonForm):
            def __init__(self, *args: Any, **form_kwargs: Any) -> None:
                super().__init__(*args, by=by, **form_kwargs)

        return Form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self._manages(request) and obj is not None and not policy.may(request.user, "user.change", obj):
            return [name for _title, box in self.person_fieldsets for name in box["fields"]]
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not policy.may(request.user, "user.change", obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.may(request.user, "user.delete", obj) and super().has_delete_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        target = self.get_object(request, id)
        if target is None or not policy.may(request.user, "user.set_password", target):
            raise PermissionDenied  # people set their own password, through the reset link the office sends
        return super().user_change_password(request, id, form_url)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if self._manages(request) and not change:
            obj.set_unusable_password()  # its owner sets it through the reset link
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if self._manages(request):
            user_services.user_set_role(user=form.instance, role=form.cleaned_data.get("role", ""), by=request.user)
            if not change and form.instance.email:
                user_services.user_send_password_reset(user=form.instance, by=request.user)

    def response_add(self, request: HttpRequest, obj: User, post_url_continue: Any = None) -> HttpResponse:
        if self._manages(request):  # Django's add view goes on to a password form the office does not get
            self.message_user(
                request,
                _("%(user)s has been created; a link to set the password was sent to %(email)s.")
                % {"user": obj, "email": obj.email}
                if obj.email
                else _("%(user)s has been created; give an email address to send the link to set the password.")
                % {"user": obj},
                messages.SUCCESS,
            )
            return redirect("admin:logistics_user_changelist")
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description=gettext_lazy("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=gettext_lazy("role"))
    def role_label(self, obj: User) -> str:
        names = {group.name for group in obj.groups.all()}
        return next((str(role.label) for role in Role if role.value in names), "—")

    @admin.action(description=gettext_lazy("Send a link to set the password"), permissions=["change"])
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent, refused = 0, []
        for user in queryset:
            try:
                user_services.user_send_password_reset(user=user, by=request.user)
                sent += 1
            except (ValidationError, PermissionDenied) as exc:
                refused.append(f"{user}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if sent:
            self.message_user(request, _("%(count)d link(s) sent.") % {"count": sent}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)


@admin.register(GroupRobot)
class GroupRobotAdmin(admin.ModelAdmin):
    """The group chats' robots: the office's own (no department or vendor), a department's or a vendor's."""

    list_display = ["name", "kind", "audience_label", "is_active", "token_hint"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "vendor__legal_name", "department__name"]
    autocomplete_fields = ["vendor", "department"]
    fields = ["name", "kind", "token", "secret", "department", "vendor", "is_active"]
    actions = ["send_test"]

    @admin.display(description=gettext_lazy("receives the notices of"))
    def audience_label(self, robot: GroupRobot) -> str:
        return robot.audience

    @admin.display(description=gettext_lazy("webhook key"))
    def token_hint(self, robot: GroupRobot) -> str:
        return f"…{robot.token[-4:]}" if len(robot.token) > 4 else "…"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("vendor", "department")

    @admin.action(description=gettext_lazy("Send a test message"))
    def send_test(self, request: HttpRequest, queryset: QuerySet) -> None:
        robots = list(queryset.filter(is_active=True))
        notify.notify(
            robots=robots,
            subject=_("Test message from the logistics supervision system"),
            body=_("If this group sees it, the robot works. Sent by %(name)s.")
            % {"name": request.user.get_full_name() or request.user.username},
        )
        self.message_user(
            request,
            _("%(count)d test message(s) queued; the notices list shows whether each was taken.")
            % {"count": len(robots)},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was sent to whom by which channel, and why a notice was not taken (read only)."""

    list_display = ["subject", "channel", "to_label", "created_at", "sent_at", "error"]
    list_filter = ["channel", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "email", "phone", "recipient__username", "recipient__last_name"]
    list_select_related = ["recipient", "robot"]
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("to"))
    def to_label(self, notice: Notification) -> str:
        if notice.robot_id:
            return str(notice.robot)
        if notice.recipient_id and notice.channel == "inbox":
            return notice.recipient.get_full_name() or notice.recipient.username
        return notice.email or notice.phone

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["task_name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["task_name"]
    readonly_fields = ["task_name", "kwargs", "dedup_key", "created_at", "sent_at", "attempts", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# --- Vendors --------------------------------------------------------------------------------------------
class CertificateForm(DocumentUploadForm):
    class Meta:
        model = Certificate
        fields = ["type", "number", "issuer", "issued_on", "expires_on", "scan"]

    document_fields = ("scan",)


class StaffCertificateForm(DocumentUploadForm):
    class Meta:
        model = StaffCertificate
        fields = ["type", "number", "issued_on", "expires_on", "scan"]

    document_fields = ("scan",)


class CertificateInline(admin.TabularInline):
    model = Certificate
    form = CertificateForm
    extra = 0
    fields = ["type", "number", "issuer", "issued_on", "expires_on", "scan"]


class StaffInline(admin.TabularInline):
    model = VendorStaff
    extra = 0
    fields = ["name", "role", "phone", "is_active"]
    show_change_link = True


class BadRecordInline(admin.TabularInline):
    model = BadRecord
    extra = 0
    fields = ["date", "source", "severity", "description"]


class StatusChangeInline(ReadOnlyInline):
    model = VendorStatusChange
    fields = ["changed_at", "from_status", "to_status", "reason", "changed_by"]
    verbose_name_plural = gettext_lazy("status history")


def _open_review(vendor: Vendor, user: User) -> Any:
    return admission_services.admission_review_open(vendor=vendor, by=user)


def _status_action(to_status: str, *, description: str, name: str) -> Callable:
    """A vendor admin action moving the vendor to ``to_status``, with the reason it asks for."""
    return reason_action(
        lambda v, reason, user: vendor_change_status(vendor=v, to_status=to_status, reason=reason, by=user),
        description=description,
        name=name,
    )


@admin.register(Vendor)
class VendorAdmin(StatusLabelMixin, ScopedAdmin):
    list_display = [
        "legal_name",
        "credit_code",
        "status_label",
        "certificates_flag",
        "legal_representative",
        "notes_label",
    ]
    list_filter = ["status", "categories"]
    search_fields = ["legal_name", "credit_code", "legal_representative", "contact_name"]
    readonly_fields = [
        "status",
        "status_changed_at",
        "created_at",
        "updated_at",
        "certificates_flag",
        "notes_label",
        "admitted_for",
        "annual_appraisal",
    ]

    @admin.display(description=gettext_lazy("annual appraisal"))
    def annual_appraisal(self, obj: Vendor) -> str:
        summary = selectors.vendor_annual_appraisal(obj.pk)
        if summary is None:
            return "—"
        context = {"appraisal": summary, "badge": "status-badge status-passed"}
        # rendered with autoescape; stripped to one line (the admin turns a read-only field's line breaks into <br>)
        return mark_safe(render_to_string("includes/annual_appraisal.html", context).strip())

    @admin.display(description=gettext_lazy("service categories admitted for"))
    def admitted_for(self, obj: Vendor) -> str:
        return "、".join(str(c) for c in obj.admitted_categories.all()) or "—"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # the rows shown, with what later apps know of them: one query per app
            rows = list(changelist.result_list)
            notes = web.vendor_notes([v.pk for v in rows])
            for vendor in rows:
                vendor.notes = notes.get(vendor.pk, [])
        return response

    @admin.display(description=gettext_lazy("performance"))
    def notes_label(self, obj: Any) -> str:
        notes = obj.notes if hasattr(obj, "notes") else web.vendor_notes([obj.pk]).get(obj.pk, [])
        return format_html_join(" ", '<span class="status-badge status-ok">{}</span>', ((n,) for n in notes)) or "—"

    filter_horizontal = ["categories"]
    inlines = [CertificateInline, StaffInline, BadRecordInline, StatusChangeInline]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "contact_channels":
            return channels.form_field(channels.contact_choices(), label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = (
        (None, {"fields": ("legal_name", "credit_code", "legal_representative", "registered_capital", "address")}),
        (gettext_lazy("Contact"), {"fields": ("contact_name", "contact_phone", "contact_email", "contact_channels")}),
        (
            gettext_lazy("Qualification"),
            {
                "fields": (
                    "categories",
                    "admitted_for",
                    "established_on",
                    "management_experience_years",
                    "similar_projects",
                )
            },
        ),
        (
            gettext_lazy("Status"),
            {"fields": ("status", "status_changed_at", "certificates_flag", "annual_appraisal", "notes")},
        ),
    )
    actions = [
        service_action(_open_review, description=gettext_lazy("Open an admission review"), name="open_review"),
        _status_action(VendorStatus.SUSPENDED, description=gettext_lazy("Suspend"), name="suspend"),
        _status_action(VendorStatus.ADMITTED, description=gettext_lazy("Lift the suspension"), name="reinstate"),
        _status_action(VendorStatus.BLACKLISTED, description=gettext_lazy("Blacklist"), name="blacklist"),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.vendors_with_flags(super().get_queryset(request))

    @admin.display(description=gettext_lazy("certificates"), boolean=False)
    def certificates_flag(self, obj: Vendor) -> str:
        if getattr(obj, "certificate_problem", False):
            return format_html('<span class="flag-alert">{}</span>', _("Mandatory certificate expired or missing"))
        return "✓"


class StaffCertificateInline(admin.TabularInline):
    model = StaffCertificate
    form = StaffCertificateForm
    extra = 0
    fields = ["type", "number", "issued_on", "expires_on", "scan"]


@admin.register(VendorStaff)
class VendorStaffAdmin(ScopedAdmin):
    list_display = ["name", "role", "vendor", "is_active"]
    list_filter = ["is_active", "vendor"]
    list_select_related = ["vendor"]
    search_fields = ["name", "role", "vendor__legal_name"]
    inlines = [StaffCertificateInline]


class CertificateReviewAdmin(ScopedAdmin):
    """A kind of certificate the vendors upload (their own, their staff's): the office verifies it against the
    original or returns it with a reason; its scan is downloaded through the ``download_kind`` URL."""

    owner_field = ""  # whose certificate it is: first on the form, before the form's own fields
    download_kind = ""
    list_filter = ["review", "type", "expires_on"]
    readonly_fields = ["review", "review_reason", "reviewed_at", "reviewed_by", "submitted_by"]

    @staticmethod
    def review_actions(verify: Callable, return_: Callable) -> list[Callable]:
        """The verify and return actions, through the services ``verify(certificate, by)`` and
        ``return_(certificate, reason, by)``."""
        return [
            service_action(
                lambda cert, user: verify(certificate=cert, by=user),
                description=gettext_lazy("Verify the selected certificates (checked against the original)"),
                name="verify_certificates",
            ),
            reason_action(
                lambda cert, reason, user: return_(certificate=cert, reason=reason, by=user),
                description=gettext_lazy("Return the selected certificates to the vendor, with a reason"),
                name="return_certificates",
            ),
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [self.owner_field, *self.form.Meta.fields, *self.readonly_fields]

    @admin.display(description=gettext_lazy("scan"))
    def download(self, obj: Certificate | StaffCertificate) -> str:
        if not obj.scan:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("download", args=[self.download_kind, obj.pk]), _("Download"))


@admin.register(Certificate)
class CertificateAdmin(CertificateReviewAdmin):
    form = CertificateForm
    owner_field = "vendor"
    download_kind = "certificate"
    list_display = ["vendor", "type", "number", "issued_on", "expires_on", "review", "download"]
    actions = CertificateReviewAdmin.review_actions(
        vendor_services.certificate_verify, vendor_services.certificate_return
    )
    list_select_related = ["vendor", "type"]
    search_fields = ["number", "vendor__legal_name"]


@admin.register(StaffCertificate)
class StaffCertificateAdmin(CertificateReviewAdmin):
    """Work certificates: those the vendor's staff upload wait here for the office's verification."""

    form = StaffCertificateForm
    owner_field = "staff"
    download_kind = "staff-certificate"
    list_display = ["staff", "vendor_name", "type", "number", "issued_on", "expires_on", "review", "download"]
    actions = CertificateReviewAdmin.review_actions(
        vendor_services.staff_certificate_verify, vendor_services.staff_certificate_return
    )
    list_select_related = ["staff__vendor", "type"]
    search_fields = ["number", "staff__name", "staff__vendor__legal_name"]

    @admin.display(description=gettext_lazy("vendor"), ordering="staff__vendor__legal_name")
    def vendor_name(self, obj: StaffCertificate) -> str:
        return obj.staff.vendor.legal_name


@admin.register(BadRecord)
class BadRecordAdmin(ScopedAdmin):
    list_display = ["vendor", "date", "source", "severity"]
    list_filter = ["severity"]
    list_select_related = ["vendor"]
    search_fields = ["vendor__legal_name", "source", "description"]


# --- Admission ------------------------------------------------------------------------------------------
class AdmissionCheckInline(ReadOnlyInline):
    model = AdmissionCheck
    fields = ["item", "auto_result", "reasons", "office_result", "office_note"]

    @admin.display(description=gettext_lazy("reasons"))
    def reasons(self, obj: AdmissionCheck) -> str:
        return "; ".join(describe_all(obj.auto_reasons))


class OpinionInline(ReadOnlyInline):
    model = ReviewOpinion
    fields = ["department", "reviewer", "opinion", "comments", "created_at"]


@admin.register(AdmissionReview)
class AdmissionReviewAdmin(StatusLabelMixin, ScopedAdmin):
    list_display = ["vendor", "created_at", "status_label", "decision", "decided_at", "review_page"]
    list_filter = ["status", "decision"]
    list_select_related = ["vendor"]
    search_fields = ["vendor__legal_name"]
    readonly_fields = [
        "vendor",
        "categories",
        "opened_by",
        "status",
        "decision",
        "decision_reason",
        "decided_at",
        "decided_by",
    ]
    inlines = [AdmissionCheckInline, OpinionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opened from the vendor list ("Open an admission review")

    @admin.display(description=gettext_lazy("review"))
    def review_page(self, obj: AdmissionReview) -> str:
        return format_html('<a href="{}">{}</a>', reverse("logistics:admission_review", args=[obj.pk]), _("Open"))


# --- Tenders --------------------------------------------------------------------------------------------
class CriterionInline(admin.TabularInline):
    model = TenderCriterion
    extra = 0
    fields = ["sort_order", "name", "weight", "description"]


class TenderAttachmentInline(AttachmentInline):
    model = TenderAttachment


def _award_top(tender: Tender, user: User) -> Any:
    return tender_services.tender_award(tender=tender, by=user)


#: the tender's fields its services write (shown read-only, in the "Status" fieldset)
TENDER_STATUS_FIELDS = (
    "status",
    "published_at",
    "qualification_confirmed_at",
    "failure_reason",
    "awarded_bid",
    "award_reason",
    "publicity_started_at",
    "publicity_ends_at",
    "awarded_at",
    "awarded_by",
)


@admin.register(Tender)
class TenderAdmin(StatusLabelMixin, ScopedAdmin):
    list_display = ["number", "title", "category", "status_label", "bid_deadline", "opening_at", "bid_count", "pages"]
    list_filter = ["status", "category", "method"]
    list_select_related = ["category"]
    search_fields = ["number", "title"]
    filter_horizontal = ["sites", "required_certificate_types", "invited_vendors", "committee"]
    readonly_fields = list(TENDER_STATUS_FIELDS)
    inlines = [CriterionInline, TenderAttachmentInline]
    fieldsets = (
        (None, {"fields": ("number", "title", "category", "sites", "scope", "service_standards")}),
        (gettext_lazy("Period and budget"), {"fields": ("period_start", "period_end", "budget_ceiling")}),
        (
            gettext_lazy("Requirements"),
            {
                "fields": (
                    "min_registered_capital",
                    "required_certificate_types",
                    "min_similar_projects",
                    "bad_record_lookback_months",
                )
            },
        ),
        (gettext_lazy("Method and dates"), {"fields": ("method", "invited_vendors", "bid_deadline", "opening_at")}),
        (gettext_lazy("Evaluation"), {"fields": ("price_weight", "renewal_bonus", "committee", "publicity_days")}),
        (gettext_lazy("Status"), {"fields": TENDER_STATUS_FIELDS}),
    )
    actions = [
        service_action(
            lambda t, user: tender_services.tender_publish(tender=t, by=user),
            description=gettext_lazy("Publish"),
            name="publish",
        ),
        service_action(
            lambda t, user: tender_services.tender_open(tender=t, by=user),
            description=gettext_lazy("Open the bids (at the opening time)"),
            name="open_bids",
        ),
        service_action(
            lambda t, user: tender_services.tender_confirm_qualification(tender=t, by=user),
            description=gettext_lazy("Confirm the qualified bids"),
            name="confirm_qualification",
        ),
        service_action(
            _award_top, description=gettext_lazy("Propose the top-ranked bid and publish it"), name="award_top"
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(bids_total=Count("bids", distinct=True))

    def get_readonly_fields(self, request: HttpRequest, obj: Tender | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != "draft":
            # a published tender's terms are what vendors bid on: frozen
            fields += [
                "number",
                "category",
                "scope",
                "period_start",
                "period_end",
                "budget_ceiling",
                "min_registered_capital",
                "min_similar_projects",
                "bad_record_lookback_months",
                "publicity_days",
                "method",
                "bid_deadline",  # moves only later, on the evaluation page (tender_deadline_extend)
                "opening_at",
                "price_weight",
                "renewal_bonus",
            ]
        return fields

    @admin.display(description=gettext_lazy("bids"), ordering="bids_total")
    def bid_count(self, obj: Tender) -> int:
        return obj.bids_total

    @admin.display(description=gettext_lazy("evaluation"))
    def pages(self, obj: Tender) -> str:
        return format_html('<a href="{}">{}</a>', reverse("logistics:tender_evaluate", args=[obj.pk]), _("Open"))


class BidAttachmentInline(ReadOnlyInline):
    model = BidAttachment
    fields = ["title", "link"]

    @admin.display(description=gettext_lazy("file"))
    def link(self, obj: BidAttachment) -> str:
        return format_html('<a href="{}">{}</a>', reverse("download", args=["bid-attachment", obj.pk]), _("Download"))


class BidCheckInline(admin.TabularInline):
    """The bid's qualification checks; the office overrides one with a written reason (through the service)."""

    model = BidCheck
    extra = 0
    can_delete = False
    fields = ["item", "passed", "reasons_text", "override_passed", "override_reason", "overridden_by"]
    readonly_fields = ["item", "passed", "reasons_text", "overridden_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("reasons"))
    def reasons_text(self, obj: BidCheck) -> str:
        return " ".join(describe_all(obj.reasons)) or "—"


@admin.register(Bid)
class BidAdmin(ScopedAdmin):
    """Bids are sealed until the opening time: price, proposal and documents stay hidden, history included."""

    list_display = ["tender", "vendor", "submitted_at", "price_shown", "qualified_shown"]
    list_filter = ["tender__status", "tender"]
    list_select_related = ["tender", "vendor"]
    search_fields = ["vendor__legal_name", "tender__number"]
    sortable_by = ["tender", "vendor", "submitted_at"]
    inlines = [BidCheckInline, BidAttachmentInline]
    envelope_fields = ["tender", "vendor", "submitted_at"]  # shown while the bid is sealed too
    sealed_fields = [
        "price",
        "proposal",
        "past_projects",
        "past_projects_description",
        "qualified_shown",
        "renewal_bonus_shown",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # vendors bid from their pages

    def get_fields(self, request: HttpRequest, obj: Bid | None = None) -> list[str]:
        if obj is not None and bid_is_sealed_for(request.user, obj):
            return [*self.envelope_fields, "sealed_notice"]
        return [*self.envelope_fields, *self.sealed_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Bid | None = None) -> list[str]:
        return [*self.envelope_fields, *self.sealed_fields, "sealed_notice"]

    def get_inlines(self, request: HttpRequest, obj: Bid | None) -> list:
        if obj is not None and bid_is_sealed_for(request.user, obj):
            return []
        return self.inlines

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._refuse_if_sealed(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        self._refuse_if_sealed(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _refuse_if_sealed(self, request: HttpRequest, object_id: str) -> None:
        bid = self.get_queryset(request).filter(pk=object_id).select_related("tender").first()
        if bid is None or bid_is_sealed_for(request.user, bid):
            raise Http404

    def save_model(self, request: HttpRequest, obj: Bid, form: forms.ModelForm, change: bool) -> None:
        pass  # a bid's content is the vendor's; only its checks' overrides change here (save_formset)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        if formset.model is not BidCheck:
            return
        for check_form in formset.forms:
            if not {"override_passed", "override_reason"} & set(check_form.changed_data):
                continue
            try:
                tender_services.bid_check_override(
                    check=check_form.instance,
                    passed=check_form.cleaned_data.get("override_passed"),
                    reason=check_form.cleaned_data.get("override_reason") or "",
                    by=request.user,
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), level="error")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if is_vendor_user(request.user):  # the bidder sees its own bid
            return queryset.annotate(sealed_now=Value(False))
        return queryset.annotate(
            sealed_now=ExpressionWrapper(Q(tender__opening_at__gt=Now()), output_field=BooleanField())
        )

    @admin.display(description=gettext_lazy("price"))
    def price_shown(self, obj: Bid) -> str:
        return _("sealed") if obj.sealed_now else f"{obj.price:,.2f}"

    @admin.display(description=gettext_lazy("qualified"))
    def qualified_shown(self, obj: Bid) -> str:
        if obj.is_qualified is None:
            return "—"
        return _("yes") if obj.is_qualified else _("no")

    @admin.display(description=gettext_lazy("renewal preference bonus (points)"))
    def renewal_bonus_shown(self, obj: Bid) -> str:
        if not obj.renewal_basis:
            return "—"
        return f"{obj.renewal_bonus:.2f} · {' '.join(describe_all(obj.renewal_basis))}"

    @admin.display(description=gettext_lazy("sealed"))
    def sealed_notice(self, obj: Bid) -> str:
        return _("This bid is sealed until the opening time (%(opening)s).") % {"opening": obj.tender.opening_at}
