from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections import excel
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAmendment,
    InspectionKind,
    InspectionSignature,
    InspectionStatus,
    ItemResult,
    RectificationEvent,
    RectificationOrder,
    RectificationStatus,
)
from inspections.services import rectifications as rectification_services
from inspections.services import templates as template_services
from logistics.admin_base import (
    DocumentUploadForm,
    LockableInline,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    StatusLabelMixin,
    admin_page,
    reason_action,
    service_action,
)
from logistics.files import download_url
from logistics.quarters import institution_tz


# --- checklist templates --------------------------------------------------------------------------------
class ChecklistItemInline(LockableInline):
    model = ChecklistItem
    fields = [
        "sort_order",
        "code",
        "group",
        "text",
        "text_en",
        "standard",
        "max_points",
        "severity",
        "is_key_point",
        "photo_required_on_fail",
        *ChecklistItem.ANSWER_FIELDS,
        "post_role",
    ]

    def is_locked(self, parent: ChecklistTemplate | None) -> bool:
        return parent is not None and template_services.template_is_used(parent)


class ImportForm(forms.Form):
    workbook = forms.FileField(label=gettext_lazy("Excel workbook (.xlsx)"))


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ScopedAdmin):
    """A version used by a submitted inspection is read-only; "New version" copies it for editing."""

    list_display = ["family", "name", "category", "kind", "version", "is_current", "item_count"]
    list_filter = ["category", "kind", "is_current"]
    search_fields = ["family", "name", "name_en"]
    readonly_fields = ["version", "is_current", "based_on"]
    inlines = [ChecklistItemInline]
    actions = [
        service_action(
            lambda t, user: template_services.template_new_version(template=t, by=user),
            description=gettext_lazy("New version (copy for editing)"),
            name="new_version",
        ),
        "export_excel",
    ]
    change_list_template = "admin/inspections/checklisttemplate/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        from django.db.models import Count

        return super().get_queryset(request).select_related("category").annotate(items_total=Count("items"))

    @admin.display(description=gettext_lazy("items"), ordering="items_total")
    def item_count(self, obj: ChecklistTemplate) -> int:
        return obj.items_total

    def get_readonly_fields(self, request: HttpRequest, obj: ChecklistTemplate | None = None) -> list[str]:
        if obj is not None and template_services.template_is_used(obj):
            return [*self.readonly_fields, "family", "category", "kind", "name", "name_en"]
        return self.readonly_fields

    @admin.action(description=gettext_lazy("Export to Excel"), permissions=["view"])
    def export_excel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        template = queryset.first()
        response = HttpResponse(
            excel.export_template(template),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{template.family}-v{template.version}.xlsx"'
        return response

    def get_urls(self) -> list:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="inspections_checklist_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("inspections.add_checklisttemplate"):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["workbook"]
            try:
                if upload.size > 5 * 1024 * 1024:
                    raise ValidationError(_("The workbook is larger than 5 MB."))
                data = excel.parse_template(upload.read())
                template = template_services.template_save(by=request.user, **data)
            except ValidationError as exc:
                errors = exc.messages
            else:
                self.message_user(
                    request,
                    _("Imported %(name)s, version %(version)d.") % {"name": template.name, "version": template.version},
                    messages.SUCCESS,
                )
                return redirect("admin:inspections_checklisttemplate_change", template.pk)
        template = "admin/inspections/checklisttemplate/import.html"
        return admin_page(self, request, template, _("Import a checklist from Excel"), form=form, errors=errors)


# --- inspections ----------------------------------------------------------------------------------------
class ItemResultInline(ReadOnlyInline):
    model = ItemResult
    fields = ["item", "result", "points", "awarded", "reading", "note"]


class SignatureInline(ReadOnlyInline):
    model = InspectionSignature
    fields = ["item", "signer_name", "signed_at", "uploaded_by", "drawn"]

    @admin.display(description=gettext_lazy("signature"))
    def drawn(self, obj: InspectionSignature) -> str:
        url = download_url("inspection-signature", obj)
        return format_html('<a href="{}"><img src="{}" alt="" style="max-height:60px"></a>', url, url)


class AmendmentInline(ReadOnlyInline):
    model = InspectionAmendment
    fields = ["amended_at", "amended_by", "reason", "changes", "score_before", "score_after"]


class ExternalInspectionForm(DocumentUploadForm):
    """An external regulator's result, entered by the office with its document."""

    class Meta:
        model = Inspection
        fields = ["contract", "site", "inspected_on", "regulator", "external_result", "score", "document", "summary"]

    document_fields = ("document",)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("regulator"):
            self.add_error("regulator", _("Name the regulator."))
        return data


@admin.register(Inspection)
class InspectionAdmin(StatusLabelMixin, ScopedAdmin):
    """Submitted inspections are read-only here; amendments are made on the inspection's page."""

    list_display = ["reference_link", "inspected_on", "kind", "contract", "site", "status_label", "score"]
    list_filter = ["kind", "status", "contract__category", "inspected_on"]
    list_select_related = ["contract", "site"]
    search_fields = ["contract__number", "contract__vendor__legal_name", "summary"]
    reference_search = ("JC", "number")
    contract_search = "contract"
    # no date hierarchy: its bar reads every inspection's date on each page (0.2 s at 500,000); the list filter
    # on the inspection date does the same job
    inlines = [ItemResultInline, SignatureInline, AmendmentInline]

    def get_form(self, request: HttpRequest, obj: Inspection | None = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ExternalInspectionForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Inspection | None = None) -> list[str]:
        if obj is None:
            return ExternalInspectionForm.Meta.fields
        return [
            "kind",
            "contract",
            "site",
            "template",
            "status",
            "started_at",
            "submitted_at",
            "score",
            "awarded_points",
            "max_points",
            "summary",
            "vendor_representative",
            "regulator",
            "external_result",
            "amendment_count",
            "created_by",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Inspection | None = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Inspection | None = None) -> bool:
        if obj is not None and obj.is_submitted:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Inspection | None = None) -> bool:
        if obj is not None and obj.is_submitted:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Inspection, form: Any, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        moment = dt.datetime.combine(obj.inspected_on, dt.time(12, 0), tzinfo=institution_tz())
        obj.kind = InspectionKind.EXTERNAL
        obj.created_by = request.user
        obj.started_at = moment
        obj.submitted_at = timezone.now()
        obj.status = InspectionStatus.SUBMITTED
        obj.save()
        return None

    @admin.display(description=gettext_lazy("inspection"), ordering="pk")
    def reference_link(self, obj: Inspection) -> str:
        return format_html('<a href="{}">{}</a>', reverse("inspections:detail", args=[obj.pk]), obj.reference)


