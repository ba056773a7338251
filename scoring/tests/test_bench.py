"""The benchmark keeps working: a small run on the test database (no web part)."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from contracts.models import LedgerLine, Settlement
from contracts.tests.factories import ContractFactory
from inspections.models import Inspection
from scoring.models import Evaluation

pytestmark = pytest.mark.django_db


def test_a_small_benchmark_run_prints_its_table_and_json(tmp_path, capsys, settings):
    out = tmp_path / "bench.json"
    call_command(
        "bench",
        "--contracts",
        "3",
        "--scale",
        "2,3",
        "--no-web",
        "--naive-sample",
        "1",
        "--in-process",
        "--json",
        str(out),
        "--profile",
        str(tmp_path / "close.txt"),
    )
    figures = json.loads(out.read_text())
    close = figures["quarter_close"]
    assert close["contracts"] == 3 and close["queries"] > 0 and close["seconds"] > 0
    assert set(close) >= {"contracts", "seconds", "queries", "peak_mb", "db_limit_seconds", "naive_seconds"}
    assert [s["contracts"] for s in figures["scale"]] == [2, 3]
    assert figures["scale"][0]["queries"] == figures["scale"][1]["queries"]  # flat in N
    assert set(figures["reports"]) >= {"contract_median_s", "contract_layout_median_s", "summary_median_s"}
    # the typical report is the contract of the median number of ledger lines; the largest is timed too
    per_contract = sorted(
        LedgerLine.objects.filter(quarter=figures["quarter"])
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    assert figures["reports"]["contract_ledger_lines"] == per_contract[(len(per_contract) - 1) // 2]
    assert figures["reports"]["largest_contract_ledger_lines"] == per_contract[-1]
    assert figures["generation"][-1]["item_results"] == 1 * (90 + 90 + 13 + 3) * 20
    # the profile of one more close, where the time goes (the figures above are measured without it)
    assert "quarter_close" in (tmp_path / "close.txt").read_text()
    # the tablet's sync and submit: the same queries for 10 and 40 items, and nothing left behind
    tablet = figures["tablet"]
    for step in ("sync_first", "sync_again", "submit"):
        assert tablet["10"][step]["queries"] == tablet["40"][step]["queries"] > 0
        assert tablet["40"][step]["cpu_ms"] > 0
    assert not Inspection.objects.filter(created_by__username__startswith="bench-tablet-").exists()
    printed = capsys.readouterr().out
    assert "quarter close" in printed and "institution summary" in printed and "tablet submit" in printed
    # what the close wrote is what the product writes: evaluations, draft settlements, ledger lines
    assert Evaluation.objects.count() == 3 and Settlement.objects.filter(status="draft").count() == 3
    assert LedgerLine.objects.exists()


def test_the_largest_step_times_the_office_lists_and_the_summary_with_their_targets(tmp_path, capsys):
    out = tmp_path / "bench.json"
    call_command(
        "bench", "--contracts", "2", "--scale", "2,3", "--no-web", "--naive-sample", "1", "--in-process",
        "--json", str(out),
    )  # fmt: skip
    figures = json.loads(out.read_text())
    pages = figures["office"]["pages"]
    assert figures["office"]["contracts"] == 3 and len(pages) == 21
    assert all(page["queries"] > 0 and page["p95_ms"] >= page["p50_ms"] > 0 for page in pages)
    # the overview of every contract on one page is for information; each other page has its target
    assert [page["page"] for page in pages if page["met"] is None] == ["quarter overview (every contract)"]
    assert {page["target"] for page in pages if page["met"] is not None} == {"p95 <= 300 ms"}
    assert figures["reports"]["summary_largest_contracts"] == 3 and figures["reports"]["summary_largest_s"] > 0
    printed = capsys.readouterr().out
    assert "office: admin inspections" in printed and "at the largest size" in printed
    # every row with a target says whether it was met
    for line in printed.splitlines():
        if line.rstrip().endswith(("<= 1.0 s", "<= 300 ms", "<= 2.0 s", ">= 50x")):
            raise AssertionError(f"a target without its verdict: {line}")
    verdicts = [line for line in printed.splitlines() if line.rstrip().endswith(("met", "MISSED"))]
    assert len(verdicts) >= 25


def test_the_benchmark_refuses_a_database_with_real_data():
    ContractFactory(number="HT-2026-001")
    with pytest.raises(CommandError, match="not benchmark data"):
        call_command("bench", "--contracts", "2", "--scale", "2", "--no-web")


def test_the_web_part_alone_needs_benchmark_data():
    with pytest.raises(CommandError, match="No benchmark data"):
        call_command("bench", "--web-only")


# what the bench's web part measures, as an example
WEB = {
    "workers": 4,
    "ceiling_rps": 1000.0,
    "complaint_post_rps": 150.0,
    "complaint_post_p99_ms": 120.0,
    "complaint_post_share": 0.15,
    "inspect_form_p95_ms": 50.0,
    "overview_ms": 100.0,
    "overview_queries": 12,
}


def test_the_web_rows_name_the_workers_and_the_share_of_the_ceiling():
    from scoring.management.commands.bench import web_table

    printed = web_table(WEB, 300)
    assert "4 workers" in printed and "150.0 req/s, p99 120.0 ms" in printed and "15% of the ceiling" in printed
    assert "N=300" in printed
    # each row with a target says whether it was met: the POST's rate is under 250/s, the form and overview are in
    verdicts = {line.split("  ")[0]: line.split()[-1] for line in printed.splitlines()}
    assert verdicts == {
        "trivial JSON view (ceiling)": "(information)",
        "complaint POST": "MISSED",
        "tablet form GET": "met",
        "quarter overview": "met",
    }


def test_the_benchmark_refuses_to_measure_with_debug_on(settings):
    settings.DEBUG = True  # Django would keep and format every statement's SQL: not what production does
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        call_command("bench", "--contracts", "2", "--scale", "2", "--no-web")


def test_the_quarter_close_is_timed_in_a_process_with_debug_off(settings):
    from scoring.bench import measure

    settings.SECRET_KEY = "the-parent-key"
    env = measure.production_env()
    assert env["DJANGO_DEBUG"] == "0" and env["DJANGO_SECRET_KEY"] == "the-parent-key"
