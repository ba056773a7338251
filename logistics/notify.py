"""Notifications by email: written in the caller's transaction, sent once by a task after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics import outbox
from logistics.models import Notification, User
from logistics.roles import Role


def notify(
    *,
    emails: Iterable[str] = (),
    users: Iterable[Any] = (),
    subject: str,
    body: str,
    dedup_key: str | None = None,
    one_message: bool = False,
) -> list[Notification]:
    """Queue one message per recipient; with ``dedup_key`` a second call for the same event sends nothing.

    The messages go in one INSERT and their outbox rows in another (the public complaint page notifies
    every office user); only when some of them were already queued does it fall back to one at a time.
    With ``one_message`` they reach the broker as one task that sends them all (``send_notifications_task``),
    not one task each; after a broker outage the relay still sends each of them once."""
    recipients: list[tuple[Any, str]] = [(user, user.email) for user in users if user.email]
    recipients += [(None, email) for email in emails if email]
    if not recipients:
        return []
    rows = [
        Notification(
            recipient=user,
            email=email,
            subject=subject[:300],
            body=body,
            dedup_key=f"{dedup_key}:{index}" if dedup_key else None,
        )
        for index, (user, email) in enumerate(recipients)
    ]
    if dedup_key is None:
        created = Notification.objects.bulk_create(rows)
    else:
        try:
            with transaction.atomic():
                created = Notification.objects.bulk_create(rows)
        except IntegrityError:  # this event was notified before (to some or all of them)
            created = []
            for row in rows:
                try:
                    with transaction.atomic():
                        row.pk = None
                        row.save(force_insert=True)
                except IntegrityError:
                    continue
                created.append(row)
    outbox.enqueue_many(
        "logistics.tasks.send_notification_task",
        [{"notification_id": notification.pk} for notification in created],
        batch_task="logistics.tasks.send_notifications_task" if one_message else None,
    )
    return created


def office_users() -> Iterable[User]:
    return User.objects.filter(is_active=True, groups__name=Role.OFFICE).exclude(email="").distinct()


def notify_office(*, subject: str, body: str, dedup_key: str | None = None) -> list[Notification]:
    """Tell everyone in the office of one event: one task on the broker for all of them."""
    return notify(users=office_users(), subject=subject, body=body, dedup_key=dedup_key, one_message=True)


def send_batch(batch: list[dict[str, Any]]) -> int:
    """Send the notifications of one batch (``[{"notification_id": ...}, ...]``); returns how many were sent.

    Each is sent at most once, as by ``send``. One that fails does not hold back the others: the first error
    is raised after the loop (the task retries, and the retry sends only those still unsent)."""
    sent, error = 0, None
    for item in batch:
        try:
            sent += send(item["notification_id"])
        except Exception as exc:  # re-raised below, once the rest of the batch was sent
            error = error or exc
    if error is not None:
        raise error
    return sent


def send(notification_id: int) -> bool:
    """Send one notification if not sent yet (safe to run twice)."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id, sent_at__isnull=True).first()
        if notification is None:
            return False
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [notification.email])
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])
        return True
