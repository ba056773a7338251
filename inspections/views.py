"""Pages of the inspections app: the tablet form, inspection lists and details, rectification orders."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from contracts.choices import NoticeKind
from contracts.evidence import register_evidence_url
from contracts.models import FormalNotice
from inspections import filtersets, selectors
from inspections.calculations import plain_number, reading_range
from inspections.choices import AnswerType, ItemResultChoice, RoundStatus
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionSignature,
    ItemResult,
    RectificationOrder,
    RectificationPhoto,
    RectificationStatus,
)
from inspections.services import inspections as inspection_services
from inspections.services import plans as plan_services
from inspections.services import rectifications as rectification_services
from logistics.access import is_inspector, is_vendor_user, scoped
from logistics.files import download_url, register_download
from logistics.models import Department
from logistics.models.base import english_active, in_language
from logistics.pagination import EstimatingPaginator
from logistics.policy import may
from logistics.quarters import today as local_today
from logistics.views import catalog_url, catalog_version
from logistics.web import register_portal_section, role_required

if TYPE_CHECKING:
    from logistics.models import User


register_download("inspection-photo", InspectionPhoto, "image", inline=True)
register_download("inspection-signature", InspectionSignature, "image", inline=True)
register_download("inspection-document", Inspection, "document")
register_download("rectification-photo", RectificationPhoto, "image", inline=True)
register_evidence_url("item_result", lambda pk: reverse("inspections:item_result", args=[pk]))
register_evidence_url("rectification", lambda pk: reverse("inspections:rectification", args=[pk]))

PAGE_SIZE = 50


# --- the tablet form ------------------------------------------------------------------------------------
def tablet_bootstrap(user: User) -> dict[str, Any]:
    """What the tablet's first screen needs, in a fixed number of queries: the contracts with their sites, key
    points and open orders, the kinds, the rounds, and the checklists by name and version. A checklist's items
    are not in the page: the form fetches them from ``tablet_checklist`` (cached by the service worker)."""
    kinds = inspection_services.kinds_for(user)
    contracts = list(
        inspection_services.contracts_for_inspection(user)
        .select_related("vendor", "category")
        .only("number", "vendor", "category", "vendor__legal_name", "category__name", "category__name_en")
        .prefetch_related("sites__key_points")
        .order_by("number")
    )
    templates = list(selectors.tablet_checklists(user, contracts).order_by("family"))
    open_orders = (
        RectificationOrder.objects.filter(contract__in=contracts)
        .exclude(status=RectificationStatus.VERIFIED)
        .order_by("deadline")
    )
    orders_by_contract: dict[int, list[dict[str, Any]]] = {}
    status_labels = {value: str(label) for value, label in RectificationStatus.choices}
    for order in open_orders:
        orders_by_contract.setdefault(order.contract_id, []).append(
            {
                "id": order.pk,
                "ref": order.reference,
                "description": order.description,
                "status": order.status,
                "status_label": status_labels[order.status],
                "deadline": order.deadline.isoformat(),
            }
        )
    labels = dict(InspectionKind.choices)
    return {
        "user": {"id": user.pk, "name": user.get_full_name() or user.username},
        "rounds": _tablet_rounds(user, templates),
        "kinds": [{"value": k, "label": str(labels[k])} for k in kinds],
        "contracts": [
            {
                "id": c.pk,
                "number": c.number,
                "vendor": c.vendor.legal_name,
                "category": c.category_id,
                "category_name": str(c.category),
                "sites": [
                    {
                        "id": s.pk,
                        "name": str(s),
                        "key_points": [{"id": k.pk, "name": str(k)} for k in s.key_points.all()],
                    }
                    for s in c.sites.all()
                ],
                "rectifications": orders_by_contract.get(c.pk, []),
                "roster": reverse(
                    "inspections:tablet_roster", kwargs={"pk": c.pk, "language": translation.get_language()}
                ),
            }
            for c in contracts
        ],
        "templates": [
            {
                "id": t.pk,
                "family": t.family,
                "version": t.version,
                "kind": t.kind,
                "category": t.category_id,
                "name": t.display_name,
                "url": checklist_url(t),
            }
            for t in templates
        ],
        "departments": [
            {"id": d.pk, "name": str(d)} for d in Department.objects.filter(kind=Department.Kind.SPECIALIST)
        ],
        "urls": {
            "sync": reverse("api-inspect-sync"),
            "submit": reverse("api-inspect-submit"),
            "photos": reverse("api-inspect-photos"),
            "signatures": reverse("api-inspect-signatures"),
            "inspections": reverse("inspections:list"),
        },
    }


def checklist_url(template: ChecklistTemplate, language: str | None = None) -> str:
    """The address of a checklist's items in a language. It names the version and its edition (the moment it
    was last saved: a version nobody has submitted may still be edited in place), so what it serves never
    changes and the tablet keeps it for good."""
    return reverse(
        "inspections:tablet_checklist",
        kwargs={
            "pk": template.pk,
            "version": template.version,
            "edition": checklist_edition(template),
            "language": language or translation.get_language(),
        },
    )


def checklist_edition(template: ChecklistTemplate) -> int:
    return int(template.updated_at.timestamp() * 1000)


def _tablet_rounds(user: User, templates: list[ChecklistTemplate]) -> list[dict[str, Any]]:
    """Today's and the rest of this week's rounds of ``user``, each with what its form needs filled in."""
    today = local_today()
    monday = today - dt.timedelta(days=today.weekday())
    rows = plan_services.rounds_for(user, min(today, monday), monday + dt.timedelta(days=6))
    template_for = {}
    for template in templates:  # the first current checklist of the kind for the category (family order)
        template_for.setdefault((template.category_id, template.kind), template.pk)
    status_labels = dict(RoundStatus.choices)
    out = []
    for row in rows:
        if row.due_on < today and row.is_done:
            continue  # the week's past rounds that are done: nothing to do
        template_kind = InspectionKind.DAILY if row.kind == InspectionKind.SELF else row.kind
        category = row.contract.category_id  # rounds_for reads the contract with the round
        opens, closes = timezone.localtime(row.opens_at), timezone.localtime(row.closes_at)
        out.append(
            {
                "id": row.pk,
                "due_on": row.due_on.isoformat(),
                "today": row.due_on == today,
                "kind": row.kind,
                "contract": row.contract_id,
                "template": template_for.get((category, row.kind)) or template_for.get((category, template_kind)),
                "site": row.plan.site_id,
                "site_name": str(row.plan.site) if row.plan.site_id else "",
                "key_points": [k.pk for k in row.plan.key_points.all()],
                "window": f"{opens:%H:%M}–{closes:%H:%M}" + (" +1" if closes.date() > opens.date() else ""),
                "status": row.status,
                "status_label": str(status_labels[row.status]),
                "inspection": row.inspection.reference if row.inspection_id else "",
            }
        )
    return out


def _checklist_items(template_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The items of these templates as the tablet reads them, by template, in the checklist's order.

    Read as rows, not model instances, and in the active language (``ChecklistItem.display_text`` and its
    siblings, decided once): building an instance and asking the language three times for each item was a
    third of the time when the page carried every checklist's items (300 and more)."""
    english = english_active()
    fields = ["group", "text", "standard"]
    columns = [*fields, *(f"{field}_en" for field in fields)]
    rows = (
        ChecklistItem.objects.filter(template_id__in=template_ids)
        .order_by("template_id", "sort_order", "code")
        .values_list(
            "template_id",
            "pk",
            "code",
            "max_points",
            "severity",
            "is_key_point",
            "photo_required_on_fail",
            *ChecklistItem.ANSWER_FIELDS,
            *columns,
            "post_role_id",
            "post_role__name",
            "post_role__name_en",
        )
    )
    by_template: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        template_id, pk, code, max_points, severity, key_point, photo_required, answer, unit, low, high, signer = row[
            :12
        ]
        local = dict(zip(columns, row[12 : 12 + len(columns)], strict=True))
        role_id, role_name, role_name_en = row[12 + len(columns) :]
        shown = {f: in_language(local[f], local[f"{f}_en"], english) for f in fields}
        item = {
            "id": pk,
            "code": code,
            "group": shown["group"],
            "text": shown["text"],
            "standard": shown["standard"],
            "max_points": str(max_points),
            "severity": severity,
            "key_point": key_point,
            "photo_required": photo_required,
        }
        if answer == AnswerType.READING:  # only what the item asks for is sent
            item.update(
                answer=answer,
                unit=unit,
                min=None if low is None else plain_number(low),
                max=None if high is None else plain_number(high),
                range=reading_range(low, high, unit),
            )
        elif answer == AnswerType.SIGNATURE:
            item.update(answer=answer, signer=signer)
        elif answer == AnswerType.POST:
            item.update(answer=answer, role=role_id, role_name=in_language(role_name, role_name_en, english))
        by_template.setdefault(template_id, []).append(item)
    return by_template


