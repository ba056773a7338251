"""``python manage.py correct_final_facts --reason TEXT [QUARTER] [--dry-run]``: the audited correction of
final evaluations whose stored facts disagree with their final ledger (stored as zeros before 2026-12).

Each corrected evaluation takes the facts its final ledger priced, gets a history row with the reason and a
new seal; its money does not change. ``verify_hashes`` stays clean.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contracts.models import Settlement
from scoring import selectors, services
from scoring.models import Evaluation, EvaluationStatus


class Command(BaseCommand):
    help = "Give final evaluations the facts their final ledger priced (audited: a reason, history, a new seal)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("quarter", nargs="?", help="only this quarter, e.g. 2026Q3")
        parser.add_argument("--reason", required=True, help="why (kept in each evaluation's history)")
        parser.add_argument("--dry-run", action="store_true", help="list what would change, change nothing")

    def handle(self, *args: Any, quarter: str | None = None, reason: str = "", **options: Any) -> None:
        if not reason.strip():
            raise CommandError("--reason must say why")
        evaluations = Evaluation.objects.filter(status=EvaluationStatus.FINAL).select_related("contract")
        if quarter:
            evaluations = evaluations.filter(quarter=quarter)
        settlements = {
            (s.contract_id, s.quarter): s.pk
            for s in Settlement.objects.filter(quarter__in=evaluations.values("quarter")).only("contract_id", "quarter")
        }
        changed = 0
        for evaluation in evaluations.order_by("quarter", "contract__number"):
            settlement = settlements.get((evaluation.contract_id, evaluation.quarter))
            if settlement is None:
                continue
            facts = selectors.facts_from_ledger(settlement)
            if facts == evaluation.facts:
                continue
            changed += 1
            self.stdout.write(f"{evaluation.contract.number} {evaluation.quarter}: {evaluation.facts} -> {facts}")
            if not options["dry_run"]:
                services.evaluation_correct_facts(evaluation=evaluation, reason=reason)
        verb = "would be corrected" if options["dry_run"] else "corrected"
        self.stdout.write(f"{changed} final evaluation(s) {verb}; their money is unchanged.")
