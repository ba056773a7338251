"""The service desk: the office's intake for a caller, work orders (dispatch, take, decline, on site, complete,
confirm, close, cancel, reassign), the clocks' escalation and the callbacks (回访) that send a job back for a redo.

The rules the pure parts hold are in ``inspections.desk_rules``; who may do what is ``inspections.policy``. A
complaint's own way (triage, answer, ruling, close) is ``services.complaints``; this module adds the callback
and the board to it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.choices import ContractStatus
from contracts.models import Contract
from inspections import desk_rules
from inspections.choices import (
    MESSAGE_KINDS,
    CallbackResult,
    Channel,
    Clock,
    RequestKind,
    WorkOrderPriority,
    WorkOrderStatus,
)
from inspections.models import (
    COMPLAINT_FLOW,
    WITH_VENDOR,
    WORK_ORDER_FLOW,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    ServiceClock,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
    WorkOrderRound,
)
from inspections.services import complaints as complaint_services
from logistics.models import KeyPoint, Notification, ServiceCategory, Site, stamp
from logistics.notify import notify, notify_later, notify_office, notify_vendor
from logistics.policy import may
from logistics.selectors import work_calendar

if TYPE_CHECKING:
    from logistics.models import User

W = WorkOrderStatus


def _refuse_unless(user: User | None, action: str, obj: Any, message: str) -> None:
    if not may(user, action, obj):
        raise ValidationError(message)


def _save_photos(order: WorkOrder, images: list[Any], stage: str) -> None:
    for image in images:
        photo = WorkOrderPhoto(order=order, stage=stage, round_number=order.rounds)
        photo.image.save(image.name, image, save=False)
        photo.save()


def _tell_requester(order: WorkOrder, subject: str, body: str, key: str, *, later: bool = False) -> None:
    notice = complaint_services.requester_notice(order, subject, body, key)
    if notice is None:
        return
    if later:
        notify_later(notice)
    else:
        notify(**notice)


def _event(order: WorkOrder, kind: str, *, public: str = "", internal: str = "", by: User | None = None) -> None:
    """A timeline entry: ``public`` is a person's words for the requester; the product's own words for an event
    (``WorkOrderEvent.SYSTEM_TEXTS``) are put into the reader's language when shown, never stored."""
    WorkOrderEvent.objects.create(
        order=order, kind=kind, round_number=order.rounds, public_note=public, internal_note=internal, by=by
    )


# --- clocks ---------------------------------------------------------------------------------------------
def clock_spec(category: ServiceCategory, priority: str) -> desk_rules.ClockSpec:
    row = ServiceClock.objects.filter(category=category, priority=priority).first()
    if row is not None:
        return desk_rules.ClockSpec(
            row.response_minutes, row.arrival_minutes, row.completion_minutes, row.working_hours_only
        )
    return desk_rules.ClockSpec(*settings.DESK_DEFAULT_CLOCKS[priority])