# --- rectification orders -------------------------------------------------------------------------------
class EventInline(ReadOnlyInline):
    model = RectificationEvent
    fields = ["at", "kind", "note", "by"]


class ManualOrderForm(forms.ModelForm):
    class Meta:
        model = RectificationOrder
        fields = ["contract", "site", "description", "severity"]


@admin.register(RectificationOrder)
class RectificationOrderAdmin(StatusLabelMixin, ScopedAdmin):
    list_display = ["reference_label", "contract", "severity", "deadline", "status_label", "source"]

    @admin.display(description=gettext_lazy("reference"), ordering="pk")
    def reference_label(self, order: RectificationOrder) -> str:
        return order.reference

    list_filter = ["status", "severity", "source", "contract__category"]
    list_select_related = ["contract"]
    reference_search = ("ZG", "pk")
    contract_search = "contract"
    search_fields = ["contract__number", "description"]
    inlines = [EventInline]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ManualOrderForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ManualOrderForm.Meta.fields
        return [
            "contract",
            "source",
            "item_result",
            "description",
            "severity",
            "site",
            "issued_at",
            "deadline",
            "status",
            "response",
            "answered_at",
            "verified_at",
            "resolved_at",
            "returned_count",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: RectificationOrder, form: Any, change: bool) -> None:
        if change:
            return None
        created = rectification_services.rectification_open(
            contract=obj.contract, description=obj.description, severity=obj.severity, site=obj.site, by=request.user
        )
        obj.pk = created.pk
        return None

    def badge_key(self, obj: RectificationOrder) -> str:
        overdue = obj.status != RectificationStatus.VERIFIED and obj.deadline < timezone.now()
        return "overdue" if overdue else obj.status


# --- complaints and surveys ------------------------------------------------------------------------------
from inspections.models import Complaint, ComplaintEvent, Survey, SurveyQuestion  # noqa: E402

#: what the requester reported, on a complaint's and a work order's page (the requester's name and contact are not
#: shown in the admin)
REPORTED_FIELDS = ["category", "site", "key_point", "location", "description", "anonymous"]


