"""The posts held for review: what the public page's bot filter kept apart, released or discarded by the office."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inspections.models import Complaint
from inspections.services import held as held_services
from logistics.files import download_url
from logistics.web import role_required

PAGE_SIZE = 50


def held_complaints() -> QuerySet[Complaint]:
    """The held posts, newest first, with what their cards show (a fixed number of queries per page)."""
    return (
        Complaint.objects.filter(quarantined=True)
        .select_related("category", "site", "key_point")
        .prefetch_related("photos")
        .order_by("-created_at", "-pk")
    )


@role_required("office")
@require_http_methods(["GET", "POST"])
def complaint_held(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        pk = request.POST.get("complaint", "")
        if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
            raise Http404
        complaint = get_object_or_404(Complaint, pk=int(pk))
        action = request.POST.get("action")
        try:
            if action == "release":
                held_services.complaint_release(complaint=complaint, by=request.user)
                messages.success(
                    request,
                    _("%(ref)s released: it waits for triage in the complaint queue.") % {"ref": complaint.reference},
                )
            elif action == "discard":
                reference = complaint.reference
                held_services.complaint_discard(
                    complaint=complaint, reason=request.POST.get("reason", ""), by=request.user
                )
                messages.success(request, _("%(ref)s discarded, with its photos.") % {"ref": reference})
            else:
                messages.error(request, _("Choose Release or Discard."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("inspections:complaint_held")
    page = Paginator(held_complaints(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (complaint, [(photo, download_url("complaint-photo", photo)) for photo in complaint.photos.all()])
        for complaint in page
    ]
    return render(request, "inspections/complaint_held.html", {"page": page, "rows": rows})
