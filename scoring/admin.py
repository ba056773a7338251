from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.admin_base import ReadOnlyAdmin, ReadOnlyInline, ScopedAdmin, StatusLabelMixin
from scoring import services
from scoring.components import WEIGHT_FIELDS
from scoring.models import (
    Appraisal,
    AppraisalLine,
    Evaluation,
    EvaluationScheme,
    Objection,
    QuarterRun,
    VendorAppraisal,
)
from scoring.services_objections import describe_correction


class SchemeForm(forms.ModelForm):
    class Meta:
        model = EvaluationScheme
        fields = list(services.SCHEME_FIELDS)


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(ScopedAdmin):
    """Saving a scheme an evaluation used creates its next version; the used one stays as it was."""

    form = SchemeForm
    list_display = [
        "name",
        "family",
        "version",
        "is_current",
        "category",
        *WEIGHT_FIELDS,
    ]
    list_filter = ["is_current", "category"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["family", *services.SCHEME_FIELDS] if obj is None else list(services.SCHEME_FIELDS)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["fields"] = ["family", *services.SCHEME_FIELDS]
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request: HttpRequest, obj: EvaluationScheme, form: Any, change: bool) -> None:
        if not change:
            obj.full_clean()
            super().save_model(request, obj, form, change)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            saved = services.scheme_save(
                scheme=EvaluationScheme.objects.get(pk=obj.pk), changes=changes, by=request.user
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        if saved.pk != obj.pk:
            self.message_user(
                request,
                _("This version was used by evaluations, so the changes became version %(version)d.")
                % {"version": saved.version},
                messages.WARNING,
            )
        obj.pk = saved.pk


@admin.register(Evaluation)
class EvaluationAdmin(StatusLabelMixin, ReadOnlyAdmin):
    """Evaluations are reviewed and finalized on their page; here they are listed."""

    list_display = ["contract", "quarter", "score", "grade", "status_label", "scheme", "page"]
    list_filter = ["quarter", "status", "grade", "contract__category"]
    list_select_related = ["contract", "scheme"]
    search_fields = ["contract__number", "contract__vendor__legal_name"]
    # the components and the facts are read on the evaluation's page (the link), in words, not as JSON here
    fields = [f.name for f in Evaluation._meta.fields if f.name not in ("explanation", "facts")] + ["page"]

    @admin.display(description=gettext_lazy("page"))
    def page(self, obj: Evaluation) -> str:
        return format_html('<a href="{}">{}</a>', reverse("scoring:evaluation", args=[obj.pk]), _("Open"))


@admin.register(Objection)
class ObjectionAdmin(StatusLabelMixin, ReadOnlyAdmin):
    """Objections are filed by the vendor and ruled on the evaluation's page; here they are listed."""

    list_display = ["evaluation", "reference", "amount", "status_label", "filed_at", "ruled_at", "page"]
    list_filter = ["status", "target", "evaluation__quarter"]
    list_select_related = ["evaluation__contract"]
    search_fields = ["evaluation__contract__number", "reference", "reasons", "ruling"]
    # the correction in words (its record keeps the ids, read through the API)
    fields = [f.name for f in Objection._meta.fields if f.name not in ("correction", "target_key")] + [
        "correction_text",
        "page",
    ]

    @admin.display(description=gettext_lazy("correction made"))
    def correction_text(self, obj: Objection) -> str:
        return describe_correction(obj.correction) or "—"

    @admin.display(description=gettext_lazy("page"))
    def page(self, obj: Objection) -> str:
        url = reverse("scoring:evaluation", args=[obj.evaluation_id]) + "#objections"
        return format_html('<a href="{}">{}</a>', url, _("Open"))


@admin.register(QuarterRun)
class QuarterRunAdmin(admin.ModelAdmin):
    list_display = ["quarter", "status", "trigger", "started_at", "finished_at", "contracts", "error"]
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class AppraisalLineInline(ReadOnlyInline):
    model = AppraisalLine
    fields = ["rank", "contract", "quarters_text", "score", "grade", "provisional", "renewal_preferred", "scheme"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("contract__vendor", "scheme")

    @admin.display(description=gettext_lazy("quarters used"))
    def quarters_text(self, obj: AppraisalLine) -> str:
        from scoring.report_year import quarter_cell

        parts = []
        for cell in map(quarter_cell, obj.quarters):
            score = cell.score if cell.score is not None else "—"
            parts.append(f"{cell.key} {score} ({cell.weight}%, {cell.status_label})")
        return "; ".join(parts)


class VendorAppraisalInline(ReadOnlyInline):
    model = VendorAppraisal
    fields = ["rank", "vendor", "contracts", "score", "grade", "provisional", "renewal_preferred"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("vendor")


@admin.register(Appraisal)
class AppraisalAdmin(ReadOnlyAdmin):
    """Appraisals are computed on their page (or by ``appraise_year``); here they are read, with their lines."""

    list_display = ["period", "provisional", "computed_at", "computed_by", "page"]
    list_filter = ["year", "provisional"]
    list_select_related = ["computed_by"]
    fields = ["period", "provisional", "computed_at", "computed_by", "page"]
    inlines = [AppraisalLineInline, VendorAppraisalInline]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        # no audit history of its own (computed, never edited): the admin's log
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    @admin.display(description=gettext_lazy("period"), ordering="year")
    def period(self, obj: Appraisal) -> str:
        from scoring.report_year import appraisal_title

        return appraisal_title(obj.year, obj.half or None)

    @admin.display(description=gettext_lazy("page"))
    def page(self, obj: Appraisal) -> str:
        from scoring.report_year import period_url

        return format_html('<a href="{}">{}</a>', period_url(obj.year, obj.half), _("Open"))
