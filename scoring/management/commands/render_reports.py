"""``python manage.py render_reports [2026Q3] [--contract NUMBER] [--out DIR] [--lang en]``: render synchronously.

Writes each contract report and the institution summary of the quarter as PDF files into DIR (default
``./reports``). Final reports are copied as frozen; the others are rendered now.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from logistics.quarters import Quarter
from scoring import reports
from scoring.models import Evaluation, Report


class Command(BaseCommand):
    help = "Render a quarter's contract reports and institution summary into a folder."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("quarter", nargs="?", help="e.g. 2026Q3 (default: the last complete quarter)")
        parser.add_argument("--contract", help="only this contract number (and no summary)")
        parser.add_argument("--out", default="reports", help="folder for the PDF files")
        parser.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"])

    def handle(
        self, *args: Any, quarter: str | None, contract: str | None, out: str, lang: str, **options: Any
    ) -> None:
        try:
            key = Quarter.parse(quarter) if quarter else Quarter.last_complete()
        except ValueError as exc:
            raise CommandError(str(exc))
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        evaluations = Evaluation.objects.filter(quarter=key.key).select_related("contract").order_by("contract__number")
        if contract:
            evaluations = evaluations.filter(contract__number=contract)
            if not evaluations.exists():
                raise CommandError(f"no evaluation of {contract} in {key}")
        for evaluation in evaluations:
            started = time.perf_counter()
            outcome = reports.render_contract_report(evaluation.pk, lang)
            report = Report.objects.get(kind=Report.Kind.CONTRACT, evaluation=evaluation, language=lang)
            target = folder / f"{evaluation.contract.number}-{key.key}-{lang}.pdf"
            with report.file.open("rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            self.stdout.write(f"{target}  {outcome}  {time.perf_counter() - started:.2f}s  sha256 {report.sha256[:16]}")
        if not contract:
            started = time.perf_counter()
            outcome = reports.render_summary_report(key, lang, force=True)
            report = Report.objects.get(kind=Report.Kind.SUMMARY, quarter=key.key, language=lang)
            target = folder / f"summary-{key.key}-{lang}.pdf"
            with report.file.open("rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            self.stdout.write(f"{target}  {outcome}  {time.perf_counter() - started:.2f}s")
