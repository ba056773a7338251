"""Complaints: the public complaint and tracking pages, the office's complaint queue, QR sheets and documents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from contracts.evidence import register_evidence_url
from contracts.models import ContractStatus
from inspections import filtersets, forms, renderers, rules, selectors, views_desk_public
from inspections.models import (
    TRACKING_ALPHABET,
    Complaint,
    ComplaintPhoto,
    ComplaintStatus,
    InspectionPlan,
    WorkOrder,
)
from inspections.services import complaints as complaint_services
from inspections.services import desk as desk_services
from inspections.views_desk import queue_filters
from logistics import documents
from logistics.access import is_office
from logistics.files import download_url, register_download
from logistics.models import Document, KeyPoint, ServiceCategory, Site
from logistics.policy import may
from logistics.ratelimit import client_address, hit
from logistics.web import add_errors, register_portal_section, role_required

register_download("complaint-photo", ComplaintPhoto, "image", inline=True)
register_download(
    "document",
    Document,
    "file",
    check=lambda user, doc: doc.status == Document.Status.READY and (doc.requested_by_id == user.pk or is_office(user)),
)
register_evidence_url("complaint", lambda pk: reverse("inspections:complaint", args=[pk]))

OFFICE_ACTIONS = ("accept", "reject", "close", "send_back", "rule", "reassign", "reply")
RATE_PER_ADDRESS = "5/10m"
RATE_PER_CONTACT = "3/h"
RATE_TRACKING = "60/10m"
NEW_COMPLAINT_COOKIE = "new_complaint"
NEW_COMPLAINT_MAX_AGE = 3600


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = render(request, "inspections/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# --- the public complaint page --------------------------------------------------------------------------
def _initial_from_qr(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"started": forms.form_stamp()}

    def code(name: str) -> str:  # no code has a NUL, and PostgreSQL refuses one in a query (a 500)
        value = request.GET.get(name, "")
        return "" if "\x00" in value else value

    site = Site.objects.filter(code=code("site"), is_active=True).first()
    key_point = None
    if site is not None:
        initial["site"] = site
        key_point = KeyPoint.objects.filter(site=site, code=code("kp"), is_active=True).first()
        if key_point is not None:
            initial["key_point"] = key_point
    # the service: the link's ?cat= wins; otherwise the one service whose plans cover the key point, if one does
    category = ServiceCategory.objects.filter(code=code("cat"), is_active=True).first() if code("cat") else None
    if category is not None:
        initial["category"] = category
    elif key_point is not None and (category_id := _key_point_category(key_point)) is not None:
        initial["category"] = category_id
    return initial


def _key_point_category(key_point: KeyPoint) -> int | None:
    """The service category of the key point (a key point has none of its own): the category of the active
    contracts whose inspection plans in force cover it, when they are all of one category (one query)."""
    today = timezone.localdate()
    categories = list(
        InspectionPlan.objects.filter(
            key_points=key_point,
            effective_from__lte=today,
            contract__status=ContractStatus.ACTIVE,
            contract__category__is_active=True,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .order_by()
        .values_list("contract__category", flat=True)
        .distinct()[:2]
    )
    return categories[0] if len(categories) == 1 else None


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = forms.ComplaintForm(request.POST, request.FILES)
        limit = hit(request, group="complaint-address", value=client_address(request), rate=RATE_PER_ADDRESS)
        if limit.limited:
            return too_many(request, limit.retry_after)
        if form.is_valid():
            data = form.cleaned_data
            contact = data["email"] or data["phone"]
            if contact:
                limit = hit(request, group="complaint-contact", value=contact, rate=RATE_PER_CONTACT)
                if limit.limited:
                    return too_many(request, limit.retry_after)
            try:
                complaint = complaint_services.complaint_submit(
                    **form.request_details(),
                    quarantined=form.looks_automated(),
                    kind=data["kind"],
                    channel=form.channel,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                forms.spend_stamp(form.data.get("started", ""))
                # the banner with the code is for this browser only: a signed cookie, not a session row per
                # anonymous post
                response = redirect(reverse("inspections:complaint_track", args=[complaint.tracking_code]) + "?new=1")
                response.set_signed_cookie(
                    NEW_COMPLAINT_COOKIE,
                    complaint.tracking_code,
                    salt=NEW_COMPLAINT_COOKIE,
                    max_age=NEW_COMPLAINT_MAX_AGE,
                    path=reverse("inspections:complaint_lookup"),
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
                return response
        # the typed text stays, and so does the stamp of when the form was opened: a corrected post sent at
        # once is not taken for a bot's (a fresh stamp only when the post had no valid one)
        form.data = form.data.copy()
        if forms.seconds_since(form.data.get("started", "")) is None:
            form.data["started"] = forms.form_stamp()
    else:
        initial = _initial_from_qr(request)
        if request.GET.get("via") == "board":
            initial["via"] = "board"
        form = forms.ComplaintForm(initial=initial)
    return render(request, "inspections/complaint_new.html", {"form": form})


def _complaint_by_code(code: str) -> Complaint:
    code = (code or "").strip().upper()
    if not code or any(char not in TRACKING_ALPHABET for char in code):
        raise Http404
    return get_object_or_404(Complaint.objects.select_related("category", "site", "key_point"), tracking_code=code)


@never_cache
def complaint_track_lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip().upper()
    if code:
        if any(char not in TRACKING_ALPHABET for char in code):
            raise Http404  # no such code (and one with a "/" would have no URL to redirect to)
        return redirect("inspections:complaint_track", code=code)
    return render(request, "inspections/complaint_lookup.html")


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_track(request: HttpRequest, code: str) -> HttpResponse:
    """The employee's view: status timeline and replies, never personal data; rate and reopen once."""
    limit = hit(request, group="complaint-track", value=client_address(request), rate=RATE_TRACKING)
    if limit.limited:
        return too_many(request, limit.retry_after)
    try:
        complaint = _complaint_by_code(code)  # 404 for a code outside the alphabet, before any query
    except Http404:
        # the same code box tracks a repair request (a work order has a code from the same alphabet)
        wanted = (code or "").strip().upper()
        if not wanted or any(char not in TRACKING_ALPHABET for char in wanted):
            raise
        order = WorkOrder.objects.select_related("category", "site", "key_point").filter(tracking_code=wanted).first()
        if order is None:
            raise
        return views_desk_public.work_order_track(request, order)
    # the employee's two actions: the form (its data are the service's arguments), the service, the message
    actions = {
        "rate": (forms.RatingForm, complaint_services.complaint_rate, _("Thank you for your rating.")),
        "reopen": (
            forms.ReopenForm,
            complaint_services.complaint_reopen,
            _("Your complaint has been reopened and sent back for action."),
        ),
    }
    shown = {action: form_class() for action, (form_class, _service, _done) in actions.items()}
    action = request.POST.get("action") if request.method == "POST" else None
    if action in actions:
        form_class, service, done = actions[action]
        form = shown[action] = form_class(request.POST)
        try:
            if form.is_valid():
                service(complaint=complaint, **form.cleaned_data)
                messages.success(request, done)
                return redirect("inspections:complaint_track", code=complaint.tracking_code)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    events = complaint.events.order_by("at", "pk")  # the template shows kinds and public notes only
    photos = [
        (p, reverse("inspections:complaint_track_photo", args=[complaint.tracking_code, p.pk]))
        for p in complaint.photos.all()
    ]
    can_rate = complaint.status in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED) and complaint.rating is None
    context = {
        "complaint": complaint,
        "events": events,
        "photos": photos,
        "is_new": request.GET.get("new") == "1"
        and request.get_signed_cookie(
            NEW_COMPLAINT_COOKIE, default=None, salt=NEW_COMPLAINT_COOKIE, max_age=NEW_COMPLAINT_MAX_AGE
        )
        == complaint.tracking_code,
        "can_rate": can_rate,
        "can_reopen": complaint.status in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED)
        and complaint.reopen_count == 0
        and complaint.contract_id is not None,
        "rating_form": shown["rate"],
        "reopen_form": shown["reopen"],
    }
    return render(request, "inspections/complaint_track.html", context)


