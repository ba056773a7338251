from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from contracts import clause_kinds, selectors_staffing, services, services_staffing
from contracts.choices import ContractStatus, SettlementStatus
from contracts.evidence import evidence_url
from contracts.explanations import describe, describe_changes, summarize_clause
from contracts.exports import settlements_workbook
from contracts.forms import DraftTermsForm
from contracts.models import (
    FROZEN_FIELDS,
    Clause,
    Contract,
    ContractAmendment,
    ContractAttachment,
    ContractStatusChange,
    FormalWarning,
    LedgerLine,
    Post,
    PostRole,
    RosterEntry,
    Settlement,
    TermsVersion,
)
from logistics import admin_base
from logistics.admin_base import (
    LockableInline,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    StatusLabelMixin,
    admin_page,
    reason_action,
)
from logistics.quarters import today as local_today
from logistics.templatetags.logistics_tags import money

CLAUSE_FIELDS = ["kind", *clause_kinds.PARAMETERS, "description"]


class DraftTermsInline(admin.TabularInline):
    """A draft's terms: version 1, in force from the start date (set on save)."""

    model = TermsVersion
    form = DraftTermsForm
    fields = ["annual_fee", "payment_cycle", "payment_dates"]
    min_num = max_num = 1
    extra = 0
    can_delete = False
    validate_min = True
    verbose_name_plural = gettext_lazy("terms (version 1, from the start date)")


class TermsVersionInline(ReadOnlyInline):
    """A signed contract's terms versions, with the supplementary agreement that made each."""

    model = TermsVersion
    fields = ["number", "effective_from", "annual_fee", "cycle", "agreement"]

    @admin.display(description=gettext_lazy("payment cycle"))
    def cycle(self, obj: TermsVersion) -> str:
        return obj.cycle_text

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("amendment")

    @admin.display(description=gettext_lazy("supplementary agreement"))
    def agreement(self, obj: TermsVersion) -> str:
        if obj.amendment is None:
            return _("signed with the contract")
        return f"{obj.amendment.agreement_number or '—'} · {obj.amendment.reason}"


class ClauseInline(LockableInline):
    """A draft's clauses (they belong to version 1); a signed contract's are listed read-only."""

    model = Clause
    fields = CLAUSE_FIELDS

    def is_locked(self, parent: Contract | None) -> bool:
        return parent is not None and parent.terms_frozen

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["terms", *CLAUSE_FIELDS] if self.is_locked(obj) else CLAUSE_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("terms")


class AttachmentInline(admin_base.AttachmentInline):
    model = ContractAttachment


class StatusChangeInline(ReadOnlyInline):
    model = ContractStatusChange
    fields = ["effective_date", "from_status", "to_status", "reason", "changed_by", "changed_at"]


class AmendmentInline(ReadOnlyInline):
    model = ContractAmendment
    fields = ["effective_date", "agreement_number", "approved_by", "reason", "what_changed", "recorded_by"]

    @admin.display(description=gettext_lazy("what changed"))
    def what_changed(self, obj: ContractAmendment) -> str:
        return "; ".join(describe_changes(obj.changes))


#: a settlement's columns in the contract's inline and in the settlements' list
SETTLEMENT_COLUMNS = [
    "quarter",
    "score",
    "grade",
    "fee",
    "deductions",
    "cap_applied",
    "bonuses",
    "adjustments",
    "payable",
]


class SettlementInline(ReadOnlyInline):
    model = Settlement
    fields = [*SETTLEMENT_COLUMNS, "status"]
    show_change_link = True


def _transition(to_status: str):
    return lambda contract, reason, user: services.contract_change_status(
        contract=contract, to_status=to_status, reason=reason, by=user
    )


