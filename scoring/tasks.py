"""Celery tasks of the scoring app: thin, idempotent, retrying only transient errors."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from logistics.quarters import Quarter

TRANSIENT = (OperationalError, ConnectionError)
RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="scoring.tasks.nightly_task", **RELIABLE)
def nightly_task() -> dict:
    from scoring.nightly import nightly

    return nightly()


@shared_task(name="scoring.tasks.quarter_close_task", **RELIABLE)
def quarter_close_task(quarter: str | None = None) -> str:
    """Close a quarter (default: the one that just ended). Runs once per quarter, whoever calls it."""
    from scoring.models import QuarterRun
    from scoring.services import quarter_close

    key = Quarter.parse(quarter) if quarter else Quarter.last_complete()
    run = quarter_close(quarter=key, trigger="beat")
    request = quarter_close_task.request
    done = QuarterRun.objects.filter(quarter=key.key, status=QuarterRun.Status.DONE)
    if run is None and not (request.is_eager or request.called_directly) and not done.exists():
        # another session holds the close: a live one finishes it; a killed worker's, not yet gone (its
        # message requeued at once by reject_on_worker_lost), leaves it running: look again shortly
        raise quarter_close_task.retry(countdown=10 * 2**request.retries)
    return run.status if run else "already running or done"


@shared_task(name="scoring.tasks.catch_up_task", **RELIABLE)
def catch_up_task() -> str:
    from scoring.services import catch_up

    run = catch_up()
    return run.status if run else "nothing to catch up"


@shared_task(name="scoring.tasks.compute_quarter_task", **RELIABLE)
def compute_quarter_task(quarter: str) -> int:
    """On demand: recompute every computed evaluation of a quarter."""
    from scoring.services import evaluations_compute

    return len(evaluations_compute(quarter=Quarter.parse(quarter)))


@shared_task(name="scoring.tasks.recompute_task", **RELIABLE)
def recompute_task(contract_id: int, quarter: str) -> int:
    """On demand: recompute one contract and quarter (a reviewed evaluation keeps its review)."""
    from contracts.models import Contract
    from scoring.services import evaluations_compute

    contract = Contract.objects.get(pk=contract_id)
    return len(evaluations_compute(quarter=Quarter.parse(quarter), contracts=[contract], include_reviewed=True))


@shared_task(name="scoring.tasks.render_report_task", soft_time_limit=120, time_limit=180, **RELIABLE)
def render_report_task(evaluation_id: int, language: str = "zh-hans") -> str:
    """Render (or re-render) the PDF report of an evaluation; a final one is rendered once and frozen."""
    from scoring.reports import render_contract_report

    return render_contract_report(evaluation_id, language)


@shared_task(name="scoring.tasks.render_summary_task", soft_time_limit=300, time_limit=360, **RELIABLE)
def render_summary_task(quarter: str, language: str = "zh-hans") -> str:
    from scoring.reports import render_summary_report

    return render_summary_report(Quarter.parse(quarter), language)
