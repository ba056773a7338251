"""``python manage.py coverage [2026Q3] [--contract NUMBER] [--json]``: rounds due, done, late and missed."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone, translation

from contracts.models import Contract
from inspections import selectors
from inspections.choices import InspectionKind
from logistics.management.quarter_command import QuarterReportCommand
from logistics.models import Site, User


class Command(QuarterReportCommand):
    help = (
        "Coverage of the inspection plans in a quarter: per contract and inspection kind the rounds due (their "
        "window has passed, or they are done), done (on time or late), late, missed and done / due; and the "
        "office's own coverage per inspector. Rounds still open are not counted as due."
    )

    def handle(self, *args: Any, quarter: str | None = None, contract: str | None = None, **options: Any) -> None:
        key = self.quarter_of(quarter)
        contracts = Contract.objects.filter(rounds__due_on__gte=key.first_day, rounds__due_on__lte=key.last_day)
        if contract:
            if not Contract.objects.filter(number=contract).exists():
                raise CommandError(f"no contract numbered {contract!r}")
            contracts = contracts.filter(number=contract)
        numbers = dict(contracts.distinct().values_list("pk", "number"))
        ids = sorted(numbers, key=numbers.get)
        now = timezone.now()
        by_contract = selectors.coverage_by_contract(key.first_day, key.last_day, ids, now)
        by_site = selectors.coverage_by_site(key.first_day, key.last_day, ids, now)
        by_inspector = selectors.coverage_by_inspector(key.first_day, key.last_day, ids, now)
        sites = dict(Site.objects.filter(pk__in={site for (_c, _k, site) in by_site}).values_list("pk", "code"))
        names = {u.pk: (u.get_full_name() or u.username, u.username) for u in User.objects.filter(pk__in=by_inspector)}
        result = {
            "quarter": key.key,
            "as_of": timezone.localtime(now).isoformat(timespec="minutes"),
            "contracts": [
                {
                    "contract": numbers[pk],
                    "kinds": {kind: cov.as_dict() for kind, cov in sorted(by_contract.get(pk, {}).items())},
                    "sites": [
                        {"kind": kind, "site": sites.get(site), **cov.as_dict()}
                        for (cid, kind, site), cov in sorted(by_site.items(), key=lambda i: (i[0][1], i[0][2] or 0))
                        if cid == pk
                    ],
                }
                for pk in ids
            ],
            "office_by_inspector": [
                {"inspector": names[pk][1], "name": names[pk][0], **cov.as_dict()}
                for pk, cov in sorted(by_inspector.items(), key=lambda i: names[i[0]][1])
            ],
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        with translation.override("en"):
            labels = dict(InspectionKind.choices)
            self.stdout.write(f"Coverage {key.key} (as of {result['as_of']})")
            self.stdout.write(f"{'contract':<22}{'kind':<28}{'due':>5}{'done':>6}{'late':>6}{'missed':>8}{'cover':>8}")
            for entry in result["contracts"]:
                for kind, row in entry["kinds"].items():
                    self.stdout.write(
                        f"{entry['contract']:<22}{labels[kind]!s:<28}{row['due']:>5}{row['done']:>6}"
                        f"{row['late']:>6}{row['missed']:>8}{(row['coverage'] or '—') + '%':>8}"
                    )
            if result["office_by_inspector"]:
                self.stdout.write("The office's rounds, by inspector")
                for row in result["office_by_inspector"]:
                    self.stdout.write(
                        f"{row['name']:<50}{row['due']:>5}{row['done']:>6}{row['late']:>6}{row['missed']:>8}"
                        f"{(row['coverage'] or '—') + '%':>8}"
                    )