@never_cache
@role_required("office", "inspector", "vendor")
def inspect(request: HttpRequest) -> HttpResponse:
    """The tablet form: one page that keeps working offline (service worker + the browser's storage)."""
    context = {"bootstrap": tablet_bootstrap(request.user), "catalog": catalog_url(translation.get_language())}
    return render(request, "inspections/inspect.html", context)


CHECKLIST_MAX_AGE = 365 * 24 * 3600  # its address changes with the checklist: kept as long as it is wanted


@require_safe
@role_required("office", "inspector", "vendor")
def tablet_checklist(request: HttpRequest, pk: int, version: int, edition: int, language: str) -> HttpResponse:
    """The items of one checklist the tablet offers this user (``selectors.tablet_checklists``, the page's own
    rule), as JSON in the language its address names. An address of another version or edition, or of a
    checklist the user is not offered, is not found."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    template = get_object_or_404(selectors.tablet_checklists(request.user), pk=pk, version=version)
    if checklist_edition(template) != edition:
        raise Http404
    with translation.override(language):
        items = _checklist_items([template.pk]).get(template.pk, [])
    response = JsonResponse(
        {"id": template.pk, "version": template.version, "items": items}, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = f"private, max-age={CHECKLIST_MAX_AGE}, immutable"
    response["Content-Language"] = language
    return response


ROSTER_MAX_AGE = 0  # a roster changes any day: the tablet asks the network first and keeps the last one it got


@require_safe
@role_required("office", "inspector", "vendor")
def tablet_roster(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    """A contract's posts and the people on them today, with the certificates each lacks, for the tablet's post
    checks; only of a contract the user may inspect (else not found)."""
    from contracts.selectors_staffing import tablet_roster as roster_of_the_day

    if language not in dict(settings.LANGUAGES):
        raise Http404
    contract = get_object_or_404(inspection_services.contracts_for_inspection(request.user), pk=pk)
    with translation.override(language):
        data = roster_of_the_day(contract, local_today())
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-cache"
    response["Content-Language"] = language
    return response


# what the tablet page loads from the static files (templates/base.html and inspect.html): the service worker
# keeps them, so a repeat load or an offline one asks the network for none
TABLET_ASSETS = ("css/app.css", "js/inspect.js", "js/print.js", "js/table-cards.js", "js/confirm.js", "img/favicon.svg")


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker of /inspect/: keeps the page, its assets and the checklists so the form opens
    without network. Its version changes with the assets' addresses (hashed names in production; without
    them, as in development, with the files' modification times), the catalogue's and the product's."""
    assets = [static(path) for path in TABLET_ASSETS]
    parts = [*assets, catalog_version(), settings.APP_VERSION]
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        parts += [str(Path(found).stat().st_mtime_ns) for path in TABLET_ASSETS if (found := finders.find(path))]
    page = reverse("inspections:inspect")
    context = {
        "assets_json": json.dumps([*assets, catalog_url(translation.get_language())]),
        "page": page,
        "checklists": page + "checklists/",
        "rosters": page + "rosters/",
        "static": settings.STATIC_URL,
        "catalog_path": reverse("javascript-catalog"),
        "version": hashlib.sha256("|".join(parts).encode()).hexdigest()[:12],
    }
    response = render(request, "inspections/sw.js", context, content_type="application/javascript")
    response["Service-Worker-Allowed"] = page
    response["Cache-Control"] = "no-cache"
    return response


