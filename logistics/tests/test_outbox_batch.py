"""Notifications to several people at once: one INSERT for the messages, one for their outbox rows, and
one transaction to publish them after the commit (what the public complaint page does for the office)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError as BrokerError

from logistics import notify, outbox
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
    from celery import current_app

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    task = FakeTask()
    monkeypatch.setattr(outbox, "resolve_task", lambda name: task)
    yield task
    current_app.conf.task_always_eager = eager


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