def round_dues(spec: desk_rules.ClockSpec, start: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    opens, closes = (dt.time.fromisoformat(t) for t in settings.DESK_WORKING_HOURS)
    local = timezone.localtime(start)
    calendar = work_calendar(local.date(), local.date() + dt.timedelta(days=120))
    return desk_rules.dues(spec, local, calendar, opens, closes)


# --- where a job may go ---------------------------------------------------------------------------------
def contract_serves(contract: Contract, category: ServiceCategory, site: Site | None) -> str:
    """Why ``contract`` cannot take a job of ``category`` at ``site`` ("" when it can): it must be in force, of
    the job's service, and list the site (a contract listing no sites serves the whole institution)."""
    if contract.status != ContractStatus.ACTIVE:
        return _("Contract %(number)s is not in force.") % {"number": contract.number}
    if contract.category_id != category.pk:
        return _("Contract %(number)s is for %(service)s, not %(wanted)s.") % {
            "number": contract.number,
            "service": contract.category,
            "wanted": category,
        }
    if site is not None:
        listed = list(contract.sites.values_list("pk", flat=True))
        if listed and site.pk not in listed:
            return _("Contract %(number)s does not serve %(site)s.") % {"number": contract.number, "site": site}
    return ""


def suggested_contract(category: ServiceCategory, site: Site | None) -> Contract | None:
    """The contract a job of this service at this site goes to: one in force of the category that lists the site,
    else one that lists no sites (the whole institution)."""
    contracts = Contract.objects.filter(status=ContractStatus.ACTIVE, category=category).prefetch_related("sites")
    fallback = None
    for contract in contracts.order_by("pk"):
        sites = {s.pk for s in contract.sites.all()}
        if site is not None and site.pk in sites:
            return contract
        if not sites and fallback is None:
            fallback = contract
    return fallback


# --- intake ---------------------------------------------------------------------------------------------
@transaction.atomic
def desk_intake(
    *,
    kind: str,
    channel: str,
    category: ServiceCategory,
    description: str,
    site: Site | None = None,
    key_point: KeyPoint | None = None,
    location: str = "",
    anonymous: bool = False,
    name: str = "",
    phone: str = "",
    email: str = "",
    photos: list[Any] | None = None,
    priority: str = WorkOrderPriority.NORMAL,
    received_at: dt.datetime | None = None,
    by: User | None = None,
) -> Complaint | WorkOrder:
    """A call, a letter or a visit recorded by the office for the caller (or a web filer's repair request): a
    complaint, a suggestion or praise is a ``Complaint``, a repair request a ``WorkOrder``; either has the
    tracking code the caller is sent (by SMS or email when they left a contact) or is read out."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose how the request came in.")})
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Choose what the caller wants.")})
    if by is not None:
        _refuse_unless(by, "desk.intake", None, _("Only the logistics office records requests for callers."))
    report = {  # what the caller told, the same for either kind
        "category": category,
        "description": description,
        "site": site,
        "key_point": key_point,
        "location": location,
        "anonymous": anonymous,
        "name": name,
        "phone": phone,
        "email": email,
        "photos": photos,
    }
    if kind in MESSAGE_KINDS:
        return complaint_services.complaint_submit(**report, kind=kind, channel=channel, recorded_by=by)
    return work_order_submit(**report, channel=channel, priority=priority, received_at=received_at, by=by)


@transaction.atomic
def work_order_submit(
    *,
    category: ServiceCategory,
    description: str,
    channel: str = Channel.WEB,
    site: Site | None = None,
    key_point: KeyPoint | None = None,
    location: str = "",
    anonymous: bool = False,
    name: str = "",
    phone: str = "",
    email: str = "",
    photos: list[Any] | None = None,
    priority: str = WorkOrderPriority.NORMAL,
    received_at: dt.datetime | None = None,
    by: User | None = None,
) -> WorkOrder:
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Please say what needs doing.")})
    if priority not in WorkOrderPriority.values:
        raise ValidationError({"priority": _("Choose the priority.")})
    if key_point is not None and site is not None and key_point.site_id != site.pk:
        raise ValidationError({"key_point": _("This key point is not at the chosen site.")})
    if received_at is not None and received_at > timezone.now():
        raise ValidationError({"received_at": _("The call cannot be in the future.")})
    images = complaint_services.clean_photos(photos)
    order = WorkOrder(
        channel=channel,
        received_at=received_at or timezone.now(),
        category=category,
        site=site if site is not None else (key_point.site if key_point else None),
        key_point=key_point,
        **complaint_services.requester_fields(
            location=location, description=description, anonymous=anonymous, name=name, phone=phone, email=email
        ),
        priority=priority,
        recorded_by=by,
    )
    order.full_clean(exclude=["category", "site", "key_point"], validate_unique=False, validate_constraints=False)
    stamp(order, by=by)
    order.save()
    _save_photos(order, images, WorkOrderPhoto.Stage.REPORT)
    _event(order, WorkOrderEvent.Kind.RECEIVED, by=by)
    notify_later(
        {
            "office": True,
            "subject": _("New work order %(ref)s: %(category)s") % {"ref": order.reference, "category": category},
            "body": description[:500],
            "dedup_key": f"workorder-new:{order.pk}",
        }
    )
    _tell_requester(
        order,
        _("Your request has been received"),
        _("Keep this code to follow it: %(code)s") % {"code": order.tracking_code},
        "received",
        later=True,
    )
    return order


# --- the vendor's rounds --------------------------------------------------------------------------------
def _lock(order: WorkOrder) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("contract__vendor", "category")
        .get(pk=order.pk)
    )


def _current(order: WorkOrder) -> WorkOrderRound:
    return WorkOrderRound.objects.select_for_update().get(order=order, number=order.rounds)


def _new_round(order: WorkOrder, contract: Contract, reason: str, by: User | None, now: dt.datetime) -> WorkOrderRound:
    order.rounds += 1
    order.contract = contract
    response_due, arrival_due, completion_due = round_dues(clock_spec(order.category, order.priority), now)
    job = WorkOrderRound.objects.create(
        order=order,
        number=order.rounds,
        contract=contract,
        reason=reason,
        dispatched_at=now,
        response_due=response_due,
        arrival_due=arrival_due,
        completion_due=completion_due,
    )
    local = timezone.localtime(completion_due).strftime("%Y-%m-%d %H:%M")
    notify_vendor(
        contract.vendor,
        subject=_("Work order %(ref)s: complete by %(due)s") % {"ref": order.reference, "due": local},
        body=f"{order.category} · {order.location or order.site or ''}\n{order.description}\n{reason}".strip(),
        dedup_key=f"workorder-round:{order.pk}:{order.rounds}",
    )
    return job


@transaction.atomic
def work_order_dispatch(
    *,
    order: WorkOrder,
    contract: Contract,
    priority: str | None = None,
    category: ServiceCategory | None = None,
    note: str = "",
    by: User,
) -> WorkOrder:
    """Send a new (or declined) work order to a contract's vendor; its round's clocks start now. ``category``:
    the office corrects the service the caller named (a job declined as "not our service" goes to the right
    one)."""
    order = _lock(order)
    _refuse_unless(by, "desk.dispatch", order, _("Only the logistics office dispatches work orders."))
    if order.status not in (W.RECEIVED, W.DECLINED):
        raise ValidationError(_("Only a new or declined work order can be dispatched."))
    if priority:
        if priority not in WorkOrderPriority.values:
            raise ValidationError({"priority": _("Choose the priority.")})
        order.priority = priority
    if category is not None and category.pk != order.category_id:
        order.category = category
    refusal = contract_serves(contract, order.category, order.site)
    if refusal:
        raise ValidationError({"contract": refusal})
    now = timezone.now()
    WORK_ORDER_FLOW.advance(order, W.DISPATCHED)
    order.declined_reason = ""
    _new_round(order, contract, note.strip(), by, now)
    stamp(order, by=by)
    order.save()
    _event(order, WorkOrderEvent.Kind.DISPATCHED, internal=note, by=by)
    return order


@transaction.atomic
def work_order_reassign(*, order: WorkOrder, contract: Contract, reason: str, by: User) -> WorkOrder:
    """Take the job from its vendor and give it to another contract (a new round; the old one is withdrawn)."""
    order = _lock(order)
    _refuse_unless(by, "desk.dispatch", order, _("Only the logistics office reassigns work orders."))
    if order.status not in WITH_VENDOR:
        raise ValidationError(_("Only a work order with a service company can be reassigned."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is reassigned.")})
    if contract.pk == order.contract_id:
        raise ValidationError({"contract": _("The work order is already with this contract.")})
    refusal = contract_serves(contract, order.category, order.site)
    if refusal:
        raise ValidationError({"contract": refusal})
    now = timezone.now()
    current = _current(order)
    current.withdrawn_at = now
    current.save(update_fields=["withdrawn_at"])
    order.status = W.DISPATCHED
    _new_round(order, contract, reason.strip(), by, now)
    stamp(order, by=by, reason=reason.strip())
    order.save()
    _event(order, WorkOrderEvent.Kind.REASSIGNED, internal=f"{contract.number}: {reason.strip()}", by=by)
    return order


@transaction.atomic
def work_order_take(*, order: WorkOrder, by: User) -> WorkOrder:
    """The vendor takes the job (its response)."""
    order = _lock(order)
    _refuse_unless(by, "desk.work", order, _("Only the service company's staff can take this work order."))
    if order.status != W.DISPATCHED:
        raise ValidationError(_("This work order is not waiting to be taken."))
    job = _current(order)
    job.accepted_at = timezone.now()
    job.save(update_fields=["accepted_at"])
    WORK_ORDER_FLOW.advance(order, W.ACCEPTED)
    stamp(order, by=by)
    order.save()
    _event(order, WorkOrderEvent.Kind.ACCEPTED, by=by)
    return order


@transaction.atomic
def work_order_decline(*, order: WorkOrder, reason: str, by: User) -> WorkOrder:
    """The vendor hands the job back to the office with a reason (not ours, wrong place...)."""
    order = _lock(order)
    _refuse_unless(by, "desk.work", order, _("Only the service company's staff can decline this work order."))
    if order.status != W.DISPATCHED:
        raise ValidationError(_("Only a work order not yet taken can be declined."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the office why you decline it.")})
    job = _current(order)
    job.declined_at = timezone.now()
    job.save(update_fields=["declined_at"])
    WORK_ORDER_FLOW.advance(order, W.DECLINED)
    order.declined_reason = reason.strip()
    stamp(order, by=by, reason=reason.strip())
    order.save()
    _event(order, WorkOrderEvent.Kind.DECLINED, internal=reason.strip(), by=by)
    notify_office(
        subject=_("Work order %(ref)s declined by the service company") % {"ref": order.reference},
        body=reason.strip(),
        dedup_key=f"workorder-declined:{order.pk}:{order.rounds}",
    )
    return order


@transaction.atomic
def work_order_arrive(*, order: WorkOrder, by: User) -> WorkOrder:
    order = _lock(order)
    _refuse_unless(by, "desk.work", order, _("Only the service company's staff can record this."))
    if order.status not in (W.DISPATCHED, W.ACCEPTED):
        raise ValidationError(_("This work order is not waiting for someone on site."))
    job = _current(order)
    now = timezone.now()
    if job.accepted_at is None:  # coming on site takes the job
        job.accepted_at = now
    job.arrived_at = now
    job.save(update_fields=["accepted_at", "arrived_at"])
    order.status = W.ON_SITE
    stamp(order, by=by)
    order.save()
    _event(order, WorkOrderEvent.Kind.ON_SITE, by=by)
    return order


@transaction.atomic
def work_order_complete(
    *, order: WorkOrder, note: str, parts: str = "", photos: list[Any] | None = None, by: User
) -> WorkOrder:
    """The vendor reports the job done, with its evidence: what was done and at least one photo."""
    order = _lock(order)
    _refuse_unless(by, "desk.work", order, _("Only the service company's staff can complete this work order."))
    if order.status not in (W.ACCEPTED, W.ON_SITE):
        raise ValidationError(_("Take the work order before completing it."))
    errors: dict[str, str] = {}
    if not note.strip():
        errors["note"] = _("Describe what was done.")
    already = order.photos.filter(stage=WorkOrderPhoto.Stage.COMPLETION, round_number=order.rounds).count()
    if not photos and not already:
        errors["photos"] = _("Add at least one photo of the finished work.")
    if errors:
        raise ValidationError(errors)
    images = complaint_services.clean_photos(photos, already)
    _save_photos(order, images, WorkOrderPhoto.Stage.COMPLETION)
    job = _current(order)
    now = timezone.now()
    job.completed_at = now
    job.completion_note = note.strip()
    job.parts = parts.strip()
    job.save(update_fields=["completed_at", "completion_note", "parts"])
    WORK_ORDER_FLOW.advance(order, W.COMPLETED)
    stamp(order, by=by)
    order.save()
    _event(order, WorkOrderEvent.Kind.COMPLETED, public=note.strip(), by=by)
    _tell_requester(
        order,
        _("Your request %(ref)s is done: is it fixed?") % {"ref": order.reference},
        _("Please confirm on the tracking page, or tell us what is still wrong."),
        f"completed-{order.rounds}",
    )
    return order


# --- the requester and the office close the job ---------------------------------------------------------
def _close(order: WorkOrder, by: User | None, note: str, now: dt.datetime) -> None:
    WORK_ORDER_FLOW.advance(order, W.CLOSED)
    order.closed_at = now
    order.save()
    _event(order, WorkOrderEvent.Kind.CLOSED, public=note, by=by)
    percent = settings.DESK_CALLBACK_SAMPLE_PERCENT
    if desk_rules.needs_callback(
        order_id=order.pk,
        confirmed=order.confirmed_at is not None,
        rating=order.rating,
        percent=percent,
        key=settings.SECRET_KEY,
    ):
        _callback_open(work_order=order, contract_id=order.contract_id, now=now)


@transaction.atomic
def work_order_confirm(*, order: WorkOrder, fixed: bool, rating: int | None = None, reason: str = "") -> WorkOrder:
    """The requester on the tracking page: fixed (and a rating) closes the job; not fixed sends it back to the
    same vendor for another round with what is still wrong."""
    order = _lock(order)
    if order.status != W.COMPLETED:
        raise ValidationError(_("You can confirm once the service company has completed the job."))
    now = timezone.now()
    if fixed:
        if rating is not None and rating not in range(1, 6):
            raise ValidationError({"rating": _("Choose 1 to 5 stars.")})
        order.confirmed_at = now
        order.rating = rating
        _event(order, WorkOrderEvent.Kind.CONFIRMED)
        _close(order, None, "", now)
        return order
    if not reason.strip():
        raise ValidationError({"reason": _("Tell us what is still wrong.")})
    _event(order, WorkOrderEvent.Kind.NOT_FIXED, public=reason.strip()[:1000])
    _redo(order, reason.strip()[:1000], None, now)
    return order


def _redo(order: WorkOrder, reason: str, by: User | None, now: dt.datetime) -> None:
    WORK_ORDER_FLOW.advance(order, W.DISPATCHED)
    order.confirmed_at = None
    order.rating = None
    order.closed_at = None
    _new_round(order, order.contract, reason, by, now)
    order.save()
    _event(order, WorkOrderEvent.Kind.REDO, by=by)


@transaction.atomic
def work_order_close(*, order: WorkOrder, note: str = "", by: User) -> WorkOrder:
    """The office closes a completed job the requester did not confirm (after ``DESK_CONFIRM_DAYS``, or at once
    when it checked the work itself); such a job is always called back."""
    order = _lock(order)
    _refuse_unless(by, "desk.dispatch", order, _("Only the logistics office closes work orders."))
    if order.status != W.COMPLETED:
        raise ValidationError(_("Only a completed work order can be closed."))
    stamp(order, by=by)
    _close(order, by, note.strip(), timezone.now())
    return order


@transaction.atomic
def work_order_cancel(*, order: WorkOrder, reason: str, by: User) -> WorkOrder:
    order = _lock(order)
    _refuse_unless(by, "desk.dispatch", order, _("Only the logistics office cancels work orders."))
    if order.status not in (W.RECEIVED, W.DECLINED):
        raise ValidationError(_("Only a work order not with a service company can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the requester why (they will read it).")})
    WORK_ORDER_FLOW.advance(order, W.CANCELLED)
    order.cancel_reason = reason.strip()
    stamp(order, by=by, reason=reason.strip())
    order.save()
    _event(order, WorkOrderEvent.Kind.CANCELLED, public=reason.strip(), by=by)
    _tell_requester(order, _("About your request"), reason.strip(), "cancelled")
    return order


@transaction.atomic
def work_order_round_excuse(*, job: WorkOrderRound, reason: str, by: User) -> WorkOrderRound:
    """The office excuses a round's clocks (the vendor's objection to a late work order upheld: the requester was
    not there, the part was the institution's to supply): its clocks are no longer judged, so the quarter's
    recompute drops its late line and its rates."""
    job = WorkOrderRound.objects.select_for_update(of=("self",)).select_related("order").get(pk=job.pk)
    _refuse_unless(by, "desk.dispatch", job.order, _("Only the logistics office excuses a work order's clocks."))
    if job.excused_at is not None:
        raise ValidationError(_("This round's clocks are already excused."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for excusing the clocks.")})
    job.excused_at = timezone.now()
    job.excuse_reason = reason.strip()
    job.save(update_fields=["excused_at", "excuse_reason"])
    WorkOrderEvent.objects.create(
        order=job.order,
        kind=WorkOrderEvent.Kind.EXCUSED,
        round_number=job.number,
        internal_note=reason.strip(),
        by=by,
    )
    return job


# --- clocks that passed ---------------------------------------------------------------------------------
CLOCK_FIELDS = (
    ("response", "response_due", "response_escalated_at"),
    ("arrival", "arrival_due", "arrival_escalated_at"),
    ("completion", "completion_due", "completion_escalated_at"),
)


def _escalation_users() -> list[Any]:
    from logistics.models import User

    names = settings.DESK_ESCALATE_TO
    return list(User.objects.filter(username__in=names, is_active=True)) if names else []


@transaction.atomic
def work_orders_escalate(*, now: dt.datetime | None = None) -> int:
    """Every few minutes: each clock of an open round that passed is escalated once, to the office head (the
    users of ``DESK_ESCALATE_TO``, else the whole office) and the vendor, through the outbox."""
    now = now or timezone.now()
    passed = Q()
    for _name, due, escalated in CLOCK_FIELDS:
        passed |= Q(**{f"{due}__lt": now, f"{escalated}__isnull": True})
    rounds = (
        WorkOrderRound.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(passed, completed_at__isnull=True, declined_at__isnull=True, withdrawn_at__isnull=True)
        .filter(order__status__in=WITH_VENDOR)
        .select_related("order", "contract__vendor")
    )
    heads = _escalation_users()
    count = 0
    for job in rounds:
        done = {"response": job.accepted_at, "arrival": job.arrived_at, "completion": job.completed_at}
        changed = []
        for name, due, escalated in CLOCK_FIELDS:
            if getattr(job, due) < now and getattr(job, escalated) is None and done[name] is None:
                setattr(job, escalated, now)
                changed.append(escalated)
                label = Clock(name).label
                order = job.order
                subject = _("Work order %(ref)s: the %(clock)s clock has passed") % {
                    "ref": order.reference,
                    "clock": label,
                }
                body = f"{job.contract.vendor} · {order.category}\n{order.description[:300]}"
                key = f"workorder-escalated:{order.pk}:{job.number}:{name}"
                if heads:
                    notify(users=heads, subject=subject, body=body, dedup_key=key)
                else:
                    notify_office(subject=subject, body=body, dedup_key=key)
                notify_vendor(job.contract.vendor, subject=subject, body=body, dedup_key=f"{key}:vendor")
                WorkOrderEvent.objects.create(
                    order=order, kind=WorkOrderEvent.Kind.ESCALATED, round_number=job.number, internal_note=label
                )
                count += 1
        if changed:
            job.save(update_fields=changed)
    return count


def work_orders_remind_confirm(*, now: dt.datetime | None = None) -> int:
    """Tell the office of each work order completed more than ``DESK_CONFIRM_DAYS`` days ago and still not
    confirmed by its requester (the office calls the requester, or checks the work and closes the order,
    ``services.desk.work_order_close``). One notice per order and round (its ``dedup_key``): a second run, or the
    next day's, tells nothing again. Returns how many orders were listed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.DESK_CONFIRM_DAYS)
    rounds = list(
        WorkOrderRound.objects.filter(
            order__status=W.COMPLETED,
            number=F("order__rounds"),
            completed_at__lte=cutoff,
        )
        .select_related("order__category", "order__site", "contract__vendor")
        .order_by("completed_at", "pk")
    )
    keys = {job.pk: f"workorder-confirm-overdue:{job.order_id}:{job.number}" for job in rounds}
    # the first row of each notice that was made before (``notify`` numbers its rows ``<key>:<index>``)
    told = set(
        Notification.objects.filter(dedup_key__in=[f"{key}:0" for key in keys.values()]).values_list(
            "dedup_key", flat=True
        )
    )
    count = 0
    for job in rounds:
        if f"{keys[job.pk]}:0" in told:
            continue
        order = job.order
        completed = timezone.localtime(job.completed_at).strftime("%Y-%m-%d %H:%M")
        subject = _("Work order %(ref)s: completed on %(date)s, not confirmed by the requester") % {
            "ref": order.reference,
            "date": completed,
        }
        body = _(
            "%(vendor)s completed it; the requester has not confirmed it within %(days)d days. Call the requester, "
            "or check the work and close the order."
        ) % {"vendor": job.contract.vendor, "days": settings.DESK_CONFIRM_DAYS}
        place = order.location or (order.site.name if order.site else "")
        details = " · ".join(str(part) for part in (order.category, place) if part)
        notify_office(subject=subject, body=f"{body}\n{details}\n{order.description[:300]}", dedup_key=keys[job.pk])
        count += 1
    return count


# --- callbacks ------------------------------------------------------------------------------------------
def _callback_open(
    *, now: dt.datetime, contract_id: int, complaint: Complaint | None = None, work_order=None
) -> Callback:
    job = complaint or work_order
    number = job.callbacks.count() + 1
    return Callback.objects.create(
        complaint=complaint,
        work_order=work_order,
        number=number,
        contract_id=contract_id,
        created_at=now,
        due_on=timezone.localdate(now) + dt.timedelta(days=settings.DESK_CALLBACK_DAYS),
    )


def complaint_callback_open(complaint: Complaint, now: dt.datetime) -> Callback | None:
    """Called when a complaint is closed: every closed complaint with a vendor gets a callback (an anonymous
    one too: the office records "could not be reached")."""
    if complaint.contract_id is None:
        return None
    return _callback_open(complaint=complaint, contract_id=complaint.contract_id, now=now)


def _job_closed(callback: Callback) -> bool:
    if callback.complaint_id:
        return callback.complaint.status == ComplaintStatus.CLOSED
    return callback.work_order.status == W.CLOSED


@transaction.atomic
def callback_schedule(*, complaint: Complaint | None = None, work_order: WorkOrder | None = None, by: User) -> Callback:
    """The office adds a callback to a closed job that has none open (a work order outside the sample, a
    second try after "could not be reached")."""
    _refuse_unless(by, "desk.callback", None, _("Only the logistics office makes callbacks."))
    job = complaint or work_order
    if job is None or (complaint is not None and work_order is not None):
        raise ValidationError(_("Choose one complaint or one work order."))
    job = type(job).objects.select_for_update(of=("self",)).get(pk=job.pk)
    closed = job.status == (ComplaintStatus.CLOSED if complaint is not None else W.CLOSED)
    if not closed:
        raise ValidationError(_("A callback is made once the job is closed."))
    if job.callbacks.filter(done_at__isnull=True).exists():
        raise ValidationError(_("This job already has a callback to make."))
    if job.contract_id is None:
        raise ValidationError(_("This job was never with a service company."))
    kwargs = {"complaint": job} if complaint is not None else {"work_order": job}
    return _callback_open(contract_id=job.contract_id, now=timezone.now(), **kwargs)


@transaction.atomic
def callback_record(*, callback: Callback, result: str, note: str = "", by: User) -> Callback:
    """The office's callback: satisfied, not satisfied (the job goes back to the same vendor with the reason, a
    new round), or could not be reached. One result per callback."""
    callback = (
        Callback.objects.select_for_update(of=("self",)).select_related("complaint", "work_order").get(pk=callback.pk)
    )
    _refuse_unless(by, "desk.callback", callback, _("Only the logistics office makes callbacks."))
    if callback.done_at is not None:
        raise ValidationError(_("This callback has already been recorded."))
    if result not in CallbackResult.values:
        raise ValidationError({"result": _("Choose the result of the call.")})
    if result == CallbackResult.NOT_SATISFIED and not note.strip():
        raise ValidationError({"note": _("Write down what the caller is not satisfied with.")})
    if not _job_closed(callback):
        raise ValidationError(_("A callback is made once the job is closed."))
    now = timezone.now()
    callback.result = result
    callback.note = note.strip()
    callback.done_at = now
    callback.done_by = by
    stamp(callback, by=by)
    callback.save()
    label = CallbackResult(result).label
    text = f"{label}: {note.strip()}" if note.strip() else str(label)
    if callback.complaint_id:
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("contract__vendor")
            .get(pk=callback.complaint_id)
        )
        ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.CALLBACK, internal_note=text, by=by)
        if result == CallbackResult.NOT_SATISFIED:
            COMPLAINT_FLOW.check(complaint.status, ComplaintStatus.DISPATCHED)
            ComplaintEvent.objects.create(
                complaint=complaint, kind=ComplaintEvent.Kind.REDO, internal_note=note.strip(), by=by
            )
            stamp(complaint, by=by, reason=note.strip())
            complaint_services.redispatch(complaint, by, note.strip())
    else:
        order = _lock(callback.work_order)
        WorkOrderEvent.objects.create(
            order=order, kind=WorkOrderEvent.Kind.CALLBACK, round_number=order.rounds, internal_note=text, by=by
        )
        if result == CallbackResult.NOT_SATISFIED:
            stamp(order, by=by, reason=note.strip())
            _redo(order, note.strip(), by, now)
    return callback


