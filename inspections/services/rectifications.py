"""Rectification orders: issued from failed items (and complaints, and by hand), answered, verified or
returned; marked overdue by the nightly job."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from contracts import notices
from contracts.choices import NoticeKind
from contracts.models import Contract, FormalNotice
from inspections import rules
from inspections.models import (
    RECTIFICATION_FLOW,
    Inspection,
    ItemResult,
    ItemResultChoice,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    RectificationSource,
    RectificationStatus,
)
from logistics.models import Severity, stamp
from logistics.notify import notify_vendor
from logistics.policy import may
from logistics.quarters import Quarter
from logistics.uploads import clean_photo

if TYPE_CHECKING:
    from logistics.models import User


MAX_PHOTOS = 5


def deadline_for(severity: str, issued_at: dt.datetime) -> dt.datetime:
    """Deadline by severity (serious 1 day, major 3, minor 7; settings.RECTIFICATION_DEADLINE_DAYS)."""
    days = {"serious": 1, "major": 3, "minor": 7, **getattr(settings, "RECTIFICATION_DEADLINE_DAYS", {})}
    return issued_at + dt.timedelta(days=days.get(severity, days["minor"]))


def _attach(order: RectificationOrder, stage: str, uploads: list[Any], by: User) -> None:
    if len(uploads) + order.photos.filter(stage=stage).count() > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(count)d photos.") % {"count": MAX_PHOTOS}]})
    cleaned = []
    for upload in uploads:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages})
    for image in cleaned:
        photo = RectificationPhoto(order=order, stage=stage, uploaded_by=by)
        photo.image.save(image.name, image, save=False)
        photo.save()


@transaction.atomic
def rectification_open(
    *,
    contract: Contract,
    description: str,
    severity: str,
    source: str = RectificationSource.MANUAL,
    site: Any = None,
    item_result: Any = None,
    photos: list[Any] | None = None,
    issued_at: dt.datetime | None = None,
    by: User | None = None,
) -> RectificationOrder:
    if not description.strip():
        raise ValidationError({"description": _("Describe what must be rectified.")})
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose the severity.")})
    if source == RectificationSource.COMPLAINT:
        # one complaint, one job: a dispatched complaint is answered on the complaint itself
        raise ValidationError(_("A complaint is answered by the vendor on the complaint; it has no separate order."))
    order = _new_order(contract, source, item_result, description, severity, site, issued_at or timezone.now(), by)
    order.full_clean()
    order.save()
    RectificationEvent.objects.create(order=order, kind=RectificationEvent.Kind.ISSUED, by=by)
    if photos:
        _attach(order, RectificationPhoto.Stage.ISSUE, photos, by)
    _tell_vendor_issued(contract, [order])
    return order


def _new_order(
    contract: Contract,
    source: str,
    item_result: Any,
    description: str,
    severity: str,
    site: Any,
    issued_at: dt.datetime,
    by: User | None,
) -> RectificationOrder:
    """An order as it is issued: its deadline by its severity (``deadline_for``)."""
    return RectificationOrder(
        contract=contract,
        source=source,
        item_result=item_result,
        description=description.strip(),
        severity=severity,
        site=site,
        issued_at=issued_at,
        deadline=deadline_for(severity, issued_at),
        created_by=by,
    )


def rectifications_for_failed_items(
    *,
    inspection: Inspection,
    by: User,
    results: list[ItemResult] | None = None,
    photo_items: set[int] | None = None,
) -> list[RectificationOrder]:
    """One order per failed item of a submitted inspection (called at submission), written in bulk with their
    history, timeline and issue photos, and one notice to the vendor for all of them: the same number of queries
    for one failed item as for twenty. A second call finds the orders made and makes nothing.

    The submission passes the item results it has just written (each with its item) and the items that have
    photos, so that neither is read again."""
    if results is None:
        failed = list(
            inspection.results.filter(result=ItemResultChoice.FAIL, rectification__isnull=True)
            .select_related("item")
            .order_by("item__sort_order", "pk")
        )
    else:  # just written at submission: no order exists yet for them
        failed = sorted(
            (row for row in results if row.result == ItemResultChoice.FAIL),
            key=lambda row: (row.item.sort_order, row.pk),
        )
    if not failed:
        return []
    contract = inspection.contract
    issued_at = inspection.submitted_at or timezone.now()
    orders = []
    for result in failed:
        order = _new_order(
            contract,
            RectificationSource.INSPECTION,
            result,
            result.problem_text,
            result.item.severity,
            inspection.site,
            issued_at,
            by,
        )
        # the fields as rectification_open checks them; the constraints are the database's, in the same statement
        order.full_clean(exclude=["contract", "item_result", "site", "created_by"], validate_constraints=False)
        order.created_at = order.updated_at = timezone.now()
        orders.append(order)
    orders = bulk_create_with_history(orders, RectificationOrder, default_user=by)
    if any(order.pk is None for order in orders):  # a database that returns no keys: read them back
        keyed = dict(RectificationOrder.objects.filter(item_result__in=failed).values_list("item_result_id", "pk"))
        for order in orders:
            order.pk = order.id = keyed[order.item_result_id]
    RectificationEvent.objects.bulk_create(
        RectificationEvent(order=order, kind=RectificationEvent.Kind.ISSUED, by=by) for order in orders
    )
    by_item = {order.item_result.item_id: order for order in orders}
    # the failed items' photos are the evidence of the problem
    RectificationPhoto.objects.bulk_create(
        RectificationPhoto(
            order=by_item[photo.item_id],
            stage=RectificationPhoto.Stage.ISSUE,
            image=photo.image.name,
            uploaded_by=photo.uploaded_by,
        )
        for photo in (
            inspection.photos.filter(item__in=list(by_item))
            if photo_items is None or photo_items & set(by_item)
            else ()
        )
    )
    _tell_vendor_issued(contract, orders, inspection)
    return orders


def _tell_vendor_issued(
    contract: Contract, orders: list[RectificationOrder], inspection: Inspection | None = None
) -> None:
    """One notice for the orders issued at once (those of one inspection): the order itself when there is one,
    else the list."""

    def due(order: RectificationOrder) -> str:
        return timezone.localtime(order.deadline).strftime("%Y-%m-%d %H:%M")

    if len(orders) == 1:
        order = orders[0]
        subject = _("Rectification order %(ref)s: due %(deadline)s") % {"ref": order.reference, "deadline": due(order)}
        body = order.description
    else:
        first = min(orders, key=lambda o: o.deadline)
        subject = _("%(count)d rectification orders from inspection %(inspection)s, the first due %(deadline)s") % {
            "count": len(orders),
            "inspection": inspection.reference,
            "deadline": due(first),
        }
        body = "\n".join(
            _("%(ref)s (due %(deadline)s): %(problem)s")
            % {"ref": order.reference, "deadline": due(order), "problem": order.description}
            for order in orders
        )
    notify_vendor(contract.vendor, subject=subject, body=body, dedup_key=f"rectification-issued:{orders[0].pk}")


def _require_supervisor(user: User, action: str) -> None:
    if not may(user, action):
        raise ValidationError(_("Only the office's inspectors can verify or return a rectification."))


def _lock(order: RectificationOrder) -> RectificationOrder:
    return RectificationOrder.objects.select_for_update(of=("self",)).select_related("contract").get(pk=order.pk)


@transaction.atomic
def rectification_answer(
    *, order: RectificationOrder, response: str, photos: list[Any] | None = None, by: User
) -> RectificationOrder:
    """The vendor says what was done, with photos."""
    order = _lock(order)
    if not may(by, "rectification.answer", order):
        raise ValidationError(_("Only the vendor's staff can answer this order."))
    RECTIFICATION_FLOW.check(order.status, RectificationStatus.ANSWERED, _("This order is not waiting for an answer."))
    if not response.strip():
        raise ValidationError({"response": _("Describe what was done.")})
    _attach(order, RectificationPhoto.Stage.RESPONSE, photos or [], by)
    RECTIFICATION_FLOW.advance(order, RectificationStatus.ANSWERED)
    order.response = response.strip()
    order.answered_at = timezone.now()
    order.answered_by = by
    order.save()
    RectificationEvent.objects.create(order=order, kind=RectificationEvent.Kind.ANSWERED, note=order.response, by=by)
    return order


@transaction.atomic
def rectification_verify(*, order: RectificationOrder, by: User, note: str = "") -> RectificationOrder:
    """An inspector checks the work and closes the order; overdue days stop at the vendor's answer."""
    _require_supervisor(by, "rectification.verify")
    order = _lock(order)
    RECTIFICATION_FLOW.check(order.status, RectificationStatus.VERIFIED, _("Only an answered order can be verified."))
    now = timezone.now()
    RECTIFICATION_FLOW.advance(order, RectificationStatus.VERIFIED)
    order.verified_at = now
    order.verified_by = by
    order.resolved_at = order.answered_at
    order.save()
    RectificationEvent.objects.create(order=order, kind=RectificationEvent.Kind.VERIFIED, note=note, by=by)
    return order


