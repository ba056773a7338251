"""``python manage.py appraise_year 2026 [--half 1|2] [--json]``: the half-year or annual appraisal."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from scoring import selectors_year, services_year
from scoring.calculations import number_text


class Command(BaseCommand):
    help = (
        "Compute (again) the appraisal of a year or a half from the quarters' scores and print, per contract, the "
        "quarters used with their weights, the score, grade, rank and renewal preference; then the vendors."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--half", type=int, choices=[1, 2])
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args: Any, year: int, half: int | None = None, **options: Any) -> None:
        try:
            record = services_year.appraisal_compute(year=year, half=half)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        contracts = [
            {
                "contract": line.contract.number,
                "vendor": line.contract.vendor.legal_name,
                "quarters": line.quarters,
                "score": number_text(line.score),
                "grade": line.grade,
                "rank": line.rank,
                "provisional": line.provisional,
                "renewal_preferred": line.renewal_preferred,
            }
            for line in selectors_year.appraisal_lines(record)
        ]
        vendors = [
            {
                "vendor": line.vendor.legal_name,
                "contracts": line.contracts,
                "score": number_text(line.score),
                "grade": line.grade,
                "rank": line.rank,
                "provisional": line.provisional,
                "renewal_preferred": line.renewal_preferred,
            }
            for line in selectors_year.vendor_lines(record)
        ]
        out = {
            "period": record.period_key,
            "provisional": record.provisional,
            "pending_quarters": sorted({q["quarter"] for c in contracts for q in c["quarters"] if q["provisional"]}),
            "contracts": contracts,
            "vendors": vendors,
        }
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        if record.provisional:
            self.stdout.write(f"PROVISIONAL: not final yet: {', '.join(out['pending_quarters'])}")
        for row in contracts:
            mark = " renewal" if row["renewal_preferred"] else ""
            self.stdout.write(
                f"{row['rank'] or '-':>3} {row['contract']:<20} {row['score'] or '-':>7} {row['grade']:<2}{mark}"
            )
