"""Celery tasks of the core app: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from logistics import notify, outbox


@shared_task(name="logistics.tasks.ping_task")
def ping_task() -> str:
    """Health task: a worker that answers proves the broker round trip."""
    return "pong"


@shared_task(name="logistics.tasks.relay_outbox_task", ignore_result=True)
def relay_outbox_task(limit: int = 500) -> int:
    """Publish outbox messages that could not be published when they were written (broker down)."""
    return outbox.relay_pending(limit=limit)


# sending mail: a mail server that does not answer is retried; each notification is sent at most once
SENDING = {"autoretry_for": (ConnectionError, OSError), "retry_backoff": True, "max_retries": 5, "acks_late": True}


@shared_task(name="logistics.tasks.send_notification_task", **SENDING)
def send_notification_task(notification_id: int) -> bool:
    """Send one email notification; a second run sends nothing."""
    return notify.send(notification_id)


@shared_task(name="logistics.tasks.send_notifications_task", **SENDING)
def send_notifications_task(batch: list[dict]) -> int:
    """Send the notifications of one event to several people (``[{"notification_id": ...}, ...]``, the
    outbox rows' kwargs); each is sent at most once, a second run sends nothing."""
    return notify.send_batch(batch)


@shared_task(name="logistics.tasks.notify_task", **SENDING)
def notify_task(**notice) -> int:
    """Make a notice's rows for its recipients (queued by ``notify.notify_later``); a second run makes none."""
    return notify.notify_deferred(**notice)


@shared_task(name="logistics.tasks.render_document_task", acks_late=True, soft_time_limit=120, time_limit=150)
def render_document_task(document_id: int) -> str:
    """Render one requested document (QR sheets, invitation sheets)."""
    from logistics import documents

    document = documents.render(document_id)
    return document.status if document else "missing"


@shared_task(name="logistics.tasks.awards_confirm_task", ignore_result=True)
def awards_confirm_task() -> list[str]:
    """Hourly: the awards whose publicity ended with every objection ruled and none upheld become final (their
    draft contracts are created). Twice is once."""
    from logistics.services.tenders import awards_confirm_due

    return [tender.number for tender in awards_confirm_due()]
