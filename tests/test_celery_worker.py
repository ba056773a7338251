"""A real worker round trip (second CI pass: PostgreSQL + Redis + a Celery worker)."""

from __future__ import annotations

import pytest

from logistics import outbox
from logistics.models import OutboxMessage
from logistics.tasks import ping_task


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_the_health_task(celery_worker_process):
    assert ping_task.delay().get(timeout=30) == "pong"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_outbox_publishes_to_the_real_broker(celery_worker_process):
    message = outbox.enqueue("logistics.tasks.ping_task")  # autocommit: published at once
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None