@transaction.atomic
def rectification_return(*, order: RectificationOrder, reason: str, by: User) -> RectificationOrder:
    """Not done: back to open with the reason; the deadline stays, so overdue days keep counting."""
    _require_supervisor(by, "rectification.return")
    order = _lock(order)
    RECTIFICATION_FLOW.check(order.status, RectificationStatus.OPEN, _("Only an answered order can be returned."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what is still not done.")})
    RECTIFICATION_FLOW.advance(order, RectificationStatus.OPEN)
    order.returned_count += 1
    order.save()
    RectificationEvent.objects.create(order=order, kind=RectificationEvent.Kind.RETURNED, note=reason.strip(), by=by)
    notify_vendor(
        order.contract.vendor,
        subject=_("Rectification order %(ref)s returned") % {"ref": order.reference},
        body=reason.strip(),
        dedup_key=f"rectification-returned:{order.pk}:{order.returned_count}",
    )
    return order


@transaction.atomic
def rectification_notice_issue(*, order: RectificationOrder, by: User) -> FormalNotice:
    """The order as a numbered formal notice (整改通知书) the vendor acknowledges; twice gives the first."""
    if not may(by, "rectification.notice", order):
        raise ValidationError(_("Only the logistics office issues a rectification notice."))
    order = RectificationOrder.objects.select_related("contract__vendor").get(pk=order.pk)
    return notices.notice_issue(
        kind=NoticeKind.RECTIFICATION,
        contract=order.contract,
        quarter=Quarter.containing(order.issued_at).key,
        subject_id=order.pk,
        title=_("Rectification notice: %(reference)s") % {"reference": order.reference},
        by=by,
    )


@transaction.atomic
def rectification_excuse_delay(*, order: RectificationOrder, reason: str, by: User) -> RectificationOrder:
    """The office accepts the vendor's reason for a late answer: the deadline moves to when the vendor's clock
    stopped (its answer or the accepted rectification), or, for an order still open, gives the vendor again
    the time it was first given from now. The overdue days go; the old deadline stays in the history."""
    order = _lock(order)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the new deadline.")})
    now = timezone.now()
    stopped = rules.clock_stopped_at(order.status, order.answered_at, order.resolved_at, order.deadline)
    if stopped is None and order.answered_at is not None and order.status == RectificationStatus.ANSWERED:
        stopped = order.answered_at  # answered late, waiting for the check: the answer is when the delay ended
    new_deadline = stopped if stopped is not None else now + (order.deadline - order.issued_at)
    if new_deadline <= order.deadline:
        raise ValidationError(_("This order was not late: there is no delay to excuse."))
    old = order.deadline
    order.deadline = new_deadline
    order.overdue_notified_at = None
    stamp(order, by=by, reason=reason.strip())
    order.save(update_fields=["deadline", "overdue_notified_at", "updated_at"])
    RectificationEvent.objects.create(
        order=order,
        kind=RectificationEvent.Kind.EXTENDED,
        note=_("Deadline %(old)s moved to %(new)s: %(reason)s")
        % {
            "old": timezone.localtime(old).strftime("%Y-%m-%d %H:%M"),
            "new": timezone.localtime(new_deadline).strftime("%Y-%m-%d %H:%M"),
            "reason": reason.strip(),
        },
        by=by,
    )
    return order


@transaction.atomic
def rectifications_mark_overdue(*, now: dt.datetime | None = None) -> int:
    """Nightly: note each order that went past its deadline once, and tell the vendor (sent once)."""
    now = now or timezone.now()
    due = (
        RectificationOrder.objects.select_for_update(skip_locked=True)
        .filter(
            status__in=[RectificationStatus.OPEN, RectificationStatus.ANSWERED],
            deadline__lt=now,
            overdue_notified_at__isnull=True,
        )
        .exclude(rules.answered_in_time_q())
    )
    count = 0
    for order in due.select_related("contract__vendor"):
        RectificationEvent.objects.create(order=order, kind=RectificationEvent.Kind.OVERDUE)
        notify_vendor(
            order.contract.vendor,
            subject=_("Rectification order %(ref)s is overdue") % {"ref": order.reference},
            body=order.description,
            dedup_key=f"rectification-overdue:{order.pk}",
        )
        order.overdue_notified_at = now
        order.save(update_fields=["overdue_notified_at", "updated_at"])
        count += 1
    return count