class ComplaintEventInline(ReadOnlyInline):
    model = ComplaintEvent
    fields = ["at", "kind", "public_words", "internal_note", "by"]

    @admin.display(description=gettext_lazy("note for the employee"))
    def public_words(self, event: ComplaintEvent) -> str:
        return event.public_text


@admin.register(Complaint)
class ComplaintAdmin(StatusLabelMixin, ReadOnlyAdmin):
    """Complaints are handled on their page (triage, dispatch, close); the admin lists and filters them."""

    list_display = [
        "reference_link",
        "created_at",
        "category",
        "site",
        "status_label",
        "upheld",
        "contract",
        "response_deadline",
        "quarantined",
    ]
    list_filter = ["status", "category", "upheld", "quarantined", "severity", "urgency"]
    list_select_related = ["category", "site", "contract"]
    search_fields = ["tracking_code", "description", "contract__number"]
    reference_search = ("TS", "pk")
    contract_search = "contract"
    date_hierarchy = "created_at"
    inlines = [ComplaintEventInline]
    fields = [
        "tracking_code",
        *REPORTED_FIELDS,
        "status",
        "contract",
        "severity",
        "urgency",
        "upheld",
        "rejection_reason",
        "response_deadline",
        "vendor_response",
        "office_reply",
        "rating",
        "reopen_count",
        "quarantined",
    ]
    deletable = True

    @admin.display(description=gettext_lazy("complaint"), ordering="pk")
    def reference_link(self, obj: Complaint) -> str:
        return format_html('<a href="{}">{}</a>', reverse("inspections:complaint", args=[obj.pk]), obj.reference)

    def badge_key(self, obj: Complaint) -> str:
        return "overdue" if obj.is_overdue else obj.status


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    fields = ["sort_order", "text", "text_en"]


@admin.register(Survey)
class SurveyAdmin(ScopedAdmin):
    list_display = ["title", "quarter", "category", "opens_at", "deadline", "results"]
    list_filter = ["quarter"]
    filter_horizontal = ["contracts"]
    inlines = [SurveyQuestionInline]
    exclude = ["created_by"]

    def save_model(self, request: HttpRequest, obj: Survey, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("results"))
    def results(self, obj: Survey) -> str:
        return format_html('<a href="{}">{}</a>', reverse("inspections:survey", args=[obj.pk]), _("Open"))


# --- plans and rounds -----------------------------------------------------------------------------------
from inspections.models import InspectionPlan, Round  # noqa: E402
from inspections.services import plans as plan_services  # noqa: E402


