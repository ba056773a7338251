"""Notices: written in the caller's transaction, one row per recipient and channel, sent once by a task after commit.

Who is told by what: a person by the channels of their choice (``User.notify_channels``: email, the in-app
inbox, SMS), a vendor's contact person by the vendor's ``contact_channels`` (email, SMS), and the active group
robots (WeCom, DingTalk, Feishu) of the audience: the logistics office's for the office's notices, a vendor's
for its notices. A channel without its address (no email, no mobile number) is skipped. Inbox rows are
delivered by being stored; the others go through the outbox to ``send``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics import channels, outbox
from logistics.channels import Channel
from logistics.models import GroupRobot, Notification, User
from logistics.roles import Role

if TYPE_CHECKING:
    from logistics.models import User


def _user_rows(user: User) -> list[dict[str, Any]]:
    chosen = user.notify_channels if isinstance(user.notify_channels, list) else channels.USER_DEFAULT
    rows = []
    for channel in channels.PERSONAL:
        if channel not in chosen and channel != Channel.INBOX:  # the inbox always keeps a copy
            continue
        if channel == Channel.EMAIL and user.email:
            rows.append({"recipient": user, "channel": channel, "email": user.email})
        elif channel == Channel.SMS and user.phone.strip():
            rows.append({"recipient": user, "channel": channel, "phone": user.phone.strip()})
        elif channel == Channel.INBOX:
            rows.append({"recipient": user, "channel": channel})
    return rows


def _contact_rows(vendor: Any) -> list[dict[str, Any]]:
    chosen = vendor.contact_channels if isinstance(vendor.contact_channels, list) else channels.CONTACT_DEFAULT
    rows = []
    if Channel.EMAIL in chosen and vendor.contact_email:
        rows.append({"channel": Channel.EMAIL, "email": vendor.contact_email})
    if Channel.SMS in chosen and vendor.contact_phone.strip():
        rows.append({"channel": Channel.SMS, "phone": vendor.contact_phone.strip()})
    return rows


def _robot_rows(robots: Iterable[GroupRobot]) -> list[dict[str, Any]]:
    return [{"channel": robot.kind, "robot": robot} for robot in robots]


def recipients(
    *,
    users: Iterable[Any] = (),
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    vendors: Iterable[Any] = (),
    office: bool = False,
    robots: Iterable[GroupRobot] = (),
) -> list[dict[str, Any]]:
    """The rows one notice makes, in a stable order (users, then addresses, then vendors, then robots), without
    sending the same channel to the same address twice (a vendor user who is also its contact person)."""
    rows: list[dict[str, Any]] = []
    for user in users:
        rows += _user_rows(user)
    rows += [{"channel": Channel.EMAIL, "email": email} for email in emails if email]
    rows += [{"channel": Channel.SMS, "phone": phone.strip()} for phone in phones if phone and phone.strip()]
    vendors = list(vendors)
    for vendor in vendors:
        rows += _contact_rows(vendor)
    if vendors or office:
        active = GroupRobot.objects.filter(is_active=True)
        audience = active.filter(vendor__in=vendors) if vendors else active.none()
        if office:
            audience = audience | active.filter(vendor__isnull=True, department__isnull=True)
        rows += _robot_rows(audience.order_by("pk"))
    rows += _robot_rows(robots)  # named ones (the admin's test message)
    seen, unique = set(), []
    for row in rows:
        address = (
            row["channel"],
            row.get("email"),
            row.get("phone"),
            getattr(row.get("robot"), "pk", None),
            getattr(row.get("recipient"), "pk", None) if row["channel"] == Channel.INBOX else None,
        )
        if address not in seen:
            seen.add(address)
            unique.append(row)
    return unique


def notify(
    *,
    emails: Iterable[str] = (),
    users: Iterable[Any] = (),
    phones: Iterable[str] = (),
    vendors: Iterable[Any] = (),
    office: bool = False,
    robots: Iterable[GroupRobot] = (),
    subject: str,
    body: str,
    dedup_key: str | None = None,
    one_message: bool = False,
) -> list[Notification]:
    """Queue one notice per recipient and channel; with ``dedup_key`` a second call for the same event sends nothing.

    The rows go in one INSERT and their outbox rows in another (the public complaint page notifies every office
    user); only when some of them were already queued does it fall back to one at a time. With ``one_message``
    they reach the broker as one task that sends them all (``send_notifications_task``), not one task each;
    after a broker outage the relay still sends each of them once."""
    targets = recipients(users=users, emails=emails, phones=phones, vendors=vendors, office=office, robots=robots)
    if not targets:
        return []
    now = timezone.now()
    rows = [
        Notification(
            **target,
            subject=subject[:300],
            body=body,
            dedup_key=f"{dedup_key}:{index}" if dedup_key else None,
            sent_at=now if target["channel"] == Channel.INBOX else None,
        )
        for index, target in enumerate(targets)
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
        [{"notification_id": n.pk} for n in created if n.channel != Channel.INBOX],
        batch_task="logistics.tasks.send_notifications_task" if one_message else None,
    )
    return created


#: the task that makes a deferred notice's rows (``notify_later``)
LATER_TASK = "logistics.tasks.notify_task"


def notify_later(*notices: dict[str, Any]) -> None:
    """Queue notices for the worker to make: one outbox row each, written in one INSERT, instead of their
    recipients' rows on the request path (the public complaint page's office notice reads every office user
    and their robots). Each notice holds ``subject``, ``body``, ``dedup_key`` (required: a retried task then
    sends nothing twice) and its audience: ``office`` (everyone in the office and its robots), ``emails``,
    ``phones``. The recipients are those of the moment the worker runs, a moment after the commit."""
    for notice in notices:
        if not notice.get("dedup_key"):
            raise ValueError("a deferred notice needs a dedup_key")
    outbox.enqueue_many(LATER_TASK, [dict(notice) for notice in notices])


def notify_deferred(
    *,
    subject: str,
    body: str,
    dedup_key: str,
    office: bool = False,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
) -> int:
    """Make the rows of a notice queued by ``notify_later`` (the worker's side); returns how many were made."""
    if office:
        made = notify_office(subject=subject, body=body, dedup_key=dedup_key)
    else:
        made = notify(emails=emails, phones=phones, subject=subject, body=body, dedup_key=dedup_key)
    return len(made)


def role_users(role: str) -> Iterable[User]:
    return User.objects.filter(is_active=True, groups__name=role).distinct().order_by("pk")


def office_users() -> Iterable[User]:
    return role_users(Role.OFFICE)


def notify_finance(*, subject: str, body: str, dedup_key: str | None = None) -> list[Notification]:
    """Tell finance (its people's inbox and e-mail) of a payment request waiting for it."""
    return notify(users=role_users(Role.FINANCE), subject=subject, body=body, dedup_key=dedup_key, one_message=True)


def notify_office(*, subject: str, body: str, dedup_key: str | None = None) -> list[Notification]:
    """Tell everyone in the office of one event: one task on the broker for all of them."""
    return notify(users=office_users(), office=True, subject=subject, body=body, dedup_key=dedup_key, one_message=True)


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
    """Send one notification if not sent yet (safe to run twice). A channel that did not take it leaves the
    row unsent with the error written on it, and raises (the task retries)."""
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))  # not the robot (a nullable join)
                .select_related("robot")
                .filter(pk=notification_id, sent_at__isnull=True)
                .first()
            )
            if notification is None:
                return False
            channels.deliver(notification)
            notification.sent_at = timezone.now()
            notification.error = ""
            notification.save(update_fields=["sent_at", "error"])
            return True
    except Exception as exc:
        Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(error=str(exc)[:2000])
        raise


def notify_vendor(vendor: Any, *, subject: str, body: str, dedup_key: str | None = None) -> list[Notification]:
    """Tell a vendor: its active accounts by their channels, its contact person by the vendor's choice, and its
    group robots."""
    users = vendor.users.filter(is_active=True).order_by("pk")
    return notify(users=users, vendors=[vendor], subject=subject, body=body, dedup_key=dedup_key)
