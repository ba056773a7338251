"""The service desk's public side: a requester's work order on the tracking page (the code works for a complaint
and for a repair alike), with "fixed" and a rating or "not fixed" and why; and the public message board of the
messages the office chose to publish, anonymised."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from inspections.choices import WorkOrderStatus
from inspections.models import Complaint, WorkOrder
from inspections.models.desk import SYSTEM_TEXTS
from inspections.services import desk
from logistics.models import ServiceCategory
from logistics.web import add_errors

RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class ConfirmForm(forms.Form):
    """The requester's answer to "is it fixed?": a rating when it is, what is still wrong when it is not."""

    fixed = forms.TypedChoiceField(
        label=gettext_lazy("Is it fixed?"),
        choices=[("yes", gettext_lazy("Yes, it is fixed")), ("no", gettext_lazy("No, not yet"))],
        widget=forms.RadioSelect,
        coerce=lambda value: value == "yes",
    )
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How was the service?"),
        choices=RATING_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("What is still wrong?"), required=False, max_length=1000, widget=forms.Textarea({"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("fixed") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Tell us what is still wrong."))
        return data


def work_order_track(request: HttpRequest, order: WorkOrder) -> HttpResponse:
    """The requester's view of a work order: status, timeline (public notes only), never personal data."""
    form = ConfirmForm()
    if request.method == "POST" and request.POST.get("action") == "confirm":
        form = ConfirmForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                desk.work_order_confirm(order=order, fixed=data["fixed"], rating=data["rating"], reason=data["reason"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Thank you: the job is closed.") if data["fixed"] else _("Sent back to the service company."),
                )
                return redirect("inspections:complaint_track", code=order.tracking_code)
    context = {
        "order": order,
        "events": order.events.filter(~Q(public_note="") | Q(kind__in=list(SYSTEM_TEXTS))).order_by("at", "pk"),
        "form": form,
        "can_confirm": order.status == WorkOrderStatus.COMPLETED,
    }
    return render(request, "inspections/work_order_track.html", context)


@never_cache
def board(request: HttpRequest) -> HttpResponse:
    """The public message board: answered messages the office published, newest first, by service."""
    rows = (
        Complaint.objects.filter(board_published_at__isnull=False, quarantined=False)
        .select_related("category")
        .only("board_text", "board_reply", "board_published_at", "kind", "category__name", "category__name_en")
        .order_by("-board_published_at", "-pk")
    )
    categories = ServiceCategory.objects.filter(is_active=True).order_by("pk")
    chosen = request.GET.get("category", "")
    if chosen.isdigit():
        rows = rows.filter(category_id=int(chosen))
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "inspections/board.html", {"page": page, "categories": categories, "chosen": chosen})
