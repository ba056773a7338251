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
from django.db.models import F
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


def enqueue_many(
    task_name: str, kwargs_list: list[dict[str, Any]], *, batch_task: str | None = None
) -> list[OutboxMessage]:
    """Record several runs of one task in one INSERT; after the commit they are published in one
    transaction (a notification to every office user costs two statements, not two per recipient).

    With ``batch_task`` (a task taking ``batch``, the list of the runs' kwargs) they are published after the
    commit as one message of that task, not one each: one broker round trip for an event that goes to
    everyone in the office. The rows stay one per run, so what the relay publishes after a broker outage
    (one message per row, ``task_name``) is the same work."""
    if not kwargs_list:
        return []
    messages = OutboxMessage.objects.bulk_create(OutboxMessage(task_name=task_name, kwargs=k) for k in kwargs_list)
    ids = [message.pk for message in messages]
    transaction.on_commit(lambda: dispatch_many(ids, batch_task=batch_task))
    return messages


def _publish(message: OutboxMessage) -> bool:
    """Publish one locked pending message and record the attempt on it (not yet saved); True when it was
    published. A broker that is down raises ``BrokerUnavailable``: that is not the message's fault, so it
    does not count towards MAX_ATTEMPTS; an unknown task or any other error counts and stays pending."""
    try:
        task = resolve_task(message.task_name)
    except (KeyError, ImportError):
        message.attempts += 1
        message.last_error = f"unknown task {message.task_name}"
        logger.error("outbox: unknown task %s (message %s)", message.task_name, message.pk)
        return False
    try:
        task.apply_async(kwargs=message.kwargs)
    except (BrokerError, ConnectionError, OSError) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        raise BrokerUnavailable(message.last_error) from exc
    except Exception as exc:  # a message that cannot be published, or an eager task that failed in-process
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.exception("outbox: %s could not be published", message)
        return False
    message.attempts += 1
    message.sent_at, message.last_error = timezone.now(), ""
    return True


def _publish_batch(batch_task: str, messages: list[OutboxMessage]) -> bool:
    """Publish locked pending messages as one message of ``batch_task``; True when it was published. A
    broker that is down raises ``BrokerUnavailable`` (the caller records it on every row); any other
    failure (an unknown batch task) returns False and the caller publishes them one by one."""
    try:
        task = resolve_task(batch_task)
    except (KeyError, ImportError):
        logger.error("outbox: unknown batch task %s; publishing %s messages one by one", batch_task, len(messages))
        return False
    try:
        task.apply_async(kwargs={"batch": [message.kwargs for message in messages]})
    except (BrokerError, ConnectionError, OSError) as exc:
        raise BrokerUnavailable(f"{type(exc).__name__}: {exc}"[:2000]) from exc
    except Exception:
        logger.exception("outbox: the batch of %s messages could not be published; one by one", len(messages))
        return False
    return True


def dispatch_many(message_ids: list[int], *, batch_task: str | None = None) -> int:
    """Publish pending messages in one transaction; returns how many were published. Eager tasks (no
    broker: they run in-process and may fail apart) go one transaction each, as ``dispatch`` does.
    With ``batch_task`` they go as one message of it (see ``enqueue_many``)."""
    if len(message_ids) == 1 or current_app.conf.task_always_eager:
        return sum(dispatch(message_id) for message_id in message_ids)
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk__in=message_ids, sent_at__isnull=True)
            .order_by("pk")
        )
        sent: list[int] = []
        if batch_task is not None and len(messages) > 1:
            try:
                if _publish_batch(batch_task, messages):
                    sent = [message.pk for message in messages]
                    messages = []  # nothing left to publish one by one
            except BrokerUnavailable as exc:  # the broker is down: every row stays pending, recorded
                OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(last_error=str(exc))
                logger.warning("outbox: %s messages not published yet (%s); will retry", len(messages), exc)
                messages = []
        for index, message in enumerate(messages):
            try:
                published = _publish(message)
            except BrokerUnavailable as exc:  # the broker is down: the rest stays pending, recorded
                rest = [m.pk for m in messages[index:]]
                OutboxMessage.objects.filter(pk__in=rest).update(last_error=message.last_error)
                logger.warning("outbox: %s messages not published yet (%s); will retry", len(rest), exc)
                break
            if published:
                sent.append(message.pk)
            else:
                message.save(update_fields=["attempts", "last_error"])
        if sent:
            OutboxMessage.objects.filter(pk__in=sent).update(
                attempts=F("attempts") + 1, sent_at=timezone.now(), last_error=""
            )
    return len(sent)


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
        try:
            published = _publish(message)
        except BrokerUnavailable as exc:  # the broker is down: the message stays pending (nothing saved)
            logger.warning("outbox: %s not published yet (%s); will retry", message, exc)
            raise
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return published


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
