"""``manage.py bench``: generate a synthetic institution and print the performance figures (see README)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from logistics.quarters import Quarter
from scoring.bench import generate, measure


class Command(BaseCommand):
    help = "Benchmark the quarter close, the reports and the web pages on a synthetic institution."

    def add_arguments(self, parser):
        parser.add_argument("--contracts", type=int, default=300, help="contracts in the main run (default 300)")
        parser.add_argument("--scale", default="30,300,3000", help="contract counts of the scale run, ascending")
        parser.add_argument("--quarter", help="the quarter to generate (default: the last complete quarter)")
        parser.add_argument("--naive-sample", type=int, default=5, help="contracts the naive reference runs on")
        parser.add_argument("--json", help="write the figures to this file as JSON")
        parser.add_argument("--no-web", action="store_true", help="skip the gunicorn load test")
        parser.add_argument("--web-seconds", type=int, default=15, help="seconds of load per web scenario")
        parser.add_argument(
            "--web-workers", type=int, default=None, help="gunicorn workers (default: the production command's)"
        )
        parser.add_argument(
            "--web-only",
            action="store_true",
            help="only the web part, on the benchmark data already generated in this database",
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="run each quarter close in this process, not a fresh one (its peak memory then includes the rest)",
        )
        parser.add_argument(
            "--profile",
            metavar="FILE",
            help="after the run, close the quarter once more under pyinstrument and write its profile to FILE",
        )
        parser.add_argument("--close-only", metavar="QUARTER", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if settings.DEBUG:
            raise CommandError(
                "DEBUG is on: Django would keep and format the SQL of every statement, which production never "
                "does. Run the benchmark with DJANGO_DEBUG=0 and a DJANGO_SECRET_KEY (`make bench` sets both)."
            )
        if options["close_only"]:
            result = measure.close(Quarter.parse(options["close_only"]), profile=options["profile"])
            self.stdout.write(json.dumps(result))
            return
        if found := generate.foreign_data():
            raise CommandError(
                "This database holds data that is not benchmark data ({}): run the benchmark on its own database, "
                "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/logistics_bench (see README).".format(
                    ", ".join(found)
                )
            )
        if connection.vendor != "postgresql":
            self.stderr.write(f"note: the targets are for PostgreSQL; this run is on {connection.vendor}.")
        quarter = Quarter.parse(options["quarter"]) if options["quarter"] else Quarter.last_complete()
        if options["web_only"]:
            self._web_only(quarter, options)
            return
        main = options["contracts"]
        steps = sorted({int(s) for s in options["scale"].split(",") if s.strip()} | {main})
        if generate.existing_contracts() > steps[0]:
            raise CommandError("The database already holds more benchmark contracts than the first step: start fresh.")
        figures: dict[str, Any] = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "database": connection.vendor,
            },
            "quarter": quarter.key,
            "generation": [],
            "scale": [],
        }
        for step in steps:
            started = time.perf_counter()
            counts = generate.generate(contracts=step, quarter=quarter)
            seconds = round(time.perf_counter() - started, 1)
            figures["generation"].append({"contracts": step, "seconds": seconds, **counts})
            self.stdout.write(f"generated up to {step} contracts in {seconds} s: {counts}")
            measure.clear_outputs()
            result = measure.close(quarter) if options["in_process"] else measure.close_in_child(quarter)
            figures["scale"].append(
                {**result, "per_contract_ms": round(1000 * result["seconds"] / max(result["contracts"], 1), 2)}
            )
            self.stdout.write(f"quarter close at {step}: {result}")
            if step == main:
                close = dict(result)
                close["db_limit_seconds"] = round(measure.db_limit(quarter), 4)
                naive_seconds, sampled = measure.naive(quarter, options["naive_sample"])
                close["naive_sample"] = sampled
                close["naive_seconds"] = round(naive_seconds * result["contracts"] / max(sampled, 1), 1)
                close["vs_db_limit"] = round(close["seconds"] / close["db_limit_seconds"], 1)
                close["naive_ratio"] = round(close["naive_seconds"] / close["seconds"], 1)
                if connection.vendor == "postgresql":  # a COPY into unlogged tables: PostgreSQL's own floor
                    close["write_limit"] = measure.write_limit(quarter)
                    close["vs_write_limit"] = round(close["seconds"] / close["write_limit"]["seconds"], 1)
                figures["quarter_close"] = close
                self.stdout.write(f"quarter close at {step} with its references: {close}")
                figures["reports"] = measure.reports(quarter)
                self.stdout.write(f"reports: {figures['reports']}")
                figures["tablet"] = measure.tablet()
                self.stdout.write(f"tablet: {figures['tablet']}")
                if not options["no_web"]:
                    from scoring.bench import web

                    figures["web"] = web.run(quarter, **self._web_options(options), stdout=self.stdout)
        figures.setdefault("web", None)
        if steps[-1] > main:  # the office and the summary at the largest size, on its closed quarter
            from scoring.bench import office

            figures["office"] = {"contracts": steps[-1], "pages": office.run(quarter)}
            self.stdout.write(f"office lists at {steps[-1]}: {figures['office']}")
            figures["reports"]["summary_largest_s"] = round(measure.summary_time(quarter), 3)
            figures["reports"]["summary_largest_contracts"] = steps[-1]
        if options["profile"]:  # a close of its own: the profiler's overhead stays out of the figures above
            measure.clear_outputs()
            if options["in_process"]:
                measure.close(quarter, options["profile"])
            else:
                measure.close_in_child(quarter, options["profile"])
            self.stdout.write(f"profile of the quarter close at N={steps[-1]}: {options['profile']}")
        self.stdout.write(table(figures))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(figures, indent=2, ensure_ascii=False))

    @staticmethod
    def _web_options(options: dict[str, Any]) -> dict[str, Any]:
        from scoring.bench import web

        return {"seconds": options["web_seconds"], "workers": options["web_workers"] or web.WORKERS}

    def _web_only(self, quarter: Quarter, options: dict[str, Any]) -> None:
        """The web part alone (the pages read the data and the close of an earlier run of this command)."""
        from scoring.bench import web

        contracts = generate.existing_contracts()
        if not contracts:
            raise CommandError("No benchmark data in this database: run the whole benchmark first.")
        figures = {
            "quarter": quarter.key,
            "contracts": contracts,
            "web": web.run(quarter, **self._web_options(options), stdout=self.stdout),
        }
        self.stdout.write(web_table(figures["web"], contracts))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(figures, indent=2, ensure_ascii=False))


MET, MISSED = "met", "MISSED"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else MET if ok else MISSED


def _columns(rows: list[tuple[str, ...]]) -> str:
    """The table: measure, data, result, target and, where a target is set, met or MISSED."""
    rows = [(*row, "", "", "", "", "")[:5] for row in rows]
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    return "\n".join("  ".join(str(v).ljust(widths[i]) for i, v in enumerate(row)).rstrip() for row in rows)


def web_rows(w: dict[str, Any], contracts: int) -> list[tuple[str, ...]]:
    rows = [
        ("trivial JSON view (ceiling)", f"{w['workers']} workers", f"{w['ceiling_rps']} req/s", "(information)"),
        (
            "complaint POST",
            f"16 clients, {w['workers']} workers",
            f"{w['complaint_post_rps']} req/s, p99 {w['complaint_post_p99_ms']} ms, "
            f"{w['complaint_post_share']:.0%} of the ceiling",
            ">= 250/s, p99 <= 150 ms",
            verdict(w["complaint_post_rps"] >= 250 and w["complaint_post_p99_ms"] <= 150),
        ),
        (
            "tablet form GET",
            "4 clients",
            f"p95 {w['inspect_form_p95_ms']} ms",
            "p95 <= 50 ms",
            verdict(w["inspect_form_p95_ms"] <= 50),
        ),
    ]
    # the tablet in Chromium at 1.6 Mbit/s and 150 ms (scoring/bench/tablet_network.py); KB = 1000 bytes
    network = w.get("tablet_network") or {}
    for key, data in (("contracts_5", "5 contracts"), ("contracts_20", "20 contracts, 5 x 40 items")):
        if key not in network:
            continue
        cold, repeat = network[key]["cold"], network[key]["repeat"]
        rows += [
            (
                "tablet on a weak network, cold",
                data,
                f"{cold['bytes'] / 1000:.1f} KB in {cold['requests']} requests, ready {cold['ready_ms'] / 1000:.2f} s",
                "<= 40 KB, ready <= 0.8 s",
                verdict(cold["bytes"] <= 40_000 and cold["ready_ms"] <= 800),
            ),
            (
                "  repeat load",
                data,
                f"{repeat['assets_from_network']} assets from the network ({repeat['requests']} "
                f"request{'' if repeat['requests'] == 1 else 's'}, {repeat['bytes'] / 1000:.1f} KB), "
                f"ready {repeat['ready_ms'] / 1000:.2f} s",
                "repeat: 0 assets",
                verdict(repeat["assets_from_network"] == 0),
            ),
        ]
    rows.append(
        (
            "quarter overview",
            f"N={contracts}, 1 client",
            f"p50 {w['overview_ms']} ms, {w['overview_queries']} queries",
            "p50 <= 150 ms",
            verdict(w["overview_ms"] <= 150),
        )
    )
    return rows


def web_table(w: dict[str, Any], contracts: int) -> str:
    return _columns(web_rows(w, contracts))


def table(f: dict[str, Any]) -> str:
    c, r = f["quarter_close"], f["reports"]
    w = c.get("write_limit")
    rows = [
        ("measure", "data", "result", "target", "verdict"),
        ("quarter close", f"N={c['contracts']}", f"{c['seconds']} s", "<= 1.0 s", verdict(c["seconds"] <= 1.0)),
        ("  queries", "", str(c["queries"]), "<= 30, flat in N", verdict(c["queries"] <= 30)),
        ("  peak memory", "", f"{c['peak_mb']} MB", ""),
        (
            "  write-inclusive limit",
            f"{w['ledger_rows']} + {w['history_rows']} rows",
            f"{w['seconds']} s (read {w['read_seconds']} s + COPY {w['copy_seconds']} s): close x{c['vs_write_limit']}",
            "close <= 5x",
            verdict(c["vs_write_limit"] <= 5),
        )
        if w
        else ("  write-inclusive limit", "", "(PostgreSQL only)", "close <= 5x"),
        ("  raw SQL read limit", "", f"{c['db_limit_seconds']} s (close x{c['vs_db_limit']})", "(information)"),
        (
            "  naive (extrapolated)",
            f"sample {c['naive_sample']}",
            f"{c['naive_seconds']} s (x{c['naive_ratio']})",
            ">= 50x",
            verdict(c["naive_ratio"] >= 50),
        ),
    ]
    base = next((s for s in f["scale"] if s["contracts"] == c["contracts"]), None)
    for s in f["scale"]:
        ratio = round(s["per_contract_ms"] / base["per_contract_ms"], 2) if base else None
        larger = base is not None and s["contracts"] > base["contracts"]
        rows.append(
            (
                f"scale N={s['contracts']}",
                f"{s['queries']} queries, {s['peak_mb']} MB",
                f"{s['per_contract_ms']} ms/contract" + (f" (x{ratio})" if ratio is not None else ""),
                "<= 1.5x of N=300, same queries, < 400 MB" if larger else "",
                verdict(ratio <= 1.5 and s["queries"] == base["queries"] and s["peak_mb"] < 400) if larger else "",
            )
        )
    rows += [
        (
            "contract report (typical)",
            f"{r['contract_ledger_lines']} ledger lines",
            f"{r['contract_median_s']} s",
            "<= 1.0 s",
            verdict(r["contract_median_s"] <= 1.0),
        ),
        (
            "  layout only",
            "",
            f"{r['contract_layout_median_s']} s",
            "render <= 2x layout",
            verdict(r["contract_median_s"] <= 2 * r["contract_layout_median_s"]),
        ),
        ("  largest contract", f"{r['largest_contract_ledger_lines']} lines", f"{r['largest_contract_s']} s", ""),
        (
            "institution summary",
            f"N={c['contracts']}",
            f"{r['summary_median_s']} s",
            "<= 2.0 s",
            verdict(r["summary_median_s"] <= 2.0),
        ),
    ]
    if "summary_largest_s" in r:
        ratio = round(r["summary_largest_s"] / r["summary_median_s"], 1)
        rows.append(
            (
                "  at the largest size",
                f"N={r['summary_largest_contracts']}",
                f"{r['summary_largest_s']} s (x{ratio})",
                f"<= 10x N={c['contracts']}",
                verdict(ratio <= 10),
            )
        )
    tablet = f.get("tablet")
    if tablet:
        for name, label in (("sync_first", "first sync"), ("sync_again", "later sync"), ("submit", "submit")):
            small, large = tablet["10"][name], tablet["40"][name]
            flat = small["queries"] == large["queries"] and large["queries"] <= 30
            cpu = name != "submit" or large["cpu_ms"] <= 40
            rows.append(
                (
                    f"tablet {label} (service)",
                    f"10 / 40 items: {small['queries']} / {large['queries']} queries",
                    f"{small['cpu_ms']} / {large['cpu_ms']} ms CPU",
                    "<= 30 queries, equal" + (", 40 items <= 40 ms CPU" if name == "submit" else ""),
                    verdict(flat and cpu),
                )
            )
    if f.get("web"):
        rows += web_rows(f["web"], c["contracts"])
    office = f.get("office")
    if office:
        for page in office["pages"]:
            rows.append(
                (
                    page["label"] if page["label"].startswith("  ") else f"office: {page['label']}",
                    f"N={office['contracts']}, {page['queries']} queries",
                    f"p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms",
                    page["target"],
                    verdict(page["met"]),
                )
            )
    return _columns(rows)
