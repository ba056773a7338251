"""Forms of the service desk's pages: the office's fast intake of a call or a visit, the work order's actions
(dispatch, reassign, close, cancel; take, decline, complete) and the callback's result. The services check the
rules again; these forms only read what was typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.models import Contract, ContractStatus
from inspections.choices import OFFICE_CHANNELS, CallbackResult, Channel, RequestKind, WorkOrderPriority
from inspections.forms import PhotosField, RequestForm, key_point_field, service_field, site_field
from logistics.models import ServiceCategory

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def now_local_minute() -> str:
    """Now in the institution's time, as a ``datetime-local`` input shows it."""
    return timezone.localtime().strftime(LOCAL_MINUTE)


class ContractChoiceField(forms.ModelChoiceField):
    """A contract named with its vendor: the clerk picks the company, the number proves which contract."""

    def label_from_instance(self, obj: Contract) -> str:
        return f"{obj.number} · {obj.vendor}"


def contracts_in_force() -> Any:
    return Contract.objects.filter(status=ContractStatus.ACTIVE).select_related("vendor").order_by("number")


class IntakeForm(RequestForm):
    """A call, a letter or a visit, taken down for the caller: a complaint, a suggestion or praise becomes a
    complaint, a repair request a work order; both get the tracking code the caller is told."""

    channel = forms.ChoiceField(
        label=_("How it came in"),
        choices=[(c.value, c.label) for c in OFFICE_CHANNELS],
        initial=Channel.HOTLINE,
    )
    kind = forms.ChoiceField(
        label=_("What the caller wants"),
        choices=[("", _("Choose…")), *RequestKind.choices],
        error_messages={"required": _("Choose what the caller wants.")},
    )
    category = service_field(_("Service"), _("Choose the service the request is about."))
    site = site_field(_("Site"))
    key_point = key_point_field(_("Key point"))
    location = forms.CharField(label=_("Where exactly (floor, room…)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What the caller said"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Write down what the caller said.")},
    )
    priority = forms.ChoiceField(
        label=_("Priority (a repair)"),
        choices=WorkOrderPriority.choices,
        initial=WorkOrderPriority.NORMAL,
        help_text=_("Sets the repair's clocks; a complaint, a suggestion or praise has none."),
    )
    received_at = forms.DateTimeField(
        label=_("When the call came"),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        required=False,
        help_text=_("Now, unless you are typing in an earlier call."),
    )
    name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Caller's email"), required=False)
    anonymous = forms.BooleanField(label=_("Anonymous (keep no name or contact)"), required=False)
    photos = PhotosField(label=_("Photos (up to 5; JPEG, PNG or WebP)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_at", now_local_minute())
        self.fields["photos"].widget.attrs.update({"accept": "image/*"})
        self.fields["key_point"].label_from_instance = lambda kp: f"{kp.site} · {kp.name}"

    def clean_received_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("received_at")
        # the form says minutes: a call "now" typed in this minute is not in the future
        if value is not None and value > timezone.now() + dt.timedelta(minutes=1):
            raise forms.ValidationError(_("The call cannot be in the future."))
        return value


class DispatchForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Service"),
        queryset=ServiceCategory.objects.filter(is_active=True),
        required=False,  # kept as it is when not sent
        help_text=_("Correct it when the caller named the wrong service."),
    )
    contract = ContractChoiceField(label=_("Contract"), queryset=contracts_in_force(), empty_label=_("Choose…"))
    priority = forms.ChoiceField(label=_("Priority"), choices=WorkOrderPriority.choices)
    note = forms.CharField(
        label=_("Note for the service company"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReassignForm(forms.Form):
    contract = ContractChoiceField(label=_("New contract"), queryset=contracts_in_force(), empty_label=_("Choose…"))
    reason = forms.CharField(label=_("Why it is reassigned"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReasonForm(forms.Form):
    """Cancel (the requester reads the reason) or decline (the office reads it)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the requester (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=pgettext_lazy("work order", "What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Describe what was done.")},
    )
    parts = forms.CharField(
        label=_("Parts and materials used"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    photos = PhotosField(label=_("Photos of the finished work (at least one)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs.update({"accept": "image/*", "capture": "environment"})


class CallbackForm(forms.Form):
    """The result of one call back; "not satisfied" needs what the caller said (the service says so)."""

    result = forms.ChoiceField(
        label=_("Result"),
        choices=CallbackResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the result of the call.")},
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "note-input"}),
        required=False,
        max_length=2000,
    )
