"""The quarter close run by a real Celery worker (second CI pass: PostgreSQL + Redis)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from contracts.tests.factories import ContractFactory
from scoring.models import Evaluation, QuarterRun
from scoring.tasks import quarter_close_task
from scoring.tests.factories import inspection


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_quarter_close(celery_worker_process, make_user):
    # an earlier transactional test may have flushed what the data migrations installed
    importlib.import_module("scoring.migrations.0002_default_scheme_and_schedules").forwards(django_apps, None)
    inspector = make_user("inspector", username="worker-inspector")
    contract = ContractFactory(start_date=dt.date(2026, 1, 1))
    inspection(contract, inspector, "daily", dt.date(2026, 7, 3), "90.00")
    assert quarter_close_task.delay("2026Q3").get(timeout=60) == "done"
    assert QuarterRun.objects.get(quarter="2026Q3").status == "done"
    assert Evaluation.objects.get(contract=contract, quarter="2026Q3").score > 0
    # a second run (another beat, a retry) changes nothing
    assert quarter_close_task.delay("2026Q3").get(timeout=60) == "already running or done"
    assert Evaluation.objects.filter(quarter="2026Q3").count() == 1