def complaint_track_photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    complaint = _complaint_by_code(code)
    photo = get_object_or_404(ComplaintPhoto, pk=pk, complaint=complaint)
    response = FileResponse(
        photo.image.open("rb"), content_type="image/jpeg" if photo.image.name.endswith(".jpg") else "image/png"
    )
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- the office's queue and the complaint page -----------------------------------------------------------
@role_required("office", "leader", "inspector")
def complaint_queue(request: HttpRequest) -> HttpResponse:
    filterset = filtersets.ComplaintFilterSet(request.GET, queryset=selectors.complaints_for(request.user))
    queryset = filterset.qs  # a value the page did not offer is left out of the filter (the form drops it)
    queryset = queryset.annotate(late=rules.complaint_late_q()).order_by(
        F("response_deadline").asc(nulls_first=True), "created_at"
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        **queue_filters(request, ComplaintStatus.choices, contracts=False),
        # the posts the bot filter held, waiting for the office's review (the office's page)
        "held_count": Complaint.objects.filter(quarantined=True).count() if is_office(request.user) else None,
    }
    return render(request, "inspections/complaint_queue.html", context)


@role_required("office", "leader", "inspector", "vendor")
@require_http_methods(["GET", "POST"])
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if is_office(request.user):
        queryset = Complaint.objects.select_related("category", "site", "key_point", "contract__vendor")
    else:
        queryset = selectors.complaints_for(request.user)
    complaint = get_object_or_404(queryset, pk=pk)
    forms_ = {
        "triage": forms.TriageForm(),
        "reason_form": forms.ReasonForm(),
        "ruling": forms.RulingForm(),
        "reassign": forms.ReassignForm(),
        "board": forms.BoardForm(initial={"text": complaint.board_text, "reply": complaint.board_reply}),
    }
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in OFFICE_ACTIONS and not may(request.user, "complaint.triage", complaint):
                raise PermissionDenied
            if action in ("answer", "decline") and not may(request.user, "complaint.answer", complaint):
                raise PermissionDenied
            if action in ("publish", "unpublish") and not may(request.user, "desk.publish", complaint):
                raise PermissionDenied
            if action == "callback" and not may(request.user, "desk.callback", complaint):
                raise PermissionDenied
            done = _complaint_action(request, complaint, action, forms_)
            if done is not None:
                messages.success(request, done)
                return redirect("inspections:complaint", pk=complaint.pk)
        except ValidationError as exc:
            errors = exc.messages
    photos = [(p, download_url("complaint-photo", p)) for p in complaint.photos.all()]
    office = is_office(request.user)
    context = {
        "complaint": complaint,
        "events": complaint.events.select_related("by").order_by("at", "pk"),
        "photos": photos,
        **forms_,
        "errors": errors,
        "is_office": office,
        "can_answer": may(request.user, "complaint.answer.now", complaint),
        "can_decline": may(request.user, "complaint.decline", complaint),
        "can_rule": office
        and complaint.kind == "complaint"
        and complaint.ruled_at is None
        and complaint.upheld is None
        and complaint.status in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED),
        "can_reply": office and complaint.kind != "complaint" and complaint.status in ("received", "accepted"),
        "callbacks": complaint.callbacks.select_related("done_by") if office else [],
        "show_contact": office and not complaint.anonymous,
        "post": request.POST,
    }
    return render(request, "inspections/complaint_detail.html", context)


