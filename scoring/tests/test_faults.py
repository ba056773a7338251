"""Fault tolerance of the quarter close and of the report rendering (issue 9), against the real services.

Second CI pass only (PostgreSQL + Redis): a missed close caught up, two closes at once, a worker killed
(SIGKILL) half-way through a close, a task that meets a database restart, a pathological report that
hits its time limit. Workers are dedicated processes started here, on a private Redis started here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.apps import apps as django_apps
from django.db import connection, connections, transaction

from contracts.models import LedgerLine, Settlement
from contracts.tests.factories import ClauseFactory, ContractFactory
from inspections.models import Complaint
from logistics.models import Notification
from logistics.quarters import Quarter
from logistics.tests.factories import VendorFactory
from scoring.bench.generate import generate
from scoring.models import Evaluation, QuarterRun, Report
from scoring.services import canonical, catch_up, quarter_close
from scoring.tests.factories import inspection
from tests.faults import (
    BASE_DIR,
    RestartableProxy,
    Worker,
    backend_alive,
    broker_at,
    table_locked,
    wait_for,
    waiting_on,
    worker_env,
)

# every test needs PostgreSQL and commits that other threads, processes and workers see
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
logger = logging.getLogger(__name__)
Q = Quarter.parse("2026Q3")
SETTLEMENTS = Settlement._meta.db_table


def defaults() -> None:
    """The default scheme and schedules (an earlier transactional test may have flushed them)."""
    importlib.import_module("scoring.migrations.0002_default_scheme_and_schedules").forwards(django_apps, None)


def wait_for_the_close(what: str) -> None:
    """Until the quarter's close is done (90 seconds at most); ``what`` says in a failure what was waited for."""
    wait_for(
        lambda: QuarterRun.objects.filter(quarter=Q.key, status=QuarterRun.Status.DONE).exists(),
        90,
        step=0.25,
        what=what,
    )


def institution(contracts: int = 6) -> None:
    defaults()
    generate(contracts=contracts, quarter=Q)


def digest(quarter: Quarter = Q) -> tuple[str, dict[str, int]]:
    """Every evaluation (its sealed canonical form), settlement and ledger line of the quarter, as one hash."""
    evaluations = (
        Evaluation.objects.filter(quarter=quarter.key).select_related("contract", "scheme").order_by("contract__number")
    )
    settlements = Settlement.objects.filter(quarter=quarter.key).order_by("contract__number")
    lines = LedgerLine.objects.filter(quarter=quarter.key).order_by(
        "contract__number", "clause_id", "kind", "evidence_key"
    )
    payload = {
        "evaluations": [canonical(e) for e in evaluations],
        "settlements": [
            list(row)
            for row in settlements.values_list(
                "contract__number", "status", "fee", "deductions", "cap_applied", "bonuses"
            )
        ],
        "ledger": [
            list(row) for row in lines.values_list("contract__number", "clause_id", "kind", "amount", "evidence_key")
        ],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    counts = {"evaluations": evaluations.count(), "settlements": settlements.count(), "ledger": lines.count()}
    return hashlib.sha256(text.encode()).hexdigest(), counts


def uninterrupted(quarter: Quarter = Q) -> tuple[str, dict[str, int]]:
    """What an uninterrupted close writes, measured in a transaction rolled back afterwards."""
    with transaction.atomic():
        run = quarter_close(quarter=quarter, trigger="manual")
        assert run is not None and run.status == QuarterRun.Status.DONE
        result = digest(quarter)
        transaction.set_rollback(True)
    assert not QuarterRun.objects.filter(quarter=quarter.key).exists()
    return result


def nothing_written(quarter: Quarter = Q) -> bool:
    return not (
        Evaluation.objects.filter(quarter=quarter.key).exists()
        or Settlement.objects.filter(quarter=quarter.key).exists()
        or LedgerLine.objects.filter(quarter=quarter.key).exists()
    )


# --- beat or the broker down when the quarter was due ---------------------------------------------------
def test_the_daily_catch_up_closes_a_missed_quarter_once(make_user):
    institution(contracts=4)
    make_user("office", username="fault-office", email="office@example.cn")
    expected = uninterrupted()
    # beat (or the broker) was down on 1 October: no run at all; the catch-up runs every day
    started = time.perf_counter()
    first = catch_up(today=dt.date(2026, 10, 2))
    seconds = time.perf_counter() - started
    assert first is not None and first.status == QuarterRun.Status.DONE and first.trigger == "catch-up"
    assert catch_up(today=dt.date(2026, 10, 3)) is None  # the next day: nothing to catch up
    # beat's own task, delivered late once the broker is back, changes nothing either
    from scoring.tasks import quarter_close_task

    assert quarter_close_task.apply(args=[Q.key]).get() == "already running or done"
    assert QuarterRun.objects.filter(quarter=Q.key).count() == 1
    assert digest() == expected
    assert expected[1]["evaluations"] == 4 and expected[1]["ledger"] > 0
    # one notice for the one office user: by email, and its copy in the inbox
    notices = Notification.objects.filter(dedup_key__startswith=f"quarter-close:{Q.key}")
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "inbox"]
    logger.warning(f"fault figure: catch-up close of 4 contracts: {seconds:.2f}s")


