"""Celery tasks of the inspections app: thin and idempotent (the beat rows are data migrations: 0009, 0017)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from scoring.tasks import RELIABLE


@shared_task(name="inspections.tasks.rounds_task", **RELIABLE)
def rounds_task() -> dict:
    """Hourly: the plans' rounds made up to tomorrow, the passed ones marked missed, the day's sent."""
    from inspections.services.plans import rounds_tick

    return rounds_tick()


@shared_task(name="inspections.tasks.work_orders_escalate_task", **RELIABLE)
def work_orders_escalate_task() -> int:
    """Every 10 minutes: each passed clock of a work order's open round is escalated once (to the office head,
    ``DESK_ESCALATE_TO``, else the office; and the vendor). A second run escalates nothing new."""
    from inspections.services.desk import work_orders_escalate

    return work_orders_escalate()


@shared_task(name="inspections.tasks.work_orders_remind_confirm_task", **RELIABLE)
def work_orders_remind_confirm_task() -> int:
    """Daily, 09:00: the completed work orders their requester has not confirmed within ``DESK_CONFIRM_DAYS`` are
    listed for the office, once per order and round."""
    return work_orders_remind_confirm()


def work_orders_remind_confirm(*, now: dt.datetime | None = None) -> int:
    """Tell the office of each work order completed more than ``DESK_CONFIRM_DAYS`` days ago and still not
    confirmed by its requester (the office calls the requester, or checks the work and closes the order,
    ``services.desk.work_order_close``). One notice per order and round (its ``dedup_key``): a second run, or the
    next day's, tells nothing again. Returns how many orders were listed."""
    from django.conf import settings
    from django.db.models import F
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from inspections.choices import WorkOrderStatus
    from inspections.models import WorkOrderRound
    from logistics.models import Notification
    from logistics.notify import notify_office

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.DESK_CONFIRM_DAYS)
    rounds = list(
        WorkOrderRound.objects.filter(
            order__status=WorkOrderStatus.COMPLETED,
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
