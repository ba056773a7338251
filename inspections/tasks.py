"""Celery tasks of the inspections app: thin and idempotent (the beat rows are data migrations: 0009, 0017)."""

from __future__ import annotations

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
    from inspections.services.desk import work_orders_remind_confirm

    return work_orders_remind_confirm()