def _list_page(request: HttpRequest, template: str, filterset_class: type, queryset: QuerySet) -> HttpResponse:
    """A list page: the rows the reader's filters leave, a page at a time."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    page = EstimatingPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"filter": filterset, "page": page})


# --- inspections ----------------------------------------------------------------------------------------
@role_required("office", "inspector", "vendor", "leader")
def inspection_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.inspections_for(request.user).order_by("-inspected_on", "-pk")
    return _list_page(request, "inspections/inspection_list.html", filtersets.InspectionFilterSet, queryset)


@role_required("office", "inspector", "vendor", "leader")
@require_http_methods(["GET", "POST"])
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        selectors.inspections_for(request.user).prefetch_related(
            Prefetch("results", queryset=ItemResult.objects.select_related("item").order_by("item__sort_order")),
            "photos",
            "signatures",
            "signoffs__user",
            "amendments__amended_by",
            "key_points",
            "inspectors",
            "departments",
            "rectification_checks__order",
        ),
        pk=pk,
    )
    if request.method == "POST" and request.POST.get("action") == "signoff":
        if not may_sign(request.user, inspection):
            raise PermissionDenied
        try:
            inspection_services.inspection_signoff(
                inspection=inspection, user=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Signed off."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("inspections:detail", pk=inspection.pk)
    photos_by_item: dict[int, list[str]] = {}
    for photo in inspection.photos.all():
        photos_by_item.setdefault(photo.item_id, []).append(download_url("inspection-photo", photo))
    signatures = {s.item_id: s for s in inspection.signatures.all()}
    rows = [(r, photos_by_item.get(r.item_id, []), signatures.get(r.item_id)) for r in inspection.results.all()]
    signed = {s.user_id for s in inspection.signoffs.all()}
    context = {
        "inspection": inspection,
        "rows": rows,
        "can_amend": inspection.is_submitted and may(request.user, "inspection.amend", inspection),
        "can_sign": inspection.is_submitted and request.user.pk not in signed and may_sign(request.user, inspection),
    }
    return render(request, "inspections/inspection_detail.html", context)


def may_sign(user: User, inspection: Inspection) -> bool:
    """Its inspectors sign an inspection; a monthly joint one also the other inspectors and the vendor's staff."""
    return user in inspection.inspectors.all() or (
        inspection.kind == InspectionKind.MONTHLY_JOINT and (is_inspector(user) or is_vendor_user(user))
    )


