"""The office sets the forms (versioned) and the respondents in the admin; the month's forms are read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from feedback import services
from feedback.models import FeedbackForm, FeedbackItem, FeedbackRequest, FeedbackRespondent
from logistics.admin_base import LockableInline, ReadOnlyAdmin, ScopedAdmin


class FeedbackItemInline(LockableInline):
    model = FeedbackItem
    fields = ["sort_order", "text", "text_en", "guidance", "guidance_en", "max_points"]

    def is_locked(self, parent):
        return parent is not None and services.form_is_used(parent)


@admin.register(FeedbackForm)
class FeedbackFormAdmin(ScopedAdmin):
    list_display = ["__str__", "category", "is_current", "max_points"]
    list_filter = ["category", "is_current"]
    inlines = [FeedbackItemInline]
    readonly_fields = ["version", "is_current"]
    actions = ["new_version"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category").prefetch_related("items")

    @admin.display(description=_("max points"))
    def max_points(self, obj: FeedbackForm) -> int:
        return sum(item.max_points for item in obj.items.all())

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and services.form_is_used(obj):
            fields += ["category", "name", "name_en", "introduction", "introduction_en"]
        return fields

    @admin.action(description=_("Make a new version to edit (the sent one stays as it was)"))
    def new_version(self, request, queryset):
        for form in queryset:
            copy = services.form_new_version(form=form, by=request.user)
            self.message_user(request, _("%(form)s made; edit it.") % {"form": copy}, messages.SUCCESS)


@admin.register(FeedbackRespondent)
class FeedbackRespondentAdmin(ScopedAdmin):
    list_display = ["department", "name", "mobile", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "department__name", "department__code"]
    filter_horizontal = ["contracts"]
    autocomplete_fields = ["department"]


@admin.register(FeedbackRequest)
class FeedbackRequestAdmin(ReadOnlyAdmin):
    list_display = ["month", "contract", "respondent", "status", "points", "max_points", "reminders"]
    list_filter = ["month", "status"]
    search_fields = ["contract__number", "respondent__name"]
    list_select_related = ["contract", "respondent__department"]
