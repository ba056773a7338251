"""``python manage.py evaluate_quarter [2026Q3] [--contract NUMBER] [--json]``: the quarterly computation."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contracts import clauses as clause_engine
from contracts.models import Contract, Settlement, SettlementStatus
from contracts.selectors import clause_histories
from contracts.services import clause_specs, fee_for
from logistics.quarters import Quarter
from scoring import selectors, services
from scoring.models import Evaluation


def _decimal(value: Any) -> str | None:
    return None if value is None else str(value)


class Command(BaseCommand):
    help = "Compute (or recompute) a quarter's evaluations; --json prints one object per contract."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("quarter", nargs="?", help="e.g. 2026Q3 (default: the last complete quarter)")
        parser.add_argument("--contract", help="only this contract number")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args: Any, quarter: str | None = None, contract: str | None = None, **options: Any) -> None:
        try:
            key = Quarter.parse(quarter) if quarter else Quarter.last_complete()
        except ValueError as exc:
            raise CommandError(str(exc))
        contracts = None
        if contract:
            contracts = list(Contract.objects.filter(number=contract))
            if not contracts:
                raise CommandError(f"no contract numbered {contract!r}")
        services.evaluations_compute(quarter=key, contracts=contracts)
        evaluations = (
            Evaluation.objects.filter(quarter=key.key)
            .select_related("contract", "scheme")
            .prefetch_related("components", "contract__clauses")
            .order_by("contract__number")
        )
        if contract:
            evaluations = evaluations.filter(contract__number=contract)
        evaluations = list(evaluations)
        facts = selectors.quarter_facts(key, [e.contract for e in evaluations])
        settlements = {
            s.contract_id: s for s in Settlement.objects.filter(quarter=key.key, status=SettlementStatus.FINAL)
        }
        histories = clause_histories([e.contract_id for e in evaluations], key)
        rows = [
            self.row(e, key, facts[e.contract_id], settlements.get(e.contract_id), histories[e.contract_id])
            for e in evaluations
        ]
        if options["json"]:
            self.stdout.write(_dumps(rows))
            return
        for row in rows:
            self.stdout.write(f"{row['contract']:<20} {row['score']:>7} {row['grade']:<2} payable {row['payable']}")

    def row(
        self, evaluation: Evaluation, quarter: Quarter, facts: Any, settlement: Any, history: Any
    ) -> dict[str, Any]:
        """One contract's figures. The money is the final settlement's, or else what the clauses give on
        today's facts."""
        components = {}
        for component in evaluation.components.all():
            if component.code == "SELF" and component.weight == 0:
                continue
            components[component.code] = (
                None
                if component.value is None
                else {
                    "value": _decimal(component.value),
                    "n": component.n,
                    "weight": _decimal(component.weight.quantize(Decimal("0.01"))),
                    "effective_weight": _decimal(component.effective_weight.quantize(Decimal("0.0001"))),
                }
            )
        contract = evaluation.contract
        if settlement is not None:
            outcome = settlement
        else:
            outcome = clause_engine.apply_clauses(
                clause_specs(contract),
                clause_engine.QuarterFacts(
                    quarter=quarter.key,
                    fee=fee_for(contract, quarter),
                    score=evaluation.score,
                    grade=evaluation.grade,
                    failed_items=facts.failed_items,
                    upheld_complaints=facts.upheld_complaints,
                    overdue_rectifications=facts.overdue_rectifications,
                    warnings_by_quarter=history.warnings_by_quarter,
                    grades_by_quarter=history.grades_by_quarter,
                ),
            )
        return {
            "contract": contract.number,
            "quarter": quarter.key,
            "scheme_version": evaluation.scheme.version,
            "status": evaluation.status,
            "components": components,
            "adjustment": _decimal(evaluation.adjustment),
            "score": _decimal(evaluation.score),
            "grade": evaluation.grade,
            "fee": _decimal(outcome.fee),
            "deductions": _decimal(outcome.deductions),
            "cap_applied": _decimal(outcome.cap_applied),
            "bonuses": _decimal(outcome.bonuses),
            "payable": _decimal(outcome.payable),
        }


def _dumps(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)