def _complaint_action(request: HttpRequest, complaint: Complaint, action: str, forms_: dict[str, Any]) -> str | None:
    """Run the posted action through its service; the message to show when it was done, or None (a bound form
    with its errors is left in ``forms_``, so nothing typed is lost)."""
    user, post = request.user, request.POST
    # the actions posted with a form: the form's name on the page, its class, the service its data go to, the message
    with_form = {
        "accept": (
            "triage",
            forms.TriageForm,
            complaint_services.complaint_accept,
            _("Accepted and sent to the service company."),
        ),
        "rule": (
            "ruling",
            forms.RulingForm,
            complaint_services.complaint_rule,
            _("The ruling is recorded; the employee can read it."),
        ),
        "reassign": (
            "reassign",
            forms.ReassignForm,
            complaint_services.complaint_reassign,
            _("Reassigned; the new service company has been told."),
        ),
        "publish": ("board", forms.BoardForm, desk_services.complaint_publish, _("Published on the public board.")),
    }
    if action in with_form:
        name, form_class, service, done = with_form[action]
        form = forms_[name] = form_class(post)
        if form.is_valid():
            service(complaint=complaint, by=user, **form.cleaned_data)
            return done
    elif action in ("reject", "send_back", "decline"):
        form = forms_["reason_form"] = forms.ReasonForm(post)
        if form.is_valid():
            service = {
                "reject": complaint_services.complaint_reject,
                "send_back": complaint_services.complaint_send_back,
                "decline": complaint_services.complaint_decline,
            }[action]
            service(complaint=complaint, reason=form.cleaned_data["reason"], by=user)
            return _("Done.")
    elif action == "close":
        complaint_services.complaint_close(complaint=complaint, reply=post.get("reply", ""), by=user)
        return _("Closed; the employee can read your reply.")
    elif action == "reply":
        complaint_services.complaint_reply(complaint=complaint, reply=post.get("reply", ""), by=user)
        return _("Answered and closed; the employee can read your reply.")
    elif action == "answer":
        complaint_services.complaint_answer(
            complaint=complaint, response=post.get("response", ""), photos=request.FILES.getlist("photos"), by=user
        )
        return _("Your answer has been sent to the office.")
    elif action == "unpublish":
        desk_services.complaint_unpublish(complaint=complaint, by=user)
        return _("Taken off the public board.")
    elif action == "callback":
        desk_services.callback_schedule(complaint=complaint, by=user)
        return _("A callback has been added to the list.")
    return None


