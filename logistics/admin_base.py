"""Admin building blocks: the branded site, the scoped ModelAdmin, and actions that call services."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from logistics.access import scoped
from logistics.files import download_url_for
from logistics.pagination import EstimatingPaginator
from logistics.uploads import clean_document

admin.site.site_header = gettext_lazy("Logistics supervision · administration")
admin.site.site_title = gettext_lazy("Logistics supervision")
admin.site.index_title = gettext_lazy("Logistics office")


def reference_number(term: str, prefix: str) -> int | None:
    """The number of a reference typed in a search box: "JC-000124", "jc124", "JC 124" -> 124 (None otherwise)."""
    match = re.fullmatch(rf"{prefix}[-\s]?0*(\d{{1,12}})", term.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


class ScopedAdmin(SimpleHistoryAdmin):
    """ModelAdmin with audit history whose lists show only what the user's role may see.

    Big tables stay quick: the list is not counted twice (``show_full_result_count``), an unfiltered list of a
    big table shows its estimated size (``EstimatingPaginator``), and a search box may take a reference
    (``reference_search``: its prefix and the field holding its number) and search the contract's number and
    the vendor's name in the contracts table first (``contract_search``), instead of joining them to every row.
    """

    list_per_page = 50
    paginator = EstimatingPaginator
    show_full_result_count = False
    #: (prefix, field): a search for "JC-000124" finds number 124 and nothing else
    reference_search: tuple[str, str] | None = None
    #: the path to the contract (e.g. "contract") whose number and vendor's name the search box looks in; its
    #: ``search_fields`` through that path are read this way, the others as Django does (``icontains``)
    contract_search: str | None = None

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if term and self.reference_search is not None:
            prefix, field = self.reference_search
            number = reference_number(term, prefix)
            if number is not None:
                return queryset.filter(**{field: number}), False
        if not term or self.contract_search is None:
            return super().get_search_results(request, queryset, search_term)
        from contracts.models import Contract

        own = [field for field in self.search_fields if not field.startswith(f"{self.contract_search}__")]
        for word in term.split():
            contracts = Contract.objects.filter(Q(number__icontains=word) | Q(vendor__legal_name__icontains=word))
            condition = Q(**{f"{self.contract_search}__in": contracts.values("pk")})
            for field in own:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset, False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scoped(request.user, super().get_queryset(request))

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """A past version is read, never restored: django-simple-history's form saves a POST after a mere
        view-permission check, which would go around the audited services and their rules (a reviewed
        evaluation back to computed, a dispatched complaint back to received). Changes go through the
        services; the history stays readable."""
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # no "Revert" button: see history_form_view


@dataclass(frozen=True)
class StoredFile:
    name: str
    url: str

    def __str__(self) -> str:
        return self.name


class PrivateFileInput(AdminFileWidget):
    """File input for uploads in private storage, which have no URL (``PrivateStorage.url`` refuses): the
    stored file links to its permission-checked download, or shows its name alone when it has none."""

    def is_initial(self, value: Any) -> bool:
        return bool(value and getattr(value, "name", ""))

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = StoredFile(PurePath(value.name).name, download_url_for(value) or "")
        return context


class DocumentUploadForm(forms.ModelForm):
    """A model form whose document uploads (``document_fields``) are checked and cleaned as every upload of the
    product is (``logistics.uploads.clean_document``: type, size, images re-encoded), the stored file shown
    through its permission-checked download."""

    document_fields: tuple[str, ...] = ("file",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.document_fields:
            if name in self.fields:
                self.fields[name].widget = PrivateFileInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in self.document_fields:
            upload = data.get(name)
            if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
                try:
                    data[name] = clean_document(upload)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


def status_badge(value: str, label: Any) -> str:
    """Coloured status label for admin lists (CSS in static/css/admin.css)."""
    return format_html('<span class="status-badge status-{}">{}</span>', value, label)


class StatusLabelMixin:
    """The list column ``status_label``: the record's status as a coloured badge, coloured by ``badge_key`` (the
    status, or a state the list flags instead, such as "overdue")."""

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, obj: Any) -> str:
        return status_badge(self.badge_key(obj), obj.get_status_display())

    def badge_key(self, obj: Any) -> str:
        return obj.status


def admin_page(modeladmin: Any, request: HttpRequest, template: str, title: str, **context: Any) -> TemplateResponse:
    """A page of the admin's own (an import, a correction, an action's form), in the admin's frame: the site's
    context, the page's title and the model's options, with the page's ``context``."""
    context = {**modeladmin.admin_site.each_context(request), "title": title, "opts": modeladmin.model._meta, **context}
    return TemplateResponse(request, template, context)


