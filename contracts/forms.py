from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import PaymentCycle


class AmendmentForm(forms.Form):
    effective_date = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    annual_fee = forms.DecimalField(
        label=_("Annual fee (CNY)"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    payment_cycle = forms.ChoiceField(
        label=_("Payment cycle"), required=False, choices=[("", "—"), *PaymentCycle.choices]
    )
    service_standards = forms.CharField(label=_("Service standards"), required=False, widget=forms.Textarea)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("end_date", "annual_fee", "payment_cycle", "service_standards")
            if data.get(name) not in (None, "")
        }