# --- the public board -----------------------------------------------------------------------------------
@transaction.atomic
def complaint_publish(*, complaint: Complaint, text: str, reply: str, by: User) -> Complaint:
    """Put an answered message on the public board, in the words the office chose (no names, numbers or
    anything that tells who wrote it)."""
    complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
    _refuse_unless(by, "desk.publish", complaint, _("Only the logistics office publishes on the board."))
    if complaint.status != ComplaintStatus.CLOSED:
        raise ValidationError(_("Only an answered and closed message can be published."))
    if not text.strip() or not reply.strip():
        raise ValidationError(_("Write the message and the reply as the board will show them."))
    complaint.board_text = text.strip()[:2000]
    complaint.board_reply = reply.strip()[:2000]
    complaint.board_published_at = complaint.board_published_at or timezone.now()
    stamp(complaint, by=by)
    complaint.save(update_fields=["board_text", "board_reply", "board_published_at", "updated_at"])
    ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.PUBLISHED, by=by)
    return complaint


@transaction.atomic
def complaint_unpublish(*, complaint: Complaint, by: User) -> Complaint:
    complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
    _refuse_unless(by, "desk.publish", complaint, _("Only the logistics office publishes on the board."))
    complaint.board_published_at = None
    stamp(complaint, by=by)
    complaint.save(update_fields=["board_published_at", "updated_at"])
    return complaint