def _portal_complaints(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    rows = list(
        selectors.complaints_for(request.user)
        .filter(status=ComplaintStatus.DISPATCHED)
        .order_by("response_deadline")[:20]
    )
    return {"template": "inspections/portal_complaints.html", "complaints": rows}


register_portal_section("complaints_section", _portal_complaints)


# --- QR sheets and generated documents ------------------------------------------------------------------
@role_required("office")
@require_http_methods(["GET", "POST"])
def qr_sheet(request: HttpRequest) -> HttpResponse:
    sites = Site.objects.filter(is_active=True).prefetch_related("key_points")
    if request.method == "POST":
        chosen = [int(x) for x in request.POST.getlist("sites") if x.isdigit()]
        if not chosen:
            messages.error(request, _("Choose at least one site."))
        else:
            params = {"sites": chosen, "key_points": request.POST.get("key_points") == "on"}
            return document_requested(request, "complaint_qr_sheet", _("Complaint QR codes"), params)
    example = renderers.public_url(reverse("inspections:complaint_new"))
    return render(request, "inspections/qr_sheet.html", {"sites": sites, "example_url": example})


def document_requested(request: HttpRequest, kind: str, title: str, params: dict[str, Any]) -> HttpResponse:
    """Ask for a PDF (a task makes it) and go to its page, which shows it when it is ready."""
    document = documents.document_request(kind=kind, title=title, params=params, by=request.user)
    return redirect("inspections:document", pk=document.pk)


@never_cache
@role_required("office", "leader", "inspector", "vendor")
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(Document, pk=pk)
    if document.requested_by_id != request.user.pk and not is_office(request.user):
        raise Http404
    return render(request, "inspections/document.html", {"document": document})