def _report(request: HttpRequest, modeladmin: Any, done: int, failures: list[tuple[Any, list[str]]]) -> None:
    if done:
        modeladmin.message_user(request, _("%(count)d record(s) updated.") % {"count": done}, messages.SUCCESS)
    for obj, errors in failures:
        modeladmin.message_user(request, f"{obj}: {' '.join(errors)}", messages.ERROR)


def service_action(
    apply: Callable[[Any, Any], Any], *, description: str, name: str, permission: str = "change"
) -> Callable:
    """An admin action that calls ``apply(obj, user)`` (a service) on each selected record."""

    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
        done, failures = 0, []
        for obj in queryset:
            try:
                apply(obj, request.user)
                done += 1
            except ValidationError as exc:
                failures.append((obj, exc.messages))
        _report(request, modeladmin, done, failures)

    action.__name__ = name
    action.short_description = description
    action.allowed_permissions = (permission,)
    return action


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


def reason_action(
    apply: Callable[[Any, str, Any], Any], *, description: str, name: str, permission: str = "change"
) -> Callable:
    """An admin action that asks for a written reason first, then calls ``apply(obj, reason, user)``."""

    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        if "apply_reason" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                done, failures = 0, []
                for obj in queryset:
                    try:
                        apply(obj, form.cleaned_data["reason"], request.user)
                        done += 1
                    except ValidationError as exc:
                        failures.append((obj, exc.messages))
                _report(request, modeladmin, done, failures)
                return None
        else:
            form = ReasonForm()
        return admin_page(
            modeladmin,
            request,
            "admin/action_with_reason.html",
            description,
            queryset=queryset,
            form=form,
            action_name=name,
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )

    action.__name__ = name
    action.short_description = description
    action.allowed_permissions = (permission,)
    return action


class FieldsShownReadOnly:
    """An admin or inline where nothing is edited: the ``fields`` a class names are its ``readonly_fields`` too,
    unless it names those as well."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "fields" in cls.__dict__ and "readonly_fields" not in cls.__dict__:
            cls.readonly_fields = cls.fields


class ReadOnlyAdmin(FieldsShownReadOnly, ScopedAdmin):
    """Records the services write and the app's pages handle (each step with its rules and notices): the admin
    lists, filters and reads them, and adds, changes or deletes none (``deletable``: deleting is left as the
    admin has it)."""

    deletable = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)


class ReadOnlyInline(FieldsShownReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LockableInline(admin.TabularInline):
    """Rows edited with their parent until the parent is locked (``is_locked``: a signed contract's clauses, a used
    checklist's or form's items); then nothing is added, changed or deleted here."""

    extra = 0

    def is_locked(self, parent: Any) -> bool:
        raise NotImplementedError

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not self.is_locked(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not self.is_locked(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not self.is_locked(obj)


class AttachmentInline(admin.TabularInline):
    """A record's titled documents (``logistics.models.base.Attachment``: a title and a file), each upload checked
    as every upload is (``DocumentUploadForm``); the subclass names the ``model``."""

    form = DocumentUploadForm
    fields = ["title", "file"]
    extra = 0
