"""What the benchmark times: the quarter close (as the Celery job runs it), its two references, the reports."""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from contracts.models import Contract, FormalWarning, LedgerLine, Settlement
from inspections.models import Complaint, Inspection, SurveyAnswer
from inspections.satisfaction import is_satisfied
from logistics.models import Notification, OutboxMessage
from logistics.quarters import Quarter
from scoring import calculations, selectors, services
from scoring.models import Evaluation, EvaluationComponent, QuarterRun


@contextmanager
def counting_queries():
    """Count the statements run (without keeping their SQL, which would distort the memory figure)."""
    counter = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def clear_outputs() -> None:
    """Forget what a quarter close wrote (benchmark data only), so the next close does all the work again."""
    tables = []
    for model in (EvaluationComponent, Evaluation, LedgerLine, FormalWarning, Settlement):
        history = getattr(model, "history", None)
        if history is not None:
            tables.append(history.model._meta.db_table)
        tables.append(model._meta.db_table)
    tables += [QuarterRun._meta.db_table, OutboxMessage._meta.db_table, Notification._meta.db_table]
    from scoring.models import Report

    tables.insert(0, Report._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    Contract.objects.filter(number__startswith="BENCH-").update(termination_recommended=False, renewal_preferred=False)


def close(quarter: Quarter, profile: str | None = None) -> dict[str, Any]:
    """The quarter close, as ``quarter_close_task`` runs it, timed (run in a fresh process for the memory).
    With ``profile``, a pyinstrument profile of it is written there as text (its timings then include the
    profiler's overhead)."""
    profiler = None
    if profile:
        from pyinstrument import Profiler  # a development requirement (requirements-dev.txt)

        profiler = Profiler(interval=0.001)
        profiler.start()
    with counting_queries() as queries:
        started = time.perf_counter()
        run = services.quarter_close(quarter=quarter, trigger="bench")
        seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False))
    return {"contracts": run.contracts, "seconds": round(seconds, 3), "queries": queries["n"], "peak_mb": peak_mb()}


def production_env() -> dict[str, str]:
    """The environment of a production process (DEBUG off), for the processes the benchmark starts.

    With DEBUG on, Django keeps the SQL of every statement and formats each one: at N=3000 that alone is
    about 55 MB of the quarter close's peak memory, which a Celery worker in production never holds.
    """
    env = dict(os.environ)
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=settings.SECRET_KEY)
    # with a broker, as a worker runs the close: what it queues (the office's notice) is published after the
    # commit, not run in the close's process (without one every task runs in-process, and its queries would be
    # counted as the close's); the bench's queue is dropped after
    env.setdefault("CELERY_BROKER_URL", CLOSE_BROKER)
    env["CELERY_DEFAULT_QUEUE"] = CLOSE_QUEUE
    return env


CLOSE_BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
CLOSE_QUEUE = "logistics-bench-close"