# --- two closes at once -----------------------------------------------------------------------------------
def test_two_closes_in_threads_at_once_make_one_run():
    institution(contracts=6)
    expected = uninterrupted()
    barrier = threading.Barrier(2)
    results: list = []

    def close() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(quarter_close(quarter=Q, trigger="beat"))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2 and not any(isinstance(r, Exception) for r in results), results
    assert sorted(r is None for r in results) == [False, True]
    done = next(r for r in results if r is not None)
    assert done.status == QuarterRun.Status.DONE
    assert QuarterRun.objects.filter(quarter=Q.key).count() == 1
    assert digest() == expected  # evaluations, settlements and ledger lines not doubled


def _close_in_a_process() -> subprocess.Popen:
    """A second "beat": another process running the quarter close task (in-process, eagerly)."""
    code = (
        "import django; django.setup()\n"
        "from scoring.tasks import quarter_close_task\n"
        f"print('RESULT', quarter_close_task.apply(args=['{Q.key}']).get())\n"
    )
    env = worker_env()
    env.pop("CELERY_BROKER_URL", None)  # eager, as the embedded default: the task runs in this process
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def test_two_processes_closing_while_the_first_is_half_way_make_one_run():
    institution(contracts=6)
    expected = uninterrupted()
    with table_locked(SETTLEMENTS):  # the first close waits half-way, its evaluations written, uncommitted
        first = _close_in_a_process()
        wait_for(lambda: waiting_on(SETTLEMENTS), 60, what="the first close to reach its settlements")
        assert QuarterRun.objects.get(quarter=Q.key).status == QuarterRun.Status.RUNNING
        second = _close_in_a_process()
        out_second = second.communicate(timeout=60)[0].decode()
        assert second.returncode == 0, out_second
        assert "RESULT already running or done" in out_second  # while the first still runs
    out_first = first.communicate(timeout=120)[0].decode()
    assert first.returncode == 0 and "RESULT done" in out_first, out_first
    assert QuarterRun.objects.filter(quarter=Q.key, status=QuarterRun.Status.DONE).count() == 1
    assert digest() == expected


# --- a worker killed in the middle of the close -------------------------------------------------------------
@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_worker_killed_half_way_through_the_close_leaves_nothing_and_the_close_runs_again(tmp_path, private_redis):
    """The close runs in a dedicated solo worker; a lock the test holds on the settlements table stops it
    half-way (evaluations written, not committed); the whole worker is SIGKILLed there. Its message was
    never acknowledged (acks_late), so Redis hands it out again once the visibility timeout has passed (3 s
    here, one hour in production) to the next worker that starts, which closes the quarter."""
    from scoring.tasks import quarter_close_task

    institution(contracts=6)
    expected = uninterrupted()
    queue = f"faults-close-{time.time_ns()}"
    env = worker_env(
        CELERY_BROKER_URL=private_redis.url(0),
        CELERY_RESULT_BACKEND=private_redis.url(1),
        FAULT_VISIBILITY_TIMEOUT="3",
    )
    with broker_at(private_redis.url(0), private_redis.url(1)):
        first = Worker(tmp_path, queue=queue, name="close-a", env=env, app="tests.fault_app").start()
        try:
            with table_locked(SETTLEMENTS):
                quarter_close_task.apply_async(args=[Q.key], queue=queue)
                pids = wait_for(lambda: waiting_on(SETTLEMENTS), 60, what="the close to reach its settlements")
                assert QuarterRun.objects.get(quarter=Q.key).status == QuarterRun.Status.RUNNING
                killed_at = time.monotonic()
                first.kill()
            # the dead worker's backend finds its client gone and rolls back
            wait_for(lambda: not any(backend_alive(pid) for pid in pids), 30, what="the dead worker's backend")
        finally:
            first.kill()
        assert nothing_written(), "a killed close left partial rows"
        assert QuarterRun.objects.get(quarter=Q.key).status == QuarterRun.Status.RUNNING
        second = Worker(tmp_path, queue=queue, name="close-b", env=env, app="tests.fault_app").start()
        try:
            wait_for_the_close(f"the redelivered close\n{second.log()[-3000:]}")
            recovered = time.monotonic() - killed_at
        finally:
            second.stop()
    assert digest() == expected, "the close after the kill differs from an uninterrupted close"
    assert QuarterRun.objects.filter(quarter=Q.key).count() == 1
    logger.warning(f"fault figure: killed mid-close, closed again by the next worker {recovered:.1f}s after the kill")