class PlanForm(forms.ModelForm):
    """A new plan, or a change of one from a date (``replaces``): checked by the service's own rules."""

    class Meta:
        model = InspectionPlan
        fields = [
            "contract",
            "kind",
            "frequency",
            "weekday",
            "day_of_month",
            "site",
            "key_points",
            "inspectors",
            "shift",
            "window_start",
            "window_end",
            "effective_from",
            "replaces",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        plan = InspectionPlan(**{k: v for k, v in data.items() if k not in ("key_points", "inspectors")})
        problems = plan_services.plan_problems(
            plan, list(data.get("inspectors") or []), list(data.get("key_points") or [])
        )
        for field, problem in problems.items():
            self.add_error(field if field in self.fields else None, problem)
        return data


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ScopedAdmin):
    """Plans are added, never edited: a change is a new plan from a date that replaces the old one (the rounds
    already made keep their plan); "End the plan" stops one after today."""

    form = PlanForm
    list_display = ["contract", "kind", "frequency_label", "site", "effective_from", "effective_to"]
    list_filter = ["kind", "frequency", "shift", "contract__category"]
    list_select_related = ["contract", "site"]
    search_fields = ["contract__number", "note"]
    filter_horizontal = ["inspectors", "key_points"]
    autocomplete_fields: list[str] = []
    actions = [
        service_action(
            lambda plan, user: plan_services.plan_end(
                plan=plan, last_day=max(plan.effective_from, timezone.localdate()), by=user
            ),
            description=gettext_lazy("End the plan after today"),
            name="end_plan",
        )
    ]

    @admin.display(description=gettext_lazy("frequency"), ordering="frequency")
    def frequency_label(self, plan: InspectionPlan) -> str:
        return plan.describe()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [*PlanForm.Meta.fields, "effective_to", "created_by"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("effective_from", timezone.localdate() + dt.timedelta(days=1))
        return initial

    def save_model(self, request: HttpRequest, obj: InspectionPlan, form: Any, change: bool) -> None:
        if change:
            return None
        fields = {f: form.cleaned_data[f] for f in PlanForm.Meta.fields if f not in ("key_points", "inspectors")}
        created = plan_services.plan_create(
            by=request.user,
            inspectors=list(form.cleaned_data.get("inspectors") or []),
            key_points=list(form.cleaned_data.get("key_points") or []),
            **fields,
        )
        obj.pk = created.pk
        return None

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # the service set the plan's inspectors and key points

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a plan with rounds is the record of what was due: end it instead


@admin.register(Round)
class RoundAdmin(StatusLabelMixin, ScopedAdmin):
    """What was due, when, and how it went: read-only (rounds are made by the hourly job and done by
    submitted inspections)."""

    list_display = ["due_on", "contract", "kind", "window", "status_label", "inspection_link", "note"]
    list_filter = ["status", "kind", "due_on", "contract__category"]
    list_select_related = ["contract", "inspection"]
    search_fields = ["contract__number"]
    date_hierarchy = "due_on"
    actions = [
        reason_action(
            lambda row, reason, user: plan_services.round_excuse(round=row, reason=reason, by=user),
            description=gettext_lazy("Excuse the round (with a reason)"),
            name="excuse_round",
        )
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # changed by the job, a submission or an excuse only (the job's own flag for its missed notice left out)
        return [field.name for field in Round._meta.fields if field.name != "missed_notified"]

    @admin.display(description=gettext_lazy("window"))
    def window(self, row: Round) -> str:
        opens, closes = timezone.localtime(row.opens_at), timezone.localtime(row.closes_at)
        suffix = "+1" if closes.date() > opens.date() else ""
        return f"{opens:%H:%M}–{closes:%H:%M}{suffix}"

    @admin.display(description=gettext_lazy("inspection"))
    def inspection_link(self, row: Round) -> str:
        if row.inspection_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("inspections:detail", args=[row.inspection_id]), row.inspection.reference
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)  # the excuse action; no edit form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- the service desk: clocks, work orders, callbacks ---------------------------------------------------
from inspections.models import (  # noqa: E402
    Callback,
    ServiceClock,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
    WorkOrderRound,
)
from inspections.rules import work_order_late_q  # noqa: E402
from logistics.admin import ServiceCategoryAdmin  # noqa: E402
from logistics.files import download_url_for  # noqa: E402
from logistics.models import ServiceCategory  # noqa: E402

CLOCK_FIELDS = ["priority", "response_minutes", "arrival_minutes", "completion_minutes", "working_hours_only"]


class ServiceClockForm(forms.ModelForm):
    """A category's clock for one priority; the three run in order (on site no sooner than the response,
    completion no sooner than on site), said in words before the database's constraint would."""

    class Meta:
        model = ServiceClock
        fields = ["category", *CLOCK_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        response, arrival, completion = (data.get(f) for f in CLOCK_FIELDS[1:4])
        if response and arrival and arrival < response:
            self.add_error("arrival_minutes", _("Being on site cannot be due before the response."))
        elif arrival and completion and completion < arrival:
            self.add_error("completion_minutes", _("Completion cannot be due before being on site."))
        return data


@admin.register(ServiceClock)
class ServiceClockAdmin(ScopedAdmin):
    """The work orders' clocks per service and priority (a category and priority without a row uses
    ``DESK_DEFAULT_CLOCKS``). A change applies to the rounds dispatched after it; running rounds keep theirs."""

    form = ServiceClockForm
    list_display = ["category", "priority", *CLOCK_FIELDS[1:]]
    list_editable = CLOCK_FIELDS[1:]
    list_filter = ["category", "priority", "working_hours_only"]
    list_select_related = ["category"]
    ordering = ["category__sort_order", "category__code", "priority"]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("form", ServiceClockForm)  # the list's edits are checked as the form's
        return super().get_changelist_form(request, **kwargs)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        # the clocks keep no audit table of their own: the admin's log of changes is their history
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)


class ServiceClockInline(admin.TabularInline):
    model = ServiceClock
    form = ServiceClockForm
    fields = CLOCK_FIELDS
    extra = 0
    max_num = len(ServiceClock._meta.get_field("priority").choices)


# the category's page shows its clocks: the core app's admin, with the desk's inline (logistics imports nothing
# of inspections)
admin.site.unregister(ServiceCategory)


@admin.register(ServiceCategory)
class ServiceCategoryWithClocksAdmin(ServiceCategoryAdmin):
    inlines = [*ServiceCategoryAdmin.inlines, ServiceClockInline]


class WorkOrderRoundInline(ReadOnlyInline):
    model = WorkOrderRound
    fields = [
        "number",
        "contract",
        "reason",
        "dispatched_at",
        "response_due",
        "accepted_at",
        "arrival_due",
        "arrived_at",
        "completion_due",
        "completed_at",
        "declined_at",
        "withdrawn_at",
        "escalated",
        "completion_note",
        "parts",
    ]

    @admin.display(description=gettext_lazy("escalated"))
    def escalated(self, job: WorkOrderRound) -> str:
        from inspections.choices import Clock

        stamps = [
            (Clock.RESPONSE, job.response_escalated_at),
            (Clock.ARRIVAL, job.arrival_escalated_at),
            (Clock.COMPLETION, job.completion_escalated_at),
        ]
        return "; ".join(f"{clock.label} {timezone.localtime(at):%m-%d %H:%M}" for clock, at in stamps if at) or "—"


class WorkOrderEventInline(ReadOnlyInline):
    model = WorkOrderEvent
    fields = ["at", "round_number", "kind", "public_note", "internal_note", "by"]


class WorkOrderPhotoInline(ReadOnlyInline):
    model = WorkOrderPhoto
    fields = ["round_number", "stage", "uploaded_at", "picture"]

    @admin.display(description=gettext_lazy("photo"))
    def picture(self, photo: WorkOrderPhoto) -> str:
        url = download_url_for(photo.image)
        return format_html('<a href="{}">{}</a>', url, _("Open")) if url else _("stored")


@admin.register(WorkOrder)
class WorkOrderAdmin(StatusLabelMixin, ReadOnlyAdmin):
    """Work orders are handled on the desk's pages, through their services (dispatch, take, complete, close,
    reassign, cancel: each with its rules, clocks and notices); the admin lists, filters and reads them, and
    deletes none (the record of a job and of its vendor's clocks). The requester's name and number are not shown
    here."""

    list_display = [
        "reference_label",
        "tracking_code",
        "received_at",
        "channel",
        "category",
        "priority",
        "status_label",
        "contract",
        "rounds",
    ]
    list_filter = ["status", "priority", "channel", "category", "received_at"]
    list_select_related = ["category", "contract"]
    search_fields = ["tracking_code", "description", "location", "contract__number"]
    reference_search = ("GD", "pk")
    contract_search = "contract"
    inlines = [WorkOrderRoundInline, WorkOrderEventInline, WorkOrderPhotoInline]
    fields = [
        "tracking_code",
        "channel",
        "received_at",
        "recorded_by",
        *REPORTED_FIELDS,
        "priority",
        "status",
        "contract",
        "rounds",
        "declined_reason",
        "cancel_reason",
        "confirmed_at",
        "rating",
        "closed_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        from django.db.models import Exists, OuterRef

        late = WorkOrderRound.objects.filter(work_order_late_q(), order=OuterRef("pk"), number=OuterRef("rounds"))
        return super().get_queryset(request).annotate(late=Exists(late))

    @admin.display(description=gettext_lazy("work order"), ordering="pk")
    def reference_label(self, order: WorkOrder) -> str:
        return order.reference

    def badge_key(self, order: WorkOrder) -> str:
        from inspections.models import WITH_VENDOR

        late = getattr(order, "late", False) and order.status in WITH_VENDOR
        return "overdue" if late else order.status


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    """The office's callbacks (回访), made and recorded on the desk's pages (a "not satisfied" sends the job back
    for a redo there); read-only here."""

    list_display = ["__str__", "contract", "created_at", "due_on", "result", "done_at", "done_by"]
    list_filter = ["result", "due_on", "contract__category"]
    list_select_related = ["contract", "done_by", "complaint", "work_order"]
    search_fields = ["note", "contract__number"]
    contract_search = "contract"
    fields = [
        "complaint",
        "work_order",
        "number",
        "contract",
        "created_at",
        "due_on",
        "result",
        "note",
        "done_at",
        "done_by",
    ]
