"""Staffing pages: the vendor's roster (its people on its contracts' posts, their work certificates) and the
contract's staffing sheet (a PDF rendered by a task)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contracts import selectors_staffing, services_staffing
from contracts.choices import ContractStatus
from contracts.forms_staffing import AssignForm, LeaveForm, StaffCertificateForm, StaffForm
from contracts.models import Contract, Post
from logistics import documents
from logistics.access import is_finance, is_vendor_user, scoped
from logistics.models import StaffCertificate, Vendor, VendorStaff
from logistics.quarters import today as local_today
from logistics.web import role_required

if TYPE_CHECKING:
    from django import forms

KEPT = (ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.SUSPENDED)


def _errors_into(form: forms.Form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """A service's refusal shown on the form's fields (``fields`` renames the model's fields to the form's)."""
    fields = fields or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        target = fields.get(field, field)
        for error in errors:
            form.add_error(target if target in form.fields else None, error)


@role_required("vendor")
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest) -> HttpResponse:
    """花名册: the vendor's contracts' posts with who is on them, today's compliance, its people and their work
    certificates. The vendor puts people on posts, records their last day, adds people and uploads certificates."""
    if not is_vendor_user(request.user):
        raise PermissionDenied
    vendor = get_object_or_404(Vendor, pk=request.user.vendor_id)
    contracts = list(
        scoped(request.user, Contract.objects.filter(vendor=vendor, status__in=KEPT))
        .select_related("category")
        .order_by("number")
    )
    posts = (
        Post.objects.filter(contract__in=contracts)
        .select_related("contract", "role")
        .order_by("contract__number", "sort_order", "id")
    )
    entries = scoped(request.user, selectors_staffing.roster_of([c.pk for c in contracts]))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    bound = request.POST if request.method == "POST" else None

    def bind(name: str) -> Any:
        return bound if action == name else None

    assign = AssignForm(bind("assign"), vendor=vendor, posts=posts, prefix="assign")
    leave = LeaveForm(bind("leave"), vendor=vendor, entries=entries, prefix="leave")
    person = StaffForm(bind("staff"), vendor=vendor, prefix="staff")
    upload = StaffCertificateForm(
        bind("certificate"), request.FILES if action == "certificate" else None, vendor=vendor, prefix="cert"
    )
    done = None
    if action == "assign" and assign.is_valid():
        try:
            entry = services_staffing.roster_assign(user=request.user, **assign.cleaned_data)
            done = _("%(name)s is on the post %(post)s from %(date)s.") % {
                "name": entry.staff.name,
                "post": entry.post,
                "date": entry.starts_on.isoformat(),
            }
        except ValidationError as exc:
            _errors_into(assign, exc)
    elif action == "leave" and leave.is_valid():
        try:
            entry = services_staffing.roster_leave(user=request.user, **leave.cleaned_data)
            done = (
                _("%(name)s's last day on %(post)s: %(date)s.")
                % {"name": entry.staff.name, "post": entry.post, "date": entry.leaves_on.isoformat()}
                if entry.leaves_on
                else _("%(name)s is on %(post)s again, with no last day.")
                % {"name": entry.staff.name, "post": entry.post}
            )
        except ValidationError as exc:
            _errors_into(leave, exc, {"starts_on": "leaves_on"})
    elif action == "staff" and person.is_valid():
        try:
            added = services_staffing.staff_add(user=request.user, vendor=vendor, **person.cleaned_data)
            done = _("%(name)s has been added to your people.") % {"name": added.name}
        except ValidationError as exc:
            _errors_into(person, exc)
    elif action == "certificate" and upload.is_valid():
        try:
            certificate = services_staffing.staff_certificate_upload(user=request.user, **upload.cleaned_data)
            done = _("%(type)s of %(name)s has been saved.") % {
                "type": certificate.type,
                "name": certificate.staff.name,
            }
        except ValidationError as exc:
            _errors_into(upload, exc, {"type": "certificate_type"})
    if done:
        messages.success(request, done)
        return redirect(reverse("contracts:roster") + "#" + action)
    today = local_today()
    compliance = selectors_staffing.staffing_compliance([c.pk for c in contracts], today)
    by_post: dict[int, list[Any]] = {}
    for entry in entries:
        entry.current = entry.is_on_post(today)
        entry.coming = entry.starts_on > today
        by_post.setdefault(entry.post_id, []).append(entry)
    sections = []
    for contract in contracts:
        posts_today = compliance.get(contract.pk, [])
        sections.append(
            {
                "contract": contract,
                "posts": [(p, by_post.get(p.post.id, [])) for p in posts_today],
                "totals": selectors_staffing.totals(posts_today),
            }
        )
    people = (
        VendorStaff.objects.filter(vendor=vendor)
        .prefetch_related(
            Prefetch(
                "certificates", StaffCertificate.objects.select_related("type").order_by("type__code", "-expires_on")
            )
        )
        .order_by("-is_active", "name")
    )
    context = {
        "vendor": vendor,
        "sections": sections,
        "people": people,
        "today": today,
        "assign": assign,
        "leave": leave,
        "person": person,
        "upload": upload,
        "action": action,
        "current_entries": [e for e in entries if e.current or e.coming],
    }
    return render(request, "contracts/roster.html", context, status=400 if action and not done else 200)


def portal_staffing(vendor: Any) -> dict[int, dict[str, int]]:
    """contract id -> its roster's totals today (for the vendor's list of contracts)."""
    contracts = Contract.objects.filter(vendor=vendor, status__in=KEPT).values("pk")
    compliance = selectors_staffing.staffing_compliance(contracts, local_today())
    return {pk: selectors_staffing.totals(posts) for pk, posts in compliance.items()}


@role_required("office", "leader", "inspector", "vendor")
@require_POST
def staffing_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the contract's staffing sheet (PDF): a task renders it; the page of the document waits for it."""
    contract = get_object_or_404(scoped(request.user, Contract.objects.all()), pk=pk)
    document = documents.document_request(
        kind="contract_staffing_sheet",
        title=_("Posts and roster of %(number)s") % {"number": contract.number},
        params={
            "contract": contract.pk,
            "day": local_today().isoformat(),
            "language": get_language(),
            "people": not is_finance(request.user),  # finance reads the numbers, not the people
        },
        by=request.user,
    )
    return redirect("inspections:document", pk=document.pk)
