"""Queue Celery tasks reliably: write an outbox row in the caller's transaction, publish after commit.

``enqueue("inspections.tasks.notify_task", kwargs={...})`` is how every service queues work. Without a
broker (the embedded default) the task runs in-process right after the commit.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from logistics.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20


class BrokerUnavailable(Exception):
    pass


def resolve_task(name: str) -> Any:
    """The registered task ``name`` ("<module>.<function>"), importing its module if Celery has not yet
    (a web process never runs the worker's autodiscovery)."""
    try:
        return current_app.tasks[name]
    except KeyError:
        import_module(name.rsplit(".", 1)[0])
        return current_app.tasks[name]


def enqueue(task_name: str, *, kwargs: dict[str, Any] | None = None, dedup_key: str | None = None) -> OutboxMessage:
    """Record a task to run once the current transaction commits; ``dedup_key`` makes it at most once."""
    if dedup_key:
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs or {}, dedup_key=dedup_key)
        except IntegrityError:
            return OutboxMessage.objects.get(dedup_key=dedup_key)
    else:
        message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs or {})
    transaction.on_commit(lambda: dispatch(message.pk))
    return message


def dispatch(message_id: int) -> bool:
    """Publish one pending message; True when it was published (now or earlier), False when it must wait."""
    try:
        return _dispatch(message_id)
    except BrokerUnavailable:
        return False


def _dispatch(message_id: int) -> bool:
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True)
            .first()
        )
        if message is None:
            return OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=False).exists()
        message.attempts += 1
        try:
            task = resolve_task(message.task_name)
        except (KeyError, ImportError):
            message.last_error = f"unknown task {message.task_name}"
            message.save(update_fields=["attempts", "last_error"])
            logger.error("outbox: unknown task %s (message %s)", message.task_name, message.pk)
            return False
        try:
            task.apply_async(kwargs=message.kwargs)
        except (BrokerError, ConnectionError, OSError) as exc:  # the broker is down: keep the message pending
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            logger.warning("outbox: %s not published yet (%s); will retry", message, type(exc).__name__)
            raise BrokerUnavailable(str(exc)) from exc
        except Exception as exc:  # an eager task that failed in-process: keep it pending for a retry
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            logger.exception("outbox: %s failed when run in-process", message)
            return False
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def relay_pending(limit: int = 500) -> int:
    """Publish pending messages, oldest first; returns how many were published."""
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    ids = list(pending.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    sent = 0
    for message_id in ids:
        try:
            if _dispatch(message_id):
                sent += 1
        except BrokerUnavailable:
            break  # the broker is still down: stop here, the next relay tries again
    return sent
