"""The vendor's roster forms: a person on a post, their last day there, a new person, a work certificate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Post, RosterEntry
from logistics.models import CertificateHolder, CertificateType, VendorStaff

DATE = {"type": "date"}


def _last_day_field() -> forms.DateField:
    """A person's last day on a post (empty: still on it)."""
    return forms.DateField(
        label=_("Last day on the post"),
        required=False,
        widget=forms.DateInput(attrs=DATE),
        help_text=_("Empty: still on the post."),
    )


class _VendorForm(forms.Form):
    def __init__(self, *args: Any, vendor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = vendor


class AssignForm(_VendorForm):
    post = forms.ModelChoiceField(label=_("Post"), queryset=Post.objects.none())
    staff = forms.ModelChoiceField(label=_("Person"), queryset=VendorStaff.objects.none())
    starts_on = forms.DateField(label=_("On the post from"), widget=forms.DateInput(attrs=DATE))
    leaves_on = _last_day_field()

    def __init__(self, *args: Any, posts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = posts
        self.fields["post"].label_from_instance = lambda post: f"{post.contract.number} · {post}"
        self.fields["staff"].queryset = VendorStaff.objects.filter(vendor=self.vendor, is_active=True).order_by("name")


class LeaveForm(_VendorForm):
    entry = forms.ModelChoiceField(queryset=RosterEntry.objects.none(), widget=forms.HiddenInput)
    leaves_on = _last_day_field()

    def __init__(self, *args: Any, entries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries


class StaffForm(_VendorForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.CharField(label=_("Job"), max_length=100, help_text=_("e.g. project manager, security guard, cook"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class StaffCertificateForm(_VendorForm):
    staff = forms.ModelChoiceField(label=_("Person"), queryset=VendorStaff.objects.none())
    certificate_type = forms.ModelChoiceField(label=_("Type"), queryset=CertificateType.objects.none())
    number = forms.CharField(label=_("Number"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=forms.DateInput(attrs=DATE))
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs=DATE),
        help_text=_("Empty: does not expire."),
    )
    scan = forms.FileField(label=_("Scan (PDF, JPEG or PNG)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = VendorStaff.objects.filter(vendor=self.vendor, is_active=True).order_by("name")
        self.fields["certificate_type"].queryset = CertificateType.objects.filter(
            holder=CertificateHolder.PERSON, is_active=True
        ).order_by("code")
