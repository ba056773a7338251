from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from logistics import channels
from logistics.models import AdmissionReview, CheckResult, ObjectionRuling, ReviewOpinion, User
from logistics.uploads import clean_document

MAX_BID_FILES = 5


def written(label: str, *, rows: int, max_length: int, if_empty: str | None = None, **kwargs: Any) -> forms.CharField:
    """A text written in a box ``rows`` lines high; ``if_empty``: what to say when it is required and left empty."""
    if if_empty is not None:
        kwargs["error_messages"] = {"required": if_empty}
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), max_length=max_length, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleDocumentsField(forms.FileField):
    """Several documents at once; each is checked like any upload (extension, content, size)."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, max_files: int = MAX_BID_FILES, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise ValidationError(_("At most %(count)d files.") % {"count": self.max_files})
        return [clean_document(super(MultipleDocumentsField, self).clean(f, initial)) for f in files]


class BidForm(forms.Form):
    price = forms.DecimalField(
        label=_("Price (CNY per year)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    proposal = forms.CharField(label=_("Technical proposal"), widget=forms.Textarea, max_length=20000)
    past_projects = forms.IntegerField(label=_("Similar past projects"), min_value=0, max_value=1000, initial=0)
    past_projects_description = forms.CharField(
        label=_("Past projects (client, period, scope)"), widget=forms.Textarea, required=False, max_length=5000
    )
    documents = MultipleDocumentsField(label=_("Documents (PDF, JPEG, PNG; up to 5)"))


class OpinionForm(forms.ModelForm):
    class Meta:
        model = ReviewOpinion
        fields = ["opinion", "comments"]
        widgets = {"opinion": forms.RadioSelect, "comments": forms.Textarea(attrs={"rows": 3})}


class CheckVerdictForm(forms.Form):
    check_id = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Verdict"), choices=CheckResult.choices)
    note = written(_("Reason"), rows=2, max_length=2000)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=AdmissionReview.Decision.choices, widget=forms.RadioSelect
    )
    reason = written(_("Reasons"), rows=3, max_length=5000)


class AwardForm(forms.Form):
    bid = forms.TypedChoiceField(label=_("Bid to award"), coerce=int)
    reason = written(_("Reason (required when it is not the top-ranked bid)"), rows=3, max_length=5000, required=False)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bid"].choices = choices


class NoticeSettingsForm(forms.ModelForm):
    """How a person is told: the channels and the mobile number for SMS (the model's clean() holds the rules)."""

    notify_channels = channels.form_field(channels.personal_choices(), label=_("Notify me by"))

    class Meta:
        model = User
        fields = ["notify_channels", "phone"]
        labels = {"phone": _("Mobile number")}


class CertificateUploadForm(forms.Form):
    """A renewed (or new) company certificate the vendor's staff upload for the office to verify."""

    certificate_type = forms.ModelChoiceField(label=_("Type"), queryset=None)
    number = forms.CharField(label=_("Number"), max_length=100)
    issuer = forms.CharField(label=_("Issuer"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: does not expire."),
    )
    scan = forms.FileField(label=_("Scan (PDF, JPEG or PNG)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from logistics.models import CertificateType

        super().__init__(*args, **kwargs)
        self.fields["certificate_type"].queryset = CertificateType.objects.order_by("code")


class PlainLabels(forms.Form):
    """Labels without Django's Latin colon (the Chinese pages would show “理由:”)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TenderQuestionForm(PlainLabels):
    question = written(_("Your question"), rows=3, max_length=5000, if_empty=_("Please write your question."))


class AwardObjectionForm(PlainLabels):
    grounds = written(
        _("Grounds of the objection"),
        rows=4,
        max_length=10000,
        if_empty=_("Please state the grounds of the objection."),
    )


class TenderAnswerForm(PlainLabels):
    answer = written(_("Answer to publish"), rows=3, max_length=10000, if_empty=_("Please write the answer."))


class DeadlineForm(PlainLabels):
    bid_deadline = forms.DateTimeField(
        label=_("New bid deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    opening_at = forms.DateTimeField(
        label=_("New opening (empty: moves with the deadline)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = written(_("Reason"), rows=2, max_length=2000, if_empty=_("Please write why the deadline moves."))


class CheckOverrideForm(PlainLabels):
    RESULTS = (
        ("pass", pgettext_lazy("qualification check", "Passed")),
        ("fail", pgettext_lazy("qualification check", "Failed")),
        ("withdraw", _("Withdraw the override")),
    )
    result = forms.ChoiceField(label=_("Override to"), choices=RESULTS)
    reason = written(_("Written reason"), rows=2, max_length=5000, required=False)


class RulingForm(PlainLabels):
    RULINGS = (
        (ObjectionRuling.UPHELD, _("Uphold (withdraw the proposed award)")),
        (ObjectionRuling.DISMISSED, _("Dismiss")),
    )
    ruling = forms.ChoiceField(label=_("Ruling"), choices=RULINGS, widget=forms.RadioSelect)
    reason = written(_("Reasons"), rows=3, max_length=5000, if_empty=_("Please give the reasons for the ruling."))