@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_pool_process_killed_half_way_through_the_close_is_replaced_and_the_close_runs_again(tmp_path, private_redis):
    """The OOM killer's case: only the prefork pool process running the close dies (SIGKILL). The worker
    sees the loss and, with acks_late and reject_on_worker_lost, puts the message back at once; a new pool
    process runs it again. The dead process's database session may outlive it for a moment (here: until
    the test lets go of its lock), so the task looks again later when the close is still held."""
    from scoring.tasks import quarter_close_task

    institution(contracts=6)
    expected = uninterrupted()
    queue = f"faults-child-{time.time_ns()}"
    env = worker_env(CELERY_BROKER_URL=private_redis.url(0), CELERY_RESULT_BACKEND=private_redis.url(1))
    with broker_at(private_redis.url(0), private_redis.url(1)):
        worker = Worker(tmp_path, queue=queue, name="close-child", env=env, pool="prefork").start()
        try:
            with table_locked(SETTLEMENTS):
                quarter_close_task.apply_async(args=[Q.key], queue=queue)
                wait_for(lambda: waiting_on(SETTLEMENTS), 60, what="the close to reach its settlements")
                (child,) = worker.children()
                killed_at = time.monotonic()
                os.kill(child, signal.SIGKILL)
                wait_for(lambda: "WorkerLostError" in worker.log(), 30, what="the worker to see its process lost")
                # requeued and taken again at once, while the dead process's session still holds the close
                wait_for(lambda: worker.log().count("quarter_close_task[") >= 2, 30, what="the requeued task")
                time.sleep(2)
            wait_for_the_close(f"the requeued close\n{worker.log()[-3000:]}")
            recovered = time.monotonic() - killed_at
            assert worker.ping()
        finally:
            worker.stop()
    assert digest() == expected, "the close after the kill differs from an uninterrupted close"
    assert QuarterRun.objects.filter(quarter=Q.key).count() == 1
    logger.warning(f"fault figure: pool process killed mid-close, closed again {recovered:.1f}s after the kill")


def test_a_close_left_running_by_a_dead_process_is_taken_over_by_the_catch_up():
    """Production without the short visibility timeout: the next day's catch-up finishes the close."""
    institution(contracts=3)
    expected = uninterrupted()
    with table_locked(SETTLEMENTS):
        dead = _close_in_a_process()
        pids = wait_for(lambda: waiting_on(SETTLEMENTS), 60, what="the close to reach its settlements")
        dead.kill()
        dead.wait(timeout=10)
    wait_for(lambda: not any(backend_alive(pid) for pid in pids), 30, what="the dead process's backend")
    assert nothing_written()
    run = catch_up(today=dt.date(2026, 10, 2))
    assert run is not None and run.status == QuarterRun.Status.DONE
    assert digest() == expected


# --- a task that meets a PostgreSQL restart ---------------------------------------------------------------
@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_task_that_meets_a_database_restart_is_retried(tmp_path, private_redis, make_user):
    """PostgreSQL "restarts" behind a TCP proxy (the shared server is never touched): the task fails with
    OperationalError, is retried (autoretry_for, with backoff) and succeeds once the database is back."""
    from scoring.tasks import compute_quarter_task

    defaults()
    contract = ContractFactory(start_date=dt.date(2026, 1, 1))
    inspection(contract, make_user("inspector", username="retry-inspector"), "daily", dt.date(2026, 7, 3), "90.00")
    db = connection.settings_dict
    proxy = RestartableProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    queue = f"faults-retry-{time.time_ns()}"
    url = f"postgres://{db.get('USER') or 'postgres'}@127.0.0.1:{proxy.port}/{db['NAME']}"
    env = worker_env(
        CELERY_BROKER_URL=private_redis.url(0),
        CELERY_RESULT_BACKEND=private_redis.url(1),
        CELERY_TRACE_LOG_LEVEL="INFO",
        DATABASE_CONN_MAX_AGE="60",
    )
    env["DATABASE_URL"] = url
    try:
        with broker_at(private_redis.url(0), private_redis.url(1)):
            worker = Worker(tmp_path, queue=queue, name="retry", env=env).start()
            try:
                assert compute_quarter_task.apply_async(args=[Q.key], queue=queue).get(timeout=60) == 1
                proxy.down()
                down_at = time.monotonic()
                result = compute_quarter_task.apply_async(args=[Q.key], queue=queue)
                wait_for(lambda: "retry: Retry in" in worker.log(), 30, what="the task to fail and be retried")
                time.sleep(max(0.0, 2 - (time.monotonic() - down_at)))  # a restart takes a couple of seconds
                proxy.up()
                outage = time.monotonic() - down_at
                assert result.get(timeout=90) == 1  # it ran to the end: one contract computed
                recovered = time.monotonic() - down_at
                assert "OperationalError" in worker.log()
                assert worker.ping()
            finally:
                worker.stop()
    finally:
        proxy.close()
    assert proxy.refused >= 1
    logger.warning(
        f"fault figure: database down {outage:.1f}s; the retried task succeeded {recovered:.1f}s after the outage began"
    )


