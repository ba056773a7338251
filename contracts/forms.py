from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts import clause_kinds
from contracts.models import Clause, PaymentCycle, TermsVersion

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PaymentDatesField(forms.CharField):
    """The payment dates a contract sets, typed as "06-30, 12-31" (a Chinese comma or 、 too); a list of "MM-DD"
    to the model, whose ``clean()`` (``payment_dates_problem``) says what is wrong with them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Payment dates (MM-DD)"))
        kwargs.setdefault(
            "help_text", _("Only with the cycle on the dates the contract sets: the last day of each payment period.")
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        text = super().to_python(value) or ""
        for separator in ("，", "、", ";", "；", " "):
            text = text.replace(separator, ",")
        return [part.strip() for part in text.split(",") if part.strip()]


class DraftTermsForm(forms.ModelForm):
    """A draft contract's terms in the admin: the payment dates typed as text."""

    payment_dates = PaymentDatesField()

    class Meta:
        model = TermsVersion
        fields = ["annual_fee", "payment_cycle", "payment_dates"]


class AmendmentForm(forms.Form):
    """A supplementary agreement (补充协议): prefilled with the terms in force, the office changes what the
    agreement changes. The clause set below it is the new version's whole set."""

    effective_date = forms.DateField(label=_("Takes effect on"), widget=DATE)
    agreement_number = forms.CharField(label=_("Agreement number"), max_length=60, required=False)
    approved_by = forms.CharField(label=_("Approved by"), max_length=100)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    annual_fee = forms.DecimalField(label=_("Annual fee (CNY)"), max_digits=14, decimal_places=2)
    payment_cycle = forms.ChoiceField(label=_("Payment cycle"), choices=PaymentCycle.choices)
    payment_dates = PaymentDatesField()
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    service_standards = forms.CharField(label=_("Service standards"), required=False, widget=forms.Textarea)

    def clean_annual_fee(self) -> Any:
        fee = self.cleaned_data["annual_fee"]
        if fee is not None and fee <= 0:
            raise forms.ValidationError(_("The annual fee must be more than 0."))
        return fee


class RenewalForm(forms.Form):
    """The next contract of an expiring one: its period and fee (prefilled: the same length, the fee in force)."""

    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    annual_fee = forms.DecimalField(label=_("Annual fee (CNY)"), max_digits=14, decimal_places=2)


class ClauseForm(forms.ModelForm):
    """One clause of the new terms version; the registry says which parameters its kind needs."""

    class Meta:
        model = Clause
        fields = ["kind", *clause_kinds.PARAMETERS, "description"]

    def spec(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields}


ClauseFormSet = forms.formset_factory(ClauseForm, extra=2, can_delete=True)


def clause_initial(clauses: list[Clause]) -> list[dict[str, Any]]:
    return [{name: getattr(clause, name) for name in ClauseForm._meta.fields} for clause in clauses]
