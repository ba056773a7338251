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

from contracts import notices
from contracts.choices import NoticeKind
from contracts.models import Contract, FormalNotice
from inspections import rules
from inspections.models import (
    RECTIFICATION_FLOW,
    Inspection,
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
    issued_at = issued_at or timezone.now()
    order = RectificationOrder(
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
    order.full_clean()
    order.save()
    RectificationEvent.objects.create(order=order, kind=RectificationEvent.Kind.ISSUED, by=by)
    if photos:
        _attach(order, RectificationPhoto.Stage.ISSUE, photos, by)
    notify_vendor(
        contract.vendor,
        subject=_("Rectification order %(ref)s: due %(deadline)s")
        % {"ref": order.reference, "deadline": timezone.localtime(order.deadline).strftime("%Y-%m-%d %H:%M")},
        body=order.description,
        dedup_key=f"rectification-issued:{order.pk}",
    )
    return order


def rectifications_for_failed_items(*, inspection: Inspection, by: User) -> list[RectificationOrder]:
    """One order per failed item of a submitted inspection (called at submission)."""
    orders = []
    failed = inspection.results.filter(result=ItemResultChoice.FAIL).select_related("item")
    for result in failed:
        if hasattr(result, "rectification"):
            continue
        text = result.problem_text
        orders.append(
            rectification_open(
                contract=inspection.contract,
                description=text,
                severity=result.item.severity,
                source=RectificationSource.INSPECTION,
                site=inspection.site,
                item_result=result,
                issued_at=inspection.submitted_at,
                by=by,
            )
        )
    if orders:
        # the failed items' photos are the evidence of the problem
        for photo in inspection.photos.filter(item__in=[o.item_result.item_id for o in orders]):
            order = next(o for o in orders if o.item_result.item_id == photo.item_id)
            RectificationPhoto.objects.create(
                order=order, stage=RectificationPhoto.Stage.ISSUE, image=photo.image.name, uploaded_by=photo.uploaded_by
            )
    return orders


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
