"""Celery tasks of the inspections app: thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from scoring.tasks import RELIABLE


@shared_task(name="inspections.tasks.rounds_task", **RELIABLE)
def rounds_task() -> dict:
    """Hourly: the plans' rounds made up to tomorrow, the passed ones marked missed, the day's sent."""
    from inspections.services.plans import rounds_tick

    return rounds_tick()
