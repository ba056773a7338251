"""Celery tasks of the contracts app: thin and idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="contracts.tasks.render_notice_task", acks_late=True, soft_time_limit=120, time_limit=150)
def render_notice_task(notice_id: int) -> str:
    """Render one formal notice's PDF (a ready one is left as it is; a failure is recorded on the notice)."""
    from contracts.notices import notice_render

    notice = notice_render(notice_id)
    return notice.status if notice else "missing"


@shared_task(name="contracts.tasks.render_payment_request_task", acks_late=True, soft_time_limit=120, time_limit=150)
def render_payment_request_task(request_id: int) -> str:
    """Render one payment request's PDF (a ready one is left as it is; a failure is recorded on the request)."""
    from contracts.services_payments import payment_request_render

    request = payment_request_render(request_id)
    return request.status if request else "missing"
