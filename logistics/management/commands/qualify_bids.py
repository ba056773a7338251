"""Every bid of a tender with every qualification check, its result and reason.

    python manage.py qualify_bids ZB-2026-007 [--json] [--recheck] [--language en]

After the opening it prints what is stored (the checks of the opening and the office's overrides, the renewal
bonus with its basis); ``--recheck`` runs the checks and the bonus again against today's records without storing
anything (a bid's verdict changes only through the opening or an override). Before the opening the bids are
sealed: nothing is printed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from logistics import selectors
from logistics.models import QualificationCheck, Tender
from logistics.reasons import describe_all


class Command(BaseCommand):
    help = "List every bid of a tender with every qualification check, its result and reason."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("tender", help="the tender's number")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--recheck", action="store_true", help="check again against today's records (no write)")
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")

    def handle(self, *args: Any, **options: Any) -> None:
        tender = Tender.objects.select_related("category").filter(number=options["tender"]).first()
        if tender is None:
            raise CommandError(f"No tender numbered {options['tender']!r}.")
        if tender.bids_are_sealed():
            raise CommandError(f"The bids of {tender.number} are sealed until {tender.opening_at:%Y-%m-%d %H:%M}.")
        with translation.override(options["language"]):
            report = self._report(tender, recheck=options["recheck"])
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{report['tender']} {report['title']} ({report['source']})")
        for bid in report["bids"]:
            verdict = {True: "QUALIFIED", False: "NOT QUALIFIED", None: "not checked"}[bid["qualified"]]
            self.stdout.write(f"\n{bid['vendor']}: {verdict}")
            for check in bid["checks"]:
                mark = "pass" if check["result"] else "FAIL"
                override = f" [override: {check['override_reason']}]" if check["override_reason"] else ""
                self.stdout.write(f"  {mark:4} {check['name']}: {' '.join(check['reasons'])}{override}")
            if bid["renewal_basis"]:
                self.stdout.write(f"  +{bid['renewal_bonus']} {' '.join(bid['renewal_basis'])}")

    def _report(self, tender: Tender, *, recheck: bool) -> dict[str, Any]:
        bids = list(tender.bids.select_related("vendor").prefetch_related("checks").order_by("submitted_at", "pk"))
        rows = []
        if recheck:
            openings = selectors.bid_opening(tender, bids)
            for bid in bids:
                opening = openings[bid.pk]
                checks = [
                    {
                        "check": o.item,
                        "name": str(QualificationCheck(o.item).label),
                        "passed": o.passed,
                        "result": o.passed,
                        "reasons": describe_all(o.reasons),
                        "override_reason": "",
                    }
                    for o in opening.checks
                ]
                row = self._bid_row(bid, checks, all(c["result"] for c in checks))
                rows.append(row | self._bonus(opening.bonus, opening.bonus_basis))
        else:
            for bid in bids:
                checks = [
                    {
                        "check": c.item,
                        "name": c.get_item_display(),
                        "passed": c.passed,
                        "result": c.result,
                        "reasons": describe_all(c.reasons),
                        "override_reason": c.override_reason,
                    }
                    for c in bid.checks.all()
                ]
                rows.append(
                    self._bid_row(bid, checks, bid.qualified) | self._bonus(bid.renewal_bonus, bid.renewal_basis)
                )
        return {
            "tender": tender.number,
            "title": tender.title,
            "category": str(tender.category),
            "status": tender.status,
            "source": "recheck" if recheck else "stored",
            "bids": rows,
        }

    @staticmethod
    def _bonus(bonus: Any, basis: list[dict[str, Any]]) -> dict[str, Any]:
        return {"renewal_bonus": f"{bonus:.2f}", "renewal_basis": describe_all(basis)}

    @staticmethod
    def _bid_row(bid: Any, checks: list[dict[str, Any]], qualified: bool | None) -> dict[str, Any]:
        return {"bid": bid.pk, "vendor": bid.vendor.legal_name, "qualified": qualified, "checks": checks}