def close_in_child(quarter: Quarter, profile: str | None = None) -> dict[str, Any]:
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--close-only", quarter.key]
    if profile:
        command += ["--profile", profile]
    env = production_env()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    subprocess.run(["redis-cli", "-u", env["CELERY_BROKER_URL"], "del", CLOSE_QUEUE], capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the quarter close failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


DB_LIMIT_SQL = """
SELECT contract_id, kind, COUNT(*), SUM(score)
FROM inspections_inspection
WHERE status = 'submitted' AND score IS NOT NULL AND inspected_on BETWEEN %s AND %s
  AND kind IN ('daily', 'weekly', 'monthly_joint', 'self')
GROUP BY contract_id, kind
"""


def db_limit(quarter: Quarter, repeat: int = 3) -> float:
    """One raw SQL aggregate of the quarter's components over the stored inspection scores (best of 3)."""
    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(DB_LIMIT_SQL, [quarter.first_day, quarter.last_day])
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return min(times)


def naive(quarter: Quarter, sample: int) -> tuple[float, int]:
    """A typical first version: per contract, per inspection ORM loops over the item results, one save
    per evaluation. Timed on ``sample`` contracts inside a transaction rolled back afterwards."""
    contracts = list(selectors.evaluable_contracts(quarter)[:sample])
    scheme = selectors.current_schemes().default
    data = selectors.scheme_data(scheme)
    kinds = {"daily": "daily", "weekly": "weekly", "monthly_joint": "monthly", "self": "self_checks"}
    started = time.perf_counter()
    with transaction.atomic():
        for contract in contracts:
            stats = {}
            for kind, name in kinds.items():
                scores = []
                for inspection in Inspection.objects.filter(
                    contract=contract,
                    kind=kind,
                    status="submitted",
                    inspected_on__gte=quarter.first_day,
                    inspected_on__lte=quarter.last_day,
                ):
                    awarded = possible = Decimal(0)
                    for result in inspection.results.select_related("item"):
                        possible += result.item.max_points
                        awarded += result.awarded or 0
                    scores.append(awarded * 100 / possible if possible else Decimal(0))
                stats[name] = calculations.ScoreStats(len(scores), sum(scores, Decimal(0)))
            counts = defaultdict(int)
            for complaint in Complaint.objects.filter(
                contract=contract,
                upheld=True,
                quarantined=False,
                counts_in=quarter.key,
            ):
                counts[complaint.severity] += 1
            answers = list(
                SurveyAnswer.objects.filter(response__contract=contract, response__survey__quarter=quarter.key)
            )
            facts = calculations.Facts(
                complaints_normal=counts["normal"],
                complaints_serious=counts["serious"],
                survey_answers=len(answers),
                survey_satisfied=sum(1 for a in answers if is_satisfied(a.value)),
                **stats,
            )
            result = calculations.compute(facts, data, Decimal(0))
            Evaluation.objects.create(
                contract=contract,
                quarter=f"N{quarter.key[1:]}",  # not the real quarter: rolled back anyway
                scheme=scheme,
                raw_score=result.raw_score.quantize(Decimal("0.000001")),
                score=result.score,
                grade=result.grade,
                computed_at=timezone.now(),
            )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, len(contracts)


def median_time(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def typical_and_largest(quarter: Quarter) -> tuple[Evaluation, Evaluation]:
    """The contract of the median number of ledger lines (a typical report) and the one with the most."""
    counts = list(
        LedgerLine.objects.filter(quarter=quarter.key, contract__number__startswith="BENCH-")
        .values("contract_id")
        .annotate(n=Count("pk"))
        .order_by("n", "contract_id")
        .values_list("contract_id", "n")
    )
    if not counts:
        first = Evaluation.objects.filter(quarter=quarter.key).order_by("contract__number").first()
        return first, first
    typical, largest = counts[(len(counts) - 1) // 2][0], counts[-1][0]
    found = {
        e.contract_id: e
        for e in Evaluation.objects.filter(quarter=quarter.key, contract_id__in=[typical, largest]).select_related(
            "contract__vendor", "contract__category", "scheme"
        )
    }
    return found[typical], found[largest]


def reports(quarter: Quarter, repeat: int = 5) -> dict[str, float]:
    """Median of ``repeat`` renders of a typical contract's report (the median number of ledger lines)
    and of the institution summary; the largest contract's report is timed too, for information."""
    from scoring import reports as report_module

    evaluation, largest = typical_and_largest(quarter)

    def lines(e: Evaluation) -> int:
        return LedgerLine.objects.filter(contract_id=e.contract_id, quarter=quarter.key).count()

    return {
        "contract_median_s": round(
            median_time(lambda: report_module.render_contract_report(evaluation.pk, force=True), repeat), 3
        ),
        "contract_layout_median_s": round(median_time(lambda: report_module.contract_layout(evaluation), repeat), 3),
        "summary_median_s": round(
            median_time(lambda: report_module.render_summary_report(quarter, force=True), repeat), 3
        ),
        "contract_ledger_lines": lines(evaluation),
        "largest_contract_s": round(
            median_time(lambda: report_module.render_contract_report(largest.pk, force=True), 1), 3
        ),
        "largest_contract_ledger_lines": lines(largest),
    }


def summary_time(quarter: Quarter, repeat: int = 3) -> float:
    """Median of ``repeat`` renders of the institution summary (at the benchmark's largest size)."""
    from scoring import reports as report_module

    return median_time(lambda: report_module.render_summary_report(quarter, force=True), repeat)


class _Rollback(Exception):
    pass


def tablet(repeat: int = 5) -> dict[str, Any]:
    """The tablet's draft sync (first and later) and submission, through the services the API calls, for a
    10-item and a 40-item checklist (two failed items each): queries per request (flat in the number of items)
    and the median CPU time per request. Run in a transaction rolled back at the end: nothing stays."""
    import uuid

    from django.contrib.auth.models import Group

    from contracts.models import ContractStatus
    from inspections.models import ChecklistItem, ChecklistTemplate
    from inspections.services import inspections as inspection_services
    from logistics.models import User

    figures: dict[str, Any] = {}
    try:
        with transaction.atomic():
            contract = Contract.objects.filter(status=ContractStatus.ACTIVE).order_by("pk").first()
            user = User.objects.create(username=f"bench-tablet-{uuid.uuid4().hex[:8]}")
            user.groups.add(Group.objects.get(name="inspector"))
            contract.inspectors.add(user)
            for size in (10, 40):
                template = ChecklistTemplate.objects.create(
                    family=f"bench-tablet-{size}-{uuid.uuid4().hex[:6]}",
                    category_id=contract.category_id,
                    kind="daily",
                    name="基准检查表",
                )
                ChecklistItem.objects.bulk_create(
                    ChecklistItem(template=template, code=f"B{n:02d}", text="项目", max_points=Decimal(5), sort_order=n)
                    for n in range(size)
                )
                codes = [f"B{n:02d}" for n in range(size)]
                answers = {c: {"result": "fail" if n in (0, 3) else "pass"} for n, c in enumerate(codes)}
                half = {c: {"result": "pass"} for c in codes[: size // 2]}
                runs: dict[str, list[tuple[int, float]]] = defaultdict(list)
                for attempt in range(repeat + 1):  # the first is a warm-up (caches of roles and templates)
                    data = {"key": str(uuid.uuid4()), "kind": "daily", "contract": contract.pk, "template": template.pk}
                    steps = (
                        ("sync_first", inspection_services.inspection_sync, half),
                        ("sync_again", inspection_services.inspection_sync, answers),
                        ("submit", inspection_services.inspection_submit, answers),
                    )
                    for name, service, results in steps:
                        with counting_queries() as counter:
                            started = time.process_time()
                            service(user=user, data={**data, "results": results})
                            cpu = time.process_time() - started
                        if attempt:
                            runs[name].append((counter["n"], cpu))
                figures[str(size)] = {
                    name: {
                        "queries": max(n for n, _ in values),
                        "cpu_ms": round(1000 * statistics.median(c for _, c in values), 1),
                    }
                    for name, values in runs.items()
                }
            raise _Rollback
    except _Rollback:
        pass
    return figures


def write_limit(quarter: Quarter, repeat: int = 3) -> dict[str, Any]:
    """The floor of a quarter close that writes what it must: the read aggregate (``db_limit``) plus a bare COPY
    of the quarter's ledger lines and their history rows, as the close wrote them, into unlogged tables without
    constraints, indexes or foreign keys (best of ``repeat``). The close also computes, checks, locks and audits;
    this is what PostgreSQL alone needs to read the facts and store the money."""
    from contracts.models import LedgerLine

    tables = [LedgerLine._meta.db_table, LedgerLine.history.model._meta.db_table]
    quote = connection.ops.quote_name
    # the quarter's lines, and the history rows of those lines (a history row keeps its line's id)
    lines = f"SELECT id FROM {quote(tables[0])} WHERE quarter = %s"
    with connection.cursor() as cursor:
        buffers = []
        for table in tables:
            buffer = io.StringIO()
            query = cursor.mogrify(f"SELECT * FROM {quote(table)} WHERE id IN ({lines})", [quarter.key])
            cursor.cursor.copy_expert(f"COPY ({query.decode()}) TO STDOUT", buffer)
            buffers.append(buffer.getvalue())
        if not buffers[0]:
            return {"ledger_rows": 0, "history_rows": 0, "seconds": round(db_limit(quarter), 4)}
        rows = [text.count("\n") for text in buffers]
        best = None
        for _ in range(repeat):
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {quote('bench_copy_' + table)}")
                cursor.execute(f"CREATE UNLOGGED TABLE {quote('bench_copy_' + table)} (LIKE {quote(table)})")
            started = time.perf_counter()
            for table, text in zip(tables, buffers, strict=True):
                cursor.cursor.copy_expert(f"COPY {quote('bench_copy_' + table)} FROM STDIN", io.StringIO(text))
            seconds = time.perf_counter() - started
            best = seconds if best is None else min(best, seconds)
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {quote('bench_copy_' + table)}")
    read = db_limit(quarter)
    return {
        "ledger_rows": rows[0],
        "history_rows": rows[1],
        "copy_seconds": round(best, 4),
        "read_seconds": round(read, 4),
        "seconds": round(best + read, 4),
    }
