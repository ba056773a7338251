"""Forms of the public pages (complaints, surveys) and the office's complaint handling."""

from __future__ import annotations

import contextlib
import secrets
import time
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from inspections.choices import MESSAGE_KINDS, Channel, RequestKind
from inspections.models import ComplaintSeverity, ComplaintUrgency
from logistics.forms import MultipleFileInput
from logistics.models import KeyPoint, ServiceCategory, Site

MIN_FILL_SECONDS = 3
#: how old a form may be when it is sent: a phone's tab left open for days is a person's, not a bot's (a replay is
#: caught by the spent stamp, remembered as long as a stamp is accepted)
FORM_MAX_AGE = 7 * 24 * 3600
SIGNING_SALT = "complaint-form"


def form_stamp() -> str:
    """When the form was opened, signed; with a nonce, so that two forms opened in the same second differ
    (a stamp that brought a complaint in is used up)."""
    return signing.dumps([int(time.time()), secrets.token_hex(6)], salt=SIGNING_SALT)


def _stamp_key(stamp: str) -> str:
    from logistics.ratelimit import pseudonym

    return f"complaint-stamp-used:{pseudonym(stamp)}"


def spend_stamp(stamp: str) -> None:
    """A stamp that brought a complaint in is used up: posted again, it is a bot's replay (kept as long as a
    stamp is valid; a cache that is down forgets, and the rate limits still hold)."""
    from django.core.cache import cache

    with contextlib.suppress(Exception):  # fail open, like the rate limits
        cache.set(_stamp_key(stamp), 1, timeout=FORM_MAX_AGE)


def stamp_spent(stamp: str) -> bool:
    from django.core.cache import cache

    try:
        return bool(cache.get(_stamp_key(stamp)))
    except Exception:
        return False


def seconds_since(stamp: str) -> float | None:
    """How long ago the form was opened; None for a stamp that is forged, or older than ``FORM_MAX_AGE``."""
    try:
        started = signing.loads(stamp, salt=SIGNING_SALT, max_age=FORM_MAX_AGE)
        if isinstance(started, list):  # [time, nonce]; a bare time: a form opened before the nonce
            started = started[0]
        elapsed = time.time() - int(started)
    except (signing.BadSignature, TypeError, ValueError, IndexError):
        return None
    return elapsed if elapsed <= FORM_MAX_AGE else None


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]


def service_field(label: str, required_message: str) -> forms.ModelChoiceField:
    """The service a request is about, among the active ones; nothing chosen at first."""
    return forms.ModelChoiceField(
        label=label,
        queryset=ServiceCategory.objects.filter(is_active=True),
        empty_label=_("Choose…"),
        error_messages={"required": required_message},
    )


def site_field(label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label, queryset=Site.objects.filter(is_active=True), required=False, empty_label="—"
    )


def key_point_field(label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=KeyPoint.objects.filter(is_active=True).select_related("site"),
        required=False,
        empty_label="—",
    )


class RequestForm(forms.Form):
    """What the employee's form and the desk's intake share: a request and who made it (none of their name or
    contact kept when anonymous), handed to the services by ``request_details``."""

    #: what the requester typed or chose, as the services name it
    DETAILS = ("category", "site", "key_point", "location", "description", "anonymous", "name", "phone", "email")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("anonymous"):
            data["name"] = data["phone"] = data["email"] = ""
        return data

    def request_details(self) -> dict[str, Any]:
        """The request's details and its photos, in the services' keywords."""
        return {name: self.cleaned_data[name] for name in (*self.DETAILS, "photos")}


class ComplaintForm(RequestForm):
    kind = forms.ChoiceField(
        label=_("What would you like to send?"),
        choices=[(k.value, k.label) for k in MESSAGE_KINDS],
        initial=RequestKind.COMPLAINT,
        required=False,  # a complaint unless said otherwise (an older page or a link without the field)
    )
    # nothing chosen for the employee (a QR code's key point or ?cat= chooses)
    category = service_field(_("Which service?"), _("Choose the service the problem is about."))
    site = site_field(_("Where?"))
    key_point = key_point_field(_("Exact spot"))
    location = forms.CharField(label=_("Location details (floor, room…)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000, min_length=5
    )
    photos = PhotosField(label=_("Photos (up to 5; JPEG, PNG or WebP)"))
    anonymous = forms.BooleanField(label=_("Stay anonymous (we keep no name or contact)"), required=False)
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email (optional, to be told of the answer)"), required=False)
    # honeypot: hidden by CSS, and out of the keyboard's way (a person tabbing through never lands in it)
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    via = forms.CharField(widget=forms.HiddenInput, required=False)  # "board": sent from the message board

    @property
    def channel(self) -> str:
        return Channel.BOARD if self.data.get("via") == "board" else Channel.WEB

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["kind"] = data.get("kind") or RequestKind.COMPLAINT
        return data

    def looks_automated(self) -> bool:
        """A filled honeypot, a post faster than a person can type, a forged or expired stamp (older than
        ``FORM_MAX_AGE``), or one used already. A form left open for hours or days is not held for its age."""
        if self.data.get("website") or stamp_spent(self.data.get("started", "")):
            return True
        elapsed = seconds_since(self.data.get("started", ""))
        return elapsed is None or elapsed < MIN_FILL_SECONDS


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        coerce=int,
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("What is still wrong?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class TriageForm(forms.Form):
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.filter(status=ContractStatus.ACTIVE).select_related("vendor")
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=ComplaintSeverity.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=ComplaintUrgency.choices)
    note = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RulingForm(forms.Form):
    """The office's ruling after the investigation: upheld against the vendor or not, with reasons."""

    upheld = forms.TypedChoiceField(
        label=_("Ruling"),
        choices=[
            ("yes", _("Upheld against the service company (counts in the quarterly score)")),
            ("no", _("Not upheld")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons (the employee reads them)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ReassignForm(forms.Form):
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.filter(status=ContractStatus.ACTIVE).select_related("vendor")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class BoardForm(forms.Form):
    """What the public board shows: the message and the reply in words without names or numbers."""

    text = forms.CharField(
        label=_("Message as shown on the board"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    reply = forms.CharField(
        label=_("Reply as shown on the board"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class SurveyCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    quarter = forms.RegexField(label=_("Quarter (e.g. 2026Q4)"), regex=r"^\d{4}Q[1-4]$")
    category = forms.ModelChoiceField(
        label=_("Every active contract of a service"), queryset=ServiceCategory.objects.all(), required=False
    )
    contracts = forms.ModelMultipleChoiceField(
        label=_("Or these contracts"), required=False, queryset=Contract.objects.filter(status=ContractStatus.ACTIVE)
    )
    deadline = forms.DateTimeField(label=_("Closes at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    invitations = forms.IntegerField(label=_("Invitations per contract"), min_value=1, max_value=500, initial=30)
