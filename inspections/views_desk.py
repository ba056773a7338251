"""The service desk's pages: the office's fast intake of a call or a visit, the queue of work orders (bulk dispatch
and close, Excel), a work order's page (its rounds and clocks, timeline, callbacks and the actions each side may
take) and the list of callbacks (回访) with their result recorded inline. The vendor's portal lists its open work
orders. Every write goes through ``services.desk``; who may do what is ``inspections.policy`` (desk.*)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from contracts.evidence import register_evidence_url
from contracts.exports import _header, _widths
from contracts.models import Contract
from inspections import rules
from inspections.choices import CallbackResult, Channel, Clock, WorkOrderPriority, WorkOrderStatus
from inspections.filtersets import CallbackFilterSet, WorkOrderFilterSet
from inspections.forms_desk import (
    CallbackForm,
    CloseForm,
    CompleteForm,
    DispatchForm,
    IntakeForm,
    ReasonForm,
    ReassignForm,
)
from inspections.models import WITH_VENDOR, Callback, Complaint, WorkOrder, WorkOrderPhoto, WorkOrderRound
from inspections.services import desk as desk_services
from logistics.access import is_office, is_vendor_user, scoped
from logistics.files import download_url, register_download
from logistics.models import ServiceCategory, Site, User
from logistics.policy import may
from logistics.web import add_errors, register_portal_section, role_required

register_download("work-order-photo", WorkOrderPhoto, "image", inline=True)

W = WorkOrderStatus
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE_ACTIONS = ("dispatch", "reassign", "close", "cancel")
VENDOR_ACTIONS = ("take", "decline", "arrive", "complete")


# --- a round's three clocks -----------------------------------------------------------------------------
#: how a clock stands: done in time, done late (or passed before the round ended), still running, passed and
#: still undone (the round is late), or not judged (the round ended before it passed)
CLOCK_STATES = {
    "kept": gettext_lazy("kept"),
    "missed": gettext_lazy("missed"),
    "running": gettext_lazy("running"),
    "passed": gettext_lazy("passed"),
    "not_judged": gettext_lazy("not judged"),
}


@dataclass(frozen=True)
class ClockView:
    name: str
    due: dt.datetime
    done: dt.datetime | None
    state: str

    @property
    def label(self) -> str:
        return Clock(self.name).label

    @property
    def state_label(self) -> str:
        return str(CLOCK_STATES[self.state])

    @property
    def bad(self) -> bool:
        return self.state in ("missed", "passed")


def _clock(name: str, due: dt.datetime, done: dt.datetime | None, ended: dt.datetime | None, now: dt.datetime):
    if done is not None:
        state = "kept" if done <= due else "missed"
    elif ended is not None:
        state = "missed" if ended > due else "not_judged"
    else:
        state = "passed" if now > due else "running"
    return ClockView(name, due, done, state)


def round_clocks(job: WorkOrderRound, now: dt.datetime) -> list[ClockView]:
    """Response, arrival and completion of one round, as ``desk_rules`` judges them: the response is done when
    the job is taken or declined back; a round reassigned away or declined ends its later clocks."""
    withdrawn = job.withdrawn_at
    return [
        _clock(Clock.RESPONSE, job.response_due, job.accepted_at or job.declined_at, withdrawn, now),
        _clock(Clock.ARRIVAL, job.arrival_due, job.arrived_at, withdrawn or job.declined_at or job.completed_at, now),
        _clock(Clock.COMPLETION, job.completion_due, job.completed_at, withdrawn or job.declined_at, now),
    ]


def current_round(order: WorkOrder) -> WorkOrderRound | None:
    """The order's current round among its prefetched rounds (no query)."""
    return next((job for job in order.round_set.all() if job.number == order.rounds), None)


# --- the queue ------------------------------------------------------------------------------------------
def work_orders_for(user: User) -> QuerySet:
    return scoped(user, WorkOrder.objects.all()).select_related("category", "site", "key_point", "contract__vendor")


