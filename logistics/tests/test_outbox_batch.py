"""Notifications to several people at once: one INSERT for the messages, one for their outbox rows, and
one transaction to publish them after the commit (what the public complaint page does for the office)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError as BrokerError

from conftest import RecordingTasks, publish_to
from logistics import channels, notify, outbox
from logistics.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


class FakeTask:
    """A task whose publishing is recorded (or fails as a broker that is down does)."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.published: list[dict] = []
        self.fail_after = fail_after

    def apply_async(self, kwargs):
        if self.fail_after is not None and len(self.published) >= self.fail_after:
            raise BrokerError("connection refused")
        self.published.append(kwargs)


@pytest.fixture
def broker(monkeypatch):
    """A broker (not eager): the publishing goes through ``FakeTask``."""
    task = FakeTask()
    publish_to(monkeypatch, lambda name: task)
    return task


def test_notify_writes_every_recipient_in_two_inserts(broker, django_capture_on_commit_callbacks):
    emails = [f"office-{i}@example.cn" for i in range(5)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks, CaptureQueriesContext(connection) as queries:
        created = notify.notify(emails=emails, subject="s", body="b")
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(created) == 5 and len(inserts) == 2
    assert len(callbacks) == 1  # one hook publishes them all
    with CaptureQueriesContext(connection) as queries:
        callbacks[0]()
    assert sorted(k["notification_id"] for k in broker.published) == sorted(n.pk for n in created)
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    # the pending rows are read once and marked sent once, whatever the number of messages
    assert len([q for q in queries.captured_queries if q["sql"].startswith(("SELECT", "UPDATE"))]) == 2


def test_a_broker_down_in_the_middle_keeps_the_rest_pending(broker, django_capture_on_commit_callbacks):
    broker.fail_after = 2
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify(emails=[f"o{i}@example.cn" for i in range(4)], subject="s", body="b")
    assert len(broker.published) == 2
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert pending.count() == 2
    # the outage is recorded but not counted: a long one must not use up MAX_ATTEMPTS and drop them
    assert all(m.attempts == 0 and m.last_error.startswith("OperationalError") for m in pending)
    broker.fail_after = None  # the broker is back: the relay publishes the rest, once
    assert outbox.relay_pending() == 2
    assert len(broker.published) == 4 and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_an_outage_longer_than_max_attempts_relays_still_delivers(broker, django_capture_on_commit_callbacks):
    broker.fail_after = 0
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify(emails=["o1@example.cn", "o2@example.cn"], subject="s", body="b")
    for _ in range(outbox.MAX_ATTEMPTS + 5):  # the relay runs every minute while Redis is away
        assert outbox.relay_pending() == 0
    broker.fail_after = None
    assert outbox.relay_pending() == 2
    assert len(broker.published) == 2


def test_a_second_notice_of_the_same_event_sends_only_to_the_new_recipients(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify.notify(emails=["a@example.cn", "b@example.cn"], subject="s", body="b", dedup_key="ev:1")
        again = notify.notify(
            emails=["a@example.cn", "b@example.cn", "c@example.cn"], subject="s", body="b", dedup_key="ev:1"
        )
    assert len(first) == 2
    assert [n.email for n in again] == ["c@example.cn"]
    assert Notification.objects.count() == 3 and OutboxMessage.objects.count() == 3


# --- one message on the broker for everyone in the office ----------------------------------------------
BATCH = "logistics.tasks.send_notifications_task"
NOTIFY = "logistics.tasks.send_notification_task"


def run_published(tasks: RecordingTasks) -> None:
    """What the worker does with the published messages (the real task functions)."""
    from logistics.tasks import send_notification_task, send_notifications_task

    for name, kwargs in tasks.published:
        {BATCH: send_notifications_task, NOTIFY: send_notification_task}[name].run(**kwargs)


def test_an_office_notice_is_one_message_and_each_member_gets_it_once(
    tasks, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    members = [make_user("office", username=f"office-b{i}", email=f"office-b{i}@example.cn") for i in range(3)]
    make_user("office", username="office-nomail", email="")
    make_user("office", username="office-gone", email="gone@example.cn", is_active=False)
    make_user("inspector", username="not-office", email="inspector@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        created = notify.notify_office(subject="新投诉", body="b", dedup_key="ev:office")
    emails = [n for n in created if n.channel == "email"]
    assert sorted(n.email for n in emails) == sorted(m.email for m in members)
    # everyone active in the office (with or without email) finds it in the inbox, delivered by being stored
    inbox = [n for n in created if n.channel == "inbox"]
    assert sorted(n.recipient.username for n in inbox) == ["office-b0", "office-b1", "office-b2", "office-nomail"]
    assert all(n.sent_at is not None for n in inbox)
    assert tasks.published == [
        (BATCH, {"batch": [{"notification_id": n.pk} for n in sorted(emails, key=lambda n: n.pk)]})
    ]
    assert OutboxMessage.objects.count() == 3 and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert set(OutboxMessage.objects.values_list("attempts", "last_error")) == {(1, "")}
    run_published(tasks)
    run_published(tasks)  # delivered twice (a worker lost after sending): nobody is written to twice
    assert sorted(message.to[0] for message in mailoutbox) == sorted(m.email for m in members)
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_an_office_notice_during_a_broker_outage_is_relayed_and_sent_once(
    tasks, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    for i in range(3):
        make_user("office", username=f"office-o{i}", email=f"office-o{i}@example.cn")
    tasks.down = True
    with django_capture_on_commit_callbacks(execute=True):
        created = [n for n in notify.notify_office(subject="新投诉", body="b") if n.channel == "email"]
    assert tasks.published == []
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert pending.count() == 3
    # recorded on every row, not counted towards MAX_ATTEMPTS
    assert all(m.attempts == 0 and m.last_error == "OperationalError: connection refused" for m in pending)
    tasks.down = False  # the broker is back: the relay publishes each row once, as its own task
    assert outbox.relay_pending() == 3
    assert outbox.relay_pending() == 0
    assert sorted(tasks.published, key=lambda t: t[1]["notification_id"]) == [
        (NOTIFY, {"notification_id": n.pk}) for n in sorted(created, key=lambda n: n.pk)
    ]
    run_published(tasks)
    assert sorted(message.to[0] for message in mailoutbox) == sorted(n.email for n in created)


def test_an_unknown_batch_task_falls_back_to_one_message_each(tasks, monkeypatch, django_capture_on_commit_callbacks):
    resolve = tasks.resolve

    def without_batch(name):
        if name == BATCH:
            raise KeyError(name)
        return resolve(name)

    monkeypatch.setattr(outbox, "resolve_task", without_batch)
    with django_capture_on_commit_callbacks(execute=True):
        created = notify.notify(emails=["a@example.cn", "b@example.cn"], subject="s", body="b", one_message=True)
    assert sorted(tasks.published, key=lambda t: t[1]["notification_id"]) == [
        (NOTIFY, {"notification_id": n.pk}) for n in sorted(created, key=lambda n: n.pk)
    ]
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_one_failing_address_does_not_hold_back_the_rest_of_the_batch(monkeypatch, mailoutbox):
    from django.core import mail

    rows = notify.notify(emails=["a@example.cn", "bad@example.cn", "c@example.cn"], subject="s", body="b")
    Notification.objects.update(sent_at=None)  # queued, not sent yet (the tests' tasks run eagerly)
    mailoutbox.clear()
    real = mail.send_mail

    def flaky(subject, body, sender, recipients, **kwargs):
        if recipients == ["bad@example.cn"]:
            raise OSError("mail server refused")
        return real(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(channels, "send_mail", flaky)
    batch = [{"notification_id": n.pk} for n in rows]
    with pytest.raises(OSError):
        notify.send_batch(batch)
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.cn", "c@example.cn"]
    # the refusal is written on the unsent row (the office sees why in the admin)
    assert list(Notification.objects.filter(sent_at__isnull=True).values_list("email", "error")) == [
        ("bad@example.cn", "mail server refused")
    ]
    monkeypatch.setattr(channels, "send_mail", real)  # the retry: only the one still unsent goes out
    assert notify.send_batch(batch) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.cn", "bad@example.cn", "c@example.cn"]