@role_required("office", "inspector", "vendor", "leader")
def item_result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence link of a ledger line: the inspection, scrolled to the item."""
    result = get_object_or_404(ItemResult.objects.filter(inspection__in=selectors.inspections_for(request.user)), pk=pk)
    return redirect(reverse("inspections:detail", args=[result.inspection_id]) + f"#item-{result.item_id}")


@role_required("office")
@require_http_methods(["GET", "POST"])
def inspection_amend(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(Inspection.objects.select_related("contract"), pk=pk)
    results = list(inspection.results.select_related("item").order_by("item__sort_order"))
    errors: list[str] = []
    if request.method == "POST":
        changes = {}
        for row in results:
            prefix = f"item-{row.item.code}"
            new = {
                "result": request.POST.get(f"{prefix}-result", row.result),
                "points": request.POST.get(f"{prefix}-points") or None,
                "note": request.POST.get(f"{prefix}-note", row.note),
            }
            if row.item.answer_type == AnswerType.SIGNATURE:
                continue  # a signature is evidence as drawn: never amended
            if row.item.answer_type == AnswerType.READING:  # the service derives the result; unchanged is skipped
                changes[row.item.code] = {**new, "reading": request.POST.get(f"{prefix}-reading", "")}
                continue
            if (
                new["result"] != row.result
                or new["note"] != row.note
                or (new["result"] == ItemResultChoice.PARTIAL and str(new["points"]) != str(row.points))
            ):
                changes[row.item.code] = new
        try:
            inspection_services.inspection_amend(
                inspection=inspection, changes=changes, reason=request.POST.get("reason", ""), by=request.user
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The amendment has been recorded; the original stays in the history."))
            return redirect("inspections:detail", pk=inspection.pk)
    return render(
        request,
        "inspections/inspection_amend.html",
        {"inspection": inspection, "results": results, "errors": errors, "post": request.POST},
    )


# --- rectifications -------------------------------------------------------------------------------------
@role_required("office", "inspector", "vendor", "leader")
def rectification_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.rectifications_for(request.user).order_by("status", "deadline", "pk")
    return _list_page(request, "inspections/rectification_list.html", filtersets.RectificationFilterSet, queryset)


@role_required("office", "inspector", "vendor", "leader")
@require_http_methods(["GET", "POST"])
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(
        selectors.rectifications_for(request.user).prefetch_related("photos", "events__by"), pk=pk
    )
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("answer", "verify", "return", "notice") or not may(
            request.user, f"rectification.{action}", order
        ):
            raise PermissionDenied
        try:
            if action == "notice":
                notice = rectification_services.rectification_notice_issue(order=order, by=request.user)
                messages.success(
                    request, _("Rectification notice %(number)s sent to the vendor.") % {"number": notice.number}
                )
            elif action == "answer":
                rectification_services.rectification_answer(
                    order=order,
                    response=request.POST.get("response", ""),
                    photos=request.FILES.getlist("photos"),
                    by=request.user,
                )
                messages.success(request, _("Your answer has been sent to the office."))
            elif action == "verify":
                rectification_services.rectification_verify(
                    order=order, by=request.user, note=request.POST.get("note", "")
                )
                messages.success(request, _("Verified: the order is closed."))
            elif action == "return":
                rectification_services.rectification_return(
                    order=order, reason=request.POST.get("note", ""), by=request.user
                )
                messages.success(request, _("Returned to the vendor."))
            else:
                raise PermissionDenied
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect("inspections:rectification", pk=order.pk)
    photos = [(p, download_url("rectification-photo", p)) for p in order.photos.all()]
    context = {
        "order": order,
        "photos": photos,
        "errors": errors,
        "overdue_days": selectors.rectification_overdue_days(order, local_today()),
        "can_answer": may(request.user, "rectification.answer.now", order),
        "can_verify": may(request.user, "rectification.verify.now", order),
        "can_notice": may(request.user, "rectification.notice", order),
        "notice": scoped(
            request.user, FormalNotice.objects.filter(kind=NoticeKind.RECTIFICATION, subject_id=order.pk)
        ).first(),
        "post": request.POST,
    }
    return render(request, "inspections/rectification_detail.html", context)


def _portal_rectifications(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    orders = list(
        selectors.rectifications_for(request.user).filter(status=RectificationStatus.OPEN).order_by("deadline")[:20]
    )
    return {"template": "inspections/portal_section.html", "orders": orders}


register_portal_section("rectifications_section", _portal_rectifications)