class PostForm(forms.ModelForm):
    """A post; made full-time, none of its people may be on another full-time post on the same days."""

    class Meta:
        model = Post
        fields = ["role", "headcount", "on_duty", "shift", "hours", "full_time", "required_certificates", "sort_order"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        post = self.instance
        if post.pk and data.get("full_time") and not post.full_time:
            made_full_time = Post(
                pk=post.pk, contract_id=post.contract_id, role=post.role, shift=post.shift, full_time=True
            )
            for entry in RosterEntry.objects.filter(post=post).select_related("staff"):
                entry.post = made_full_time
                problem = selectors_staffing.overlap_problem(entry)
                if problem:
                    self.add_error("full_time", problem)
                    break
        return data


class PostInline(admin.TabularInline):
    model = Post
    form = PostForm
    extra = 0
    show_change_link = True  # its roster is kept on the post's own page
    autocomplete_fields = ["role"]


def sync_rosters(formset: Any) -> None:
    for post in formset.model.objects.filter(pk__in=[f.instance.pk for f in formset.forms if f.instance.pk]):
        services_staffing.post_roster_sync(post=post)


@admin.register(Contract)
class ContractAdmin(StatusLabelMixin, ScopedAdmin):
    list_display = ["number", "vendor", "category", "status_label", "start_date", "end_date", "fee_in_force", "flags"]
    list_filter = ["status", "category", "termination_recommended", "renewal_preferred"]
    list_select_related = ["vendor", "category"]
    search_fields = ["number", "vendor__legal_name"]
    filter_horizontal = ["sites", "inspectors"]
    inlines = [ClauseInline, PostInline, AttachmentInline, SettlementInline, StatusChangeInline, AmendmentInline]

    def get_inlines(self, request: HttpRequest, obj: Contract | None) -> list:
        terms = TermsVersionInline if obj is not None and obj.terms_frozen else DraftTermsInline
        return [terms, *self.inlines]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        in_force = TermsVersion.objects.filter(contract=OuterRef("pk"), effective_from__lte=local_today())
        first = TermsVersion.objects.filter(contract=OuterRef("pk"), number=1)
        return (
            super()
            .get_queryset(request)
            .annotate(
                fee_today=Coalesce(
                    Subquery(in_force.order_by("-effective_from").values("annual_fee")[:1]),
                    Subquery(first.values("annual_fee")[:1]),
                )
            )
        )

    @admin.display(description=gettext_lazy("annual fee in force"), ordering="fee_today")
    def fee_in_force(self, obj: Contract) -> Any:
        return obj.fee_today

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """A draft's version 1 starts on the contract's start date; its clauses belong to it."""
        contract = form.instance
        if formset.model is TermsVersion:
            for version_form in formset.forms:
                version_form.instance.number = 1
                version_form.instance.effective_from = contract.start_date
        elif formset.model is Clause:
            terms = TermsVersion.objects.filter(contract=contract, number=1).first()
            for clause_form in formset.forms:
                clause_form.instance.terms = terms
        super().save_formset(request, form, formset, change)
        if formset.model is Post:  # a post's full-time flag travels to its roster rows
            sync_rosters(formset)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not form.instance.terms_frozen:  # a draft whose start date moved: version 1 moves with it
            services.draft_terms_save(contract=form.instance, by=request.user)

    readonly_fields = [
        "status",
        "ended_on",
        "tender",
        "termination_recommended",
        "termination_recommended_reason",
        "renewal_preferred",
        "page",
    ]
    fieldsets = (
        (None, {"fields": ("number", "vendor", "category", "sites", "renewal_of", "tender", "page")}),
        (gettext_lazy("Period and standards"), {"fields": ("start_date", "end_date", "service_standards")}),
        (gettext_lazy("Supervision"), {"fields": ("inspectors",)}),
        (
            gettext_lazy("Status"),
            {
                "fields": (
                    "status",
                    "ended_on",
                    "termination_recommended",
                    "termination_recommended_reason",
                    "renewal_preferred",
                )
            },
        ),
    )
    actions = [
        reason_action(
            _transition(ContractStatus.ACTIVE), description=gettext_lazy("Activate / resume"), name="activate"
        ),
        reason_action(_transition(ContractStatus.SUSPENDED), description=gettext_lazy("Suspend"), name="suspend"),
        reason_action(_transition(ContractStatus.TERMINATED), description=gettext_lazy("Terminate"), name="terminate"),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Contract | None = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None and obj.terms_frozen:
            # an active contract's terms are frozen: a change is an amendment (see the contract's page)
            fields += FROZEN_FIELDS
        return fields

    @admin.display(description=gettext_lazy("flags"))
    def flags(self, obj: Contract) -> str:
        parts = []
        if obj.termination_recommended:
            parts.append(format_html('<span class="flag-alert">{}</span>', _("termination recommended")))
        if obj.renewal_preferred:
            parts.append(format_html('<span class="status-badge status-active">{}</span>', _("renewal preferred")))
        return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else "—"

    @admin.display(description=gettext_lazy("page"))
    def page(self, obj: Contract) -> str:
        if obj.pk is None:
            return "—"
        links = [(reverse("contracts:detail", args=[obj.pk]), _("Terms versions, clauses and settlements"))]
        if obj.status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED):
            links.append((reverse("contracts:amend", args=[obj.pk]), _("Record a supplementary agreement")))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


def evidence_link(line: LedgerLine) -> str:
    url = evidence_url(line.evidence_type, line.evidence_id)
    label = line.evidence_ref or line.evidence_key
    return format_html('<a href="{}">{}</a>', url, label) if url else label


class LedgerLineColumns:
    """A ledger line's evidence as a link and its explanation in words (the inline and the lines' list)."""

    @admin.display(description=gettext_lazy("evidence"))
    def evidence(self, obj: LedgerLine) -> str:
        return evidence_link(obj)

    @admin.display(description=gettext_lazy("explanation"))
    def explanation_text(self, obj: LedgerLine) -> str:
        return describe(obj.explanation)


class LedgerLineInline(LedgerLineColumns, ReadOnlyInline):
    model = LedgerLine
    fields = ["kind", "amount", "clause", "evidence", "explanation_text", "reason", "created_at"]


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (CNY; negative reduces the payable)"), max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Settlement)
class SettlementAdmin(StatusLabelMixin, ReadOnlyAdmin):
    """Settlements are computed by the quarterly evaluation; a final one only takes corrections (through
    "Record a correction")."""

    list_display = ["contract", *SETTLEMENT_COLUMNS, "status_label"]
    list_filter = ["quarter", "status", "contract__category"]
    list_select_related = ["contract__vendor", "contract__category"]
    search_fields = ["contract__number", "contract__vendor__legal_name"]
    contract_search = "contract"
    fields = [f.name if f.name != "fee_basis" else "fee_basis_text" for f in Settlement._meta.fields]
    inlines = [LedgerLineInline]
    actions = ["export_excel"]

    @admin.display(description=gettext_lazy("fee basis"))
    def fee_basis_text(self, obj: Settlement) -> str:
        """The versions that priced the quarter's fee and their days, in words (the field holds them as data)."""
        return (
            pgettext("sentence separator", "; ").join(
                _("version %(version)s: %(first)s to %(last)s, %(days)s days at %(fee)s a year")
                % {
                    "version": span.get("version"),
                    "first": span.get("first"),
                    "last": span.get("last"),
                    "days": span.get("days"),
                    "fee": money(span.get("annual_fee")),
                }
                for span in obj.fee_basis or []
            )
            or "—"
        )

    @admin.action(description=gettext_lazy("Export to Excel"), permissions=["view"])
    def export_excel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        data = settlements_workbook(queryset.select_related("contract__vendor", "contract__category"))
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="settlements-{stamp}.xlsx"'
        return response

    def get_urls(self) -> list:
        return [
            path("<int:pk>/adjust/", self.admin_site.admin_view(self.adjust_view), name="contracts_settlement_adjust"),
            *super().get_urls(),
        ]

    def adjust_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("contracts.change_settlement"):
            raise PermissionDenied
        settlement = get_object_or_404(self.get_queryset(request), pk=pk)
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.settlement_adjust(
                    settlement=settlement,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, _("The correction has been recorded."), messages.SUCCESS)
                return redirect("admin:contracts_settlement_change", settlement.pk)
        template = "admin/contracts/settlement_adjust.html"
        return admin_page(self, request, template, _("Record a correction"), form=form, settlement=settlement)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        extra_context = extra_context or {}
        extra_context["adjust_url"] = reverse("admin:contracts_settlement_adjust", args=[object_id])
        extra_context["is_final"] = Settlement.objects.filter(pk=object_id, status=SettlementStatus.FINAL).exists()
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(LedgerLine)
class LedgerLineAdmin(LedgerLineColumns, ReadOnlyAdmin):
    list_display = ["quarter", "contract", "kind", "amount", "clause", "evidence", "explanation_text"]
    list_filter = ["quarter", "kind", "evidence_type"]
    list_select_related = ["contract", "clause"]
    search_fields = ["contract__number", "evidence_ref", "evidence_key"]
    contract_search = "contract"
    ordering = ["-pk"]  # the newest lines first, read off the primary key (the model's order sorts every line)
    fields = [
        "quarter",
        "contract",
        "settlement",
        "kind",
        "amount",
        "clause",
        "evidence",
        "explanation_text",
        "reason",
        "created_by",
        "created_at",
    ]


@admin.register(FormalWarning)
class FormalWarningAdmin(ScopedAdmin):
    list_display = ["contract", "quarter", "clause", "reason_text", "created_at"]
    list_filter = ["quarter"]
    list_select_related = ["contract", "clause"]
    search_fields = ["contract__number", "contract__vendor__legal_name"]
    readonly_fields = ["contract", "quarter", "clause", "reason_text", "created_at"]
    fields = [*readonly_fields, "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("reason"))
    def reason_text(self, obj: FormalWarning) -> str:
        return describe(obj.reason)


@admin.register(Clause)
class ClauseAdmin(ScopedAdmin):
    """Clauses are written with their contract (a draft's in its page, a signed one's by a supplementary
    agreement); here they are listed and read."""

    list_display = ["contract", "terms", "kind_label", "summary"]
    list_filter = ["kind"]
    list_select_related = ["contract", "terms"]
    search_fields = ["contract__number"]
    fields = ["contract", "terms", *CLAUSE_FIELDS]

    @admin.display(description=gettext_lazy("kind"), ordering="kind")
    def kind_label(self, obj: Clause) -> str:
        return obj.get_kind_display()

    @admin.display(description=gettext_lazy("rule"))
    def summary(self, obj: Clause) -> str:
        return summarize_clause(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Clause | None = None) -> list[str]:
        return ["contract", "terms"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Clause | None = None) -> bool:
        if obj is not None and obj.contract.terms_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Clause | None = None) -> bool:
        if obj is not None and obj.contract.terms_frozen:
            return False
        return super().has_delete_permission(request, obj)


# --- staffing ---------------------------------------------------------------------------------------------
@admin.register(PostRole)
class PostRoleAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["code", "name", "name_en"]


class RosterEntryForm(forms.ModelForm):
    class Meta:
        model = RosterEntry
        fields = ["staff", "starts_on", "leaves_on"]


class RosterEntryInline(admin.TabularInline):
    model = RosterEntry
    form = RosterEntryForm
    extra = 1
    autocomplete_fields = []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "staff":  # only the contract's vendor's people
            from logistics.models import VendorStaff

            post_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            vendor = Post.objects.filter(pk=post_id).values("contract__vendor_id")[:1] if post_id else None
            kwargs["queryset"] = (
                VendorStaff.objects.filter(vendor_id__in=vendor).order_by("name")
                if vendor is not None
                else VendorStaff.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Post)
class PostAdmin(ScopedAdmin):
    """A post and its roster: the office sees and corrects who the vendor keeps on it."""

    form = PostForm
    list_display = ["__str__", "contract", "headcount", "on_duty", "full_time"]
    list_filter = ["role", "shift", "full_time"]
    list_select_related = ["contract", "role"]
    search_fields = ["contract__number", "contract__vendor__legal_name", "role__name"]
    contract_search = "contract"
    autocomplete_fields = ["role"]
    inlines = [RosterEntryInline]
    fields = [
        "contract",
        "role",
        "headcount",
        "on_duty",
        "shift",
        "hours",
        "full_time",
        "required_certificates",
        "sort_order",
    ]
    filter_horizontal = ["required_certificates"]

    def get_readonly_fields(self, request: HttpRequest, obj: Post | None = None) -> list[str]:
        return ["contract"] if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Post | None = None, **kwargs: Any) -> Any:
        kwargs["fields"] = [f for f in self.fields if obj is None or f != "contract"]
        return super().get_form(request, obj, **kwargs)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services_staffing.post_roster_sync(post=form.instance)
