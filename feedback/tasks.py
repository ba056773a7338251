"""Scheduled work of the monthly feedback forms (the beat row is in migration 0002)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="feedback.tasks.feedback_daily_task", ignore_result=True)
def feedback_daily_task() -> dict[str, int]:
    """Daily: from ``FEEDBACK_ISSUE_DAY`` the month's forms are sent (twice is once); the respondents of forms
    not submitted and still valid are reminded when a reminder is due."""
    from django.conf import settings

    from feedback import services
    from logistics.quarters import Month, today

    day = today()
    sent = 0
    if day.day >= settings.FEEDBACK_ISSUE_DAY:
        sent = len(services.month_issue(Month.containing(day)))
    return {"sent": sent, "reminded": services.month_remind()}