# --- a pathological report --------------------------------------------------------------------------------
HOSTILE = "<script>alert('x')</script><style>*{width:99999px}</style>" + "<div>" * 50


def _pathological_evaluation(user):
    defaults()
    vendor = VendorFactory(legal_name=(HOSTILE + "甲" * 300)[:200])
    contract = ContractFactory(vendor=vendor, start_date=dt.date(2026, 1, 1), number="HT-" + "9" * 37)
    ClauseFactory(contract=contract, kind="per_upheld_complaint", amount="500.00")
    inspection(contract, user, "daily", dt.date(2026, 7, 3), "90.00")
    Complaint.objects.bulk_create(
        Complaint(
            category=contract.category,
            contract=contract,
            description=HOSTILE + "W" * 1900,  # a very long unbroken string
            location="<b>" + "L" * 190 + "</b>",
            upheld=True,
            upheld_at=dt.datetime(2026, 8, 1, 10, tzinfo=dt.UTC),
            counts_in=Q.key,
            severity="normal",
            status="closed",
        )
        for _ in range(1500)
    )
    Complaint.objects.filter(contract=contract).update(created_at=dt.datetime(2026, 8, 1, 10, tzinfo=dt.UTC))
    from scoring.services import evaluations_compute

    evaluations_compute(quarter=Q)
    return Evaluation.objects.get(contract=contract, quarter=Q.key)


def test_hostile_markup_in_a_report_is_escaped(make_user):
    from django.template.loader import render_to_string
    from django.utils import translation

    from scoring.reports import contract_context

    evaluation = _pathological_evaluation(make_user("inspector", username="report-inspector"))
    with translation.override("en"):
        html = render_to_string("scoring/report_contract.pdf.html", contract_context(evaluation))
    assert "<script" not in html and "<style>*" not in html
    assert "&lt;script&gt;alert(" in html
    assert html.count("<tr>") > 1000  # the huge table is there (one line per upheld complaint)


@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_pathological_report_stops_at_its_time_limit_and_the_worker_stays_healthy(tmp_path, private_redis, make_user):
    from logistics.tasks import ping_task
    from scoring.tasks import render_report_task

    evaluation = _pathological_evaluation(make_user("inspector", username="report-inspector"))
    queue = f"faults-report-{time.time_ns()}"
    env = worker_env(
        CELERY_BROKER_URL=private_redis.url(0),
        CELERY_RESULT_BACKEND=private_redis.url(1),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    with broker_at(private_redis.url(0), private_redis.url(1)):
        worker = Worker(tmp_path, queue=queue, name="report", env=env, pool="prefork").start()
        try:
            started = time.monotonic()
            result = render_report_task.apply_async(
                args=[evaluation.pk, "en"], queue=queue, soft_time_limit=1, time_limit=30
            )
            with pytest.raises(Exception) as failure:
                result.get(timeout=60)
            seconds = time.monotonic() - started
            assert type(failure.value).__name__ == "SoftTimeLimitExceeded", repr(failure.value)
            assert seconds < 20
            report = Report.objects.get(evaluation=evaluation, language="en")
            assert report.status == Report.Status.FAILED
            assert "SoftTimeLimitExceeded" in report.error
            # the worker is still there and runs the next task
            assert worker.ping()
            assert ping_task.apply_async(queue=queue).get(timeout=30) == "pong"
        finally:
            worker.stop()
    logger.warning(f"fault figure: pathological report stopped by its 1 s soft time limit after {seconds:.1f}s")