def queue_order(queryset: QuerySet) -> QuerySet:
    """Late orders first, then those waiting for the office (no clock running: new, declined, completed), then
    by the current round's next due time; each with its rounds (one query for the page)."""
    current = WorkOrderRound.objects.filter(order=OuterRef("pk"), number=OuterRef("rounds"))
    next_due = current.annotate(
        due=Case(
            When(accepted_at__isnull=True, then=F("response_due")),
            When(arrived_at__isnull=True, then=F("arrival_due")),
            default=F("completion_due"),
        )
    ).values("due")[:1]
    return (
        queryset.annotate(
            late=Case(
                When(Exists(current.filter(rules.work_order_late_q())), status__in=WITH_VENDOR, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            next_due=Case(
                When(status__in=WITH_VENDOR, then=Subquery(next_due)), default=None, output_field=DateTimeField()
            ),
        )
        .order_by("-late", F("next_due").asc(nulls_first=True), "received_at", "pk")
        .prefetch_related(Prefetch("round_set", queryset=WorkOrderRound.objects.order_by("number")))
    )


@dataclass(frozen=True)
class QueueRow:
    order: WorkOrder
    round: WorkOrderRound | None
    clocks: list[ClockView]

    @property
    def passed(self) -> list[ClockView]:
        return [c for c in self.clocks if c.state == "passed"]


def queue_rows(orders: Any, now: dt.datetime) -> list[QueueRow]:
    rows = []
    for order in orders:
        job = current_round(order)
        rows.append(QueueRow(order, job, round_clocks(job, now) if job is not None else []))
    return rows


def _bulk_dispatch(request: HttpRequest, orders: list[WorkOrder]) -> None:
    """Each selected new order to the contract suggested for its service and site; one that has none or is
    refused says why, the others go."""
    suggestions: dict[tuple[int, int | None], Contract | None] = {}
    done, refused = [], []
    for order in orders:
        if order.status != W.RECEIVED:
            refused.append(
                _("%(ref)s is not new (%(status)s): dispatch it from its page.")
                % {"ref": order.reference, "status": order.get_status_display()}
            )
            continue
        key = (order.category_id, order.site_id)
        if key not in suggestions:
            suggestions[key] = desk_services.suggested_contract(order.category, order.site)
        contract = suggestions[key]
        if contract is None:
            refused.append(
                _("%(ref)s: no contract in force serves %(service)s at %(site)s; dispatch it from its page.")
                % {"ref": order.reference, "service": order.category, "site": order.site or _("the institution")}
            )
            continue
        try:
            desk_services.work_order_dispatch(order=order, contract=contract, by=request.user)
        except ValidationError as exc:
            refused.append(_("%(ref)s: %(reason)s") % {"ref": order.reference, "reason": " ".join(exc.messages)})
        else:
            done.append(f"{order.reference} → {contract.number} {contract.vendor}")
    if done:
        messages.success(
            request,
            _("Dispatched %(count)d work orders: %(list)s.") % {"count": len(done), "list": "; ".join(done)},
        )
    for text in refused:
        messages.warning(request, text)


def _bulk_close(request: HttpRequest, orders: list[WorkOrder]) -> None:
    done, refused = [], []
    for order in orders:
        try:
            desk_services.work_order_close(order=order, by=request.user)
        except ValidationError as exc:
            refused.append(_("%(ref)s: %(reason)s") % {"ref": order.reference, "reason": " ".join(exc.messages)})
        else:
            done.append(order.reference)
    if done:
        messages.success(
            request, _("Closed %(count)d work orders: %(list)s.") % {"count": len(done), "list": ", ".join(done)}
        )
    for text in refused:
        messages.warning(request, text)


def _chosen_ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]


def queue_filters(request: HttpRequest, statuses: list[tuple[str, str]], *, contracts: bool = True) -> dict[str, Any]:
    """What the filter bar of a queue of jobs (``inspections/_queue_filters.html``, the fields of QueueFilterSet)
    offers: the statuses given, the channels, services, sites and (``contracts``) the contracts the user may see.
    The complaint queue goes without the contract list (one option per contract on every load: a contract's
    complaints are reached from the contract; ``?contract=`` still filters)."""
    return {
        "params": request.GET,
        "statuses": statuses,
        "channels": Channel.choices,
        "categories": ServiceCategory.objects.all(),
        "sites": Site.objects.all(),
        "contracts": (
            scoped(request.user, Contract.objects.only("pk", "number").order_by("number")) if contracts else None
        ),
    }


@role_required("office", "leader", "inspector")
@require_http_methods(["GET", "POST"])
def desk_queue(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not may(request.user, "desk.dispatch"):
            raise PermissionDenied
        ids = _chosen_ids(request.POST.getlist("orders"))
        orders = list(
            WorkOrder.objects.filter(pk__in=ids).select_related("category", "site", "contract").order_by("pk")
        )
        action = request.POST.get("action")
        if not orders:
            messages.error(request, _("Select at least one work order."))
        elif action == "dispatch":
            _bulk_dispatch(request, orders)
        elif action == "close":
            _bulk_close(request, orders)
        else:
            messages.error(request, _("Choose what to do with the selected work orders."))
        return redirect(request.get_full_path())
    filterset = WorkOrderFilterSet(request.GET, queryset=work_orders_for(request.user))
    queryset = queue_order(filterset.qs)  # a value the page did not offer is left out of the filter
    now = timezone.now()
    if request.GET.get("format") == "xlsx":
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
        response = HttpResponse(work_orders_workbook(list(queryset), now), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="work-orders-{stamp}.xlsx"'
        return response
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    export = request.GET.copy()
    export.pop("page", None)
    export["format"] = "xlsx"
    context = {
        "page": page,
        "rows": queue_rows(page, now),
        **queue_filters(request, W.choices),
        "priorities": WorkOrderPriority.choices,
        "export_query": export.urlencode(),
        "can_bulk": may(request.user, "desk.dispatch"),
        "can_intake": may(request.user, "desk.intake"),
    }
    return render(request, "inspections/desk_queue.html", context)


def _xlsx_time(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: the institution's local time, naive."""
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def work_orders_workbook(orders: list[WorkOrder], now: dt.datetime) -> bytes:
    """The queue as filtered, one row per work order with its current round's three clocks."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Work orders")[:31]
    clock_titles = []
    for name in Clock:
        clock_titles += [
            _("%(clock)s due") % {"clock": name.label},
            _("%(clock)s done") % {"clock": name.label},
            _("%(clock)s kept") % {"clock": name.label},
        ]
    _header(
        sheet,
        [
            _("Work order"),
            _("Tracking code"),
            _("Received at"),
            _("Channel"),
            _("Service"),
            _("Place"),
            _("Priority"),
            _("Status"),
            _("Contract"),
            _("Service company"),
            _("Round"),
            *clock_titles,
        ],
    )
    for order in orders:
        job = current_round(order)
        place = " · ".join(str(p) for p in (order.site, order.key_point, order.location) if p)
        clocks = []
        for clock in round_clocks(job, now) if job is not None else []:
            clocks += [_xlsx_time(clock.due), _xlsx_time(clock.done), clock.state_label]
        sheet.append(
            [
                order.reference,
                order.tracking_code,
                _xlsx_time(order.received_at),
                str(order.get_channel_display()),
                str(order.category),
                place,
                str(order.get_priority_display()),
                str(order.get_status_display()),
                order.contract.number if order.contract_id else "",
                str(order.contract.vendor) if order.contract_id else "",
                order.rounds or "",
                *clocks,
            ]
        )
    for cells in sheet.iter_rows(min_row=2):
        for index in (2, 11, 12, 14, 15, 17, 18):
            cells[index].number_format = "yyyy-mm-dd hh:mm"
    _widths(sheet, [12, 14, 17, 10, 12, 28, 10, 16, 14, 24, 6, *([17, 17, 9] * 3)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the office's intake --------------------------------------------------------------------------------
def _made(request: HttpRequest) -> Complaint | WorkOrder | None:
    """The record the previous intake made (``?order=`` / ``?complaint=``), for the banner with its code."""
    for key, model in (("order", WorkOrder), ("complaint", Complaint)):
        value = request.GET.get(key, "")
        if value:
            if not (value.isascii() and value.isdigit() and len(value) < 19):
                raise Http404
            return get_object_or_404(model, pk=int(value))
    return None


@role_required("office")
@require_http_methods(["GET", "POST"])
def desk_intake(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = desk_services.desk_intake(
                    kind=data["kind"],
                    channel=data["channel"],
                    **form.request_details(),
                    priority=data["priority"],
                    received_at=data["received_at"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                key = "order" if isinstance(made, WorkOrder) else "complaint"
                return redirect(f"{reverse('inspections:desk_intake')}?{key}={made.pk}")
        return render(request, "inspections/desk_intake.html", {"form": form, "made": None})
    made = _made(request)
    context = {"form": IntakeForm(), "made": made}
    if made is not None:
        context.update(
            made_is_order=isinstance(made, WorkOrder),
            made_url=reverse(
                "inspections:work_order" if isinstance(made, WorkOrder) else "inspections:complaint", args=[made.pk]
            ),
            sent_by="" if made.anonymous else ("email" if made.email else ("sms" if made.phone.strip() else "")),
        )
    return render(request, "inspections/desk_intake.html", context)


# --- a work order's page --------------------------------------------------------------------------------
def _order_queryset(user: User) -> QuerySet:
    return work_orders_for(user).select_related("recorded_by")


@role_required("office", "leader", "inspector", "vendor")
def work_order_round(request: HttpRequest, pk: int) -> HttpResponse:
    """A round named as evidence (a late work order's ledger line): its work order's page, at its rounds."""
    job = get_object_or_404(WorkOrderRound.objects.filter(order__in=_order_queryset(request.user)), pk=pk)
    return redirect(reverse("inspections:work_order", args=[job.order_id]) + "#rounds")


register_evidence_url("work_order", lambda pk: reverse("inspections:work_order_round", args=[pk]))


@role_required("office", "leader", "inspector", "vendor")
@require_http_methods(["GET", "POST"])
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(_order_queryset(request.user), pk=pk)
    user = request.user
    forms = {
        "dispatch": DispatchForm(initial={"priority": order.priority, "category": order.category_id}),
        "reassign": ReassignForm(),
        "close": CloseForm(),
        "cancel": ReasonForm(prefix="cancel"),
        "decline": ReasonForm(prefix="decline"),
        "complete": CompleteForm(),
    }
    if order.status in (W.RECEIVED, W.DECLINED) and may(user, "desk.dispatch", order):
        forms["dispatch"].initial["contract"] = desk_services.suggested_contract(order.category, order.site)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in OFFICE_ACTIONS and not may(user, "desk.dispatch", order):
            raise PermissionDenied
        if action == "callback" and not may(user, "desk.callback", order):
            raise PermissionDenied
        if action in VENDOR_ACTIONS and not may(user, "desk.work", order):
            raise PermissionDenied
        done = _order_action(request, order, action, forms, errors)
        if done is not None:
            messages.success(request, done)
            return redirect("inspections:work_order", pk=order.pk)
    now = timezone.now()
    rounds = [(job, round_clocks(job, now)) for job in order.round_set.select_related("contract__vendor")]
    office = is_office(user)
    callbacks = scoped(user, Callback.objects.filter(work_order=order)).select_related("done_by").order_by("number")
    vendor_may = may(user, "desk.work", order)
    context = {
        "order": order,
        "rounds": rounds,
        "events": order.events.select_related("by").order_by("at", "pk"),
        "photos": [(p, download_url("work-order-photo", p)) for p in order.photos.all()],
        "callbacks": list(callbacks),
        "forms": forms,
        "errors": errors,
        "is_office": office,
        "is_vendor": is_vendor_user(user),
        "show_contact": office and not order.anonymous,
        "can": {
            "dispatch": may(user, "desk.dispatch", order) and order.status in (W.RECEIVED, W.DECLINED),
            "reassign": may(user, "desk.dispatch", order) and order.status in WITH_VENDOR,
            "close": may(user, "desk.dispatch", order) and order.status == W.COMPLETED,
            "cancel": may(user, "desk.dispatch", order) and order.status in (W.RECEIVED, W.DECLINED),
            "callback": may(user, "desk.callback", order)
            and order.status == W.CLOSED
            and not any(c.done_at is None for c in callbacks),
            "take": vendor_may and order.status == W.DISPATCHED,
            "decline": vendor_may and order.status == W.DISPATCHED,
            "arrive": vendor_may and order.status in (W.DISPATCHED, W.ACCEPTED),
            "complete": vendor_may and order.status in (W.ACCEPTED, W.ON_SITE),
        },
    }
    return render(request, "inspections/desk_order.html", context)


def _order_action(
    request: HttpRequest, order: WorkOrder, action: str, forms: dict[str, Any], errors: list[str]
) -> str | None:
    """Run the posted action through its service: the success message, or None with the errors on the bound
    form (or in ``errors`` for an action without one) so the page shows them with what was typed."""
    user, post = request.user, request.POST
    form = None
    try:
        if action == "dispatch":
            form = forms["dispatch"] = DispatchForm(post)
            if form.is_valid():
                desk_services.work_order_dispatch(order=order, by=user, **form.cleaned_data)
                return _("Dispatched to %(vendor)s.") % {"vendor": form.cleaned_data["contract"].vendor}
        elif action == "reassign":
            form = forms["reassign"] = ReassignForm(post)
            if form.is_valid():
                desk_services.work_order_reassign(order=order, by=user, **form.cleaned_data)
                return _("Reassigned to %(vendor)s.") % {"vendor": form.cleaned_data["contract"].vendor}
        elif action == "close":
            form = forms["close"] = CloseForm(post)
            if form.is_valid():
                desk_services.work_order_close(order=order, note=form.cleaned_data["note"], by=user)
                return _("Closed.")
        elif action in ("cancel", "decline"):
            form = forms[action] = ReasonForm(post, prefix=action)
            if form.is_valid():
                service, done = {
                    "cancel": (desk_services.work_order_cancel, _("Cancelled; the requester is told why.")),
                    "decline": (desk_services.work_order_decline, _("Declined back to the office.")),
                }[action]
                service(order=order, reason=form.cleaned_data["reason"], by=user)
                return done
        elif action == "callback":
            desk_services.callback_schedule(work_order=order, by=user)
            return _("A callback is on the list of callbacks to make.")
        elif action in ("take", "arrive"):
            service, done = {
                "take": (desk_services.work_order_take, _("Taken: the response clock is stopped.")),
                "arrive": (desk_services.work_order_arrive, _("Recorded: on site.")),
            }[action]
            service(order=order, by=user)
            return done
        elif action == "complete":
            form = forms["complete"] = CompleteForm(post, request.FILES)
            if form.is_valid():
                desk_services.work_order_complete(order=order, by=user, **form.cleaned_data)
                return _("Completed: the requester is asked to confirm.")
        else:
            errors.append(_("Choose an action."))
    except ValidationError as exc:
        if form is not None:
            add_errors(form, exc)
        else:
            errors.extend(exc.messages)
    return None


# --- the callbacks --------------------------------------------------------------------------------------
def callback_outcome(callback: Callback) -> str:
    """What the call led to, in plain words."""
    if callback.result == CallbackResult.NOT_SATISFIED:
        return _("Sent back to %(vendor)s for a redo.") % {"vendor": callback.contract.vendor}
    if callback.result == CallbackResult.UNREACHABLE:
        return _("Not reached: schedule another call from the job's page to try again.")
    if callback.result == CallbackResult.SATISFIED:
        return _("The job stays closed.")
    return ""


@dataclass
class CallbackRow:
    callback: Callback
    form: CallbackForm
    job_url: str

    @property
    def job(self) -> Any:
        return self.callback.complaint if self.callback.complaint_id else self.callback.work_order

    @property
    def outcome(self) -> str:
        return callback_outcome(self.callback)


def _job_url(callback: Callback) -> str:
    if callback.complaint_id:
        return reverse("inspections:complaint", args=[callback.complaint_id])
    return reverse("inspections:work_order", args=[callback.work_order_id])


@role_required("office", "leader", "inspector")
@require_http_methods(["GET", "POST"])
def desk_callbacks(request: HttpRequest) -> HttpResponse:
    posted: CallbackForm | None = None
    posted_pk = None
    if request.method == "POST":
        if not may(request.user, "desk.callback"):
            raise PermissionDenied
        value = request.POST.get("callback", "")
        if not (value.isascii() and value.isdigit() and len(value) < 19):
            raise Http404
        callback = get_object_or_404(Callback.objects.select_related("contract__vendor"), pk=int(value))
        posted, posted_pk = CallbackForm(request.POST, prefix=f"cb{callback.pk}"), callback.pk
        if posted.is_valid():
            try:
                desk_services.callback_record(callback=callback, by=request.user, **posted.cleaned_data)
            except ValidationError as exc:
                add_errors(posted, exc)
            else:
                callback.refresh_from_db()
                label = CallbackResult(callback.result).label
                messages.success(
                    request,
                    _("%(job)s: %(result)s. %(outcome)s")
                    % {"job": _job_reference(callback), "result": label, "outcome": callback_outcome(callback)},
                )
                return redirect(request.get_full_path())
    params = request.GET.copy()
    if "done" not in params:
        params["done"] = "false"  # the callbacks still to make, unless the reader chose
    filterset = CallbackFilterSet(
        params,
        queryset=scoped(request.user, Callback.objects.all()).select_related(
            "complaint__category", "work_order__category", "contract__vendor", "done_by"
        ),
    )
    queryset = filterset.qs.order_by(F("done_at").desc(nulls_first=True), "due_on", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        CallbackRow(
            cb,
            posted if cb.pk == posted_pk else CallbackForm(prefix=f"cb{cb.pk}"),
            _job_url(cb),
        )
        for cb in page
    ]
    shown = {row.callback.pk for row in rows}
    context = {
        "page": page,
        "rows": rows,
        "params": params,
        "results": CallbackResult.choices,
        "contracts": scoped(request.user, Contract.objects.only("pk", "number").order_by("number")),
        "can_record": may(request.user, "desk.callback"),
        "show_phone": is_office(request.user),
        "today": timezone.localdate(),
        # a refused post about a callback this page does not list: its errors at the top
        "posted_errors": [e for errs in posted.errors.values() for e in errs]
        if posted is not None and posted_pk not in shown
        else [],
    }
    return render(request, "inspections/desk_callbacks.html", context)


def _job_reference(callback: Callback) -> str:
    return f"TS-{callback.complaint_id:06d}" if callback.complaint_id else f"GD-{callback.work_order_id:06d}"


# --- the vendor's portal --------------------------------------------------------------------------------
def _portal_work_orders(request: HttpRequest, vendor: Any) -> dict[str, Any]:
    """The vendor's open work orders: late first, then by the next clock."""
    orders = work_orders_for(request.user).filter(status__in=WITH_VENDOR, contract__vendor_id=vendor.pk)
    rows = queue_rows(queue_order(orders)[:PAGE_SIZE], timezone.now())
    return {"template": "inspections/desk_portal.html", "rows": rows}


register_portal_section("work_orders_section", _portal_work_orders)
