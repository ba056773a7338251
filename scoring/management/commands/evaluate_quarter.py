"""``python manage.py evaluate_quarter [2026Q3] [--contract NUMBER] [--json]``: the quarterly computation."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError
from django.utils import translation

from contracts.explanations import describe
from contracts.models import Contract, FormalWarning, LedgerLine, Settlement
from logistics.management.quarter_command import QuarterReportCommand
from logistics.quarters import Quarter
from scoring import components, selectors, services
from scoring.calculations import number_text
from scoring.models import Evaluation, Objection


class Command(QuarterReportCommand):
    help = (
        "Compute (or recompute) a quarter's evaluations and draft settlements; --json prints, per contract, the "
        "status, the score, the terms versions that priced it (with their days), the cap, every ledger line, the "
        "vendor's objections with their rulings and the formal warnings issued."
    )

    default_quarter_text = "the last complete quarter"

    def default_quarter(self) -> Quarter:
        return Quarter.last_complete()

    def handle(self, *args: Any, quarter: str | None = None, contract: str | None = None, **options: Any) -> None:
        key = self.quarter_of(quarter)
        contracts = None
        if contract:
            contracts = list(Contract.objects.filter(number=contract))
            if not contracts:
                raise CommandError(f"no contract numbered {contract!r}")
        services.evaluations_compute(quarter=key, contracts=contracts)
        evaluations = (
            Evaluation.objects.filter(quarter=key.key)
            .select_related("contract", "scheme")
            .prefetch_related("components")
            .order_by("contract__number")
        )
        if contract:
            evaluations = evaluations.filter(contract__number=contract)
        evaluations = list(evaluations)
        ids = [e.contract_id for e in evaluations]
        settlements = {
            s.contract_id: s
            for s in Settlement.objects.filter(quarter=key.key, contract_id__in=ids).select_related("terms")
        }
        objections = defaultdict(list)
        for objection in Objection.objects.filter(evaluation__in=evaluations).order_by("filed_at", "pk"):
            objections[objection.evaluation_id].append(objection)
        warnings = defaultdict(list)
        for warning in FormalWarning.objects.filter(quarter=key.key, contract_id__in=ids).select_related("clause"):
            warnings[warning.contract_id].append(warning)
        lines = defaultdict(list)
        for line in (
            LedgerLine.objects.filter(quarter=key.key, contract_id__in=ids)
            .select_related("clause__terms", "settlement__terms")
            .order_by("contract_id", "kind", "clause__kind", "evidence_key", "pk")
        ):
            lines[line.contract_id].append(line)
        with translation.override("en"):  # the explanation texts of a machine-readable output
            rows = [
                {
                    **self.row(e, key, settlements.get(e.contract_id), lines[e.contract_id]),
                    **self.due_process(e, objections[e.pk], warnings[e.contract_id]),
                }
                for e in evaluations
            ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['contract']:<20} {row['score']:>7} {row['grade']:<2} payable {row['payable']}")

    def due_process(
        self, evaluation: Evaluation, objections: list[Objection], warnings: list[FormalWarning]
    ) -> dict[str, Any]:
        """The vendor's part: when the result was published, its objection period, objections and rulings,
        and the formal warnings of the quarter."""

        def moment(value: Any) -> str | None:
            return value.isoformat() if value else None

        return {
            "published_at": moment(evaluation.published_at),
            "objection_deadline": moment(evaluation.objection_deadline),
            "accepted_at": moment(evaluation.accepted_at),
            "objections": [
                {
                    "id": o.pk,
                    "target": o.target,
                    "fact": o.target_key,
                    "reference": o.reference,
                    "amount": number_text(o.amount),
                    "reasons": o.reasons,
                    "filed_at": moment(o.filed_at),
                    "status": o.status,
                    "ruling": o.ruling,
                    "ruled_at": moment(o.ruled_at),
                    "correction": o.correction,
                }
                for o in objections
            ],
            "warnings": [
                {
                    "clause": w.clause.kind if w.clause_id else None,
                    "by_the_office": w.by_the_office,
                    "reason": describe(w.reason) if w.reason else "",
                    "note": w.note,
                    "withdrawn": w.is_withdrawn,
                }
                for w in warnings
            ],
        }

    def row(
        self, evaluation: Evaluation, quarter: Quarter, settlement: Settlement | None, lines: list[LedgerLine]
    ) -> dict[str, Any]:
        """One contract's figures, read from the stored evaluation, settlement and ledger (draft or final)."""
        scores = {}
        for component in evaluation.components.all():
            if not components.shown(component.code, component.weight):
                continue
            scores[component.code] = (
                None
                if component.value is None
                else {
                    "value": number_text(component.value),
                    "n": component.n,
                    "weight": number_text(component.weight.quantize(Decimal("0.01"))),
                    "effective_weight": number_text(component.effective_weight.quantize(Decimal("0.0001"))),
                }
            )
        money: dict[str, Any] = dict.fromkeys(
            ("settlement", "fee", "deductions", "cap", "cap_applied", "bonuses", "adjustments", "payable")
        )
        terms: list[dict[str, Any]] = []
        if settlement is not None:
            money = {
                "settlement": settlement.status,
                "fee": number_text(settlement.fee),
                "deductions": number_text(settlement.deductions),
                "cap": number_text(settlement.cap),
                "cap_applied": number_text(settlement.cap_applied),
                "bonuses": number_text(settlement.bonuses),
                "adjustments": number_text(settlement.adjustments),
                "payable": number_text(settlement.payable),
            }
            terms = [
                {
                    "version": part["version"],
                    "first": part["first"],
                    "last": part["last"],
                    "days": part["days"],
                    "annual_fee": part["annual_fee"],
                }
                for part in settlement.fee_basis
            ]
        return {
            "contract": evaluation.contract.number,
            "quarter": quarter.key,
            "scheme_version": evaluation.scheme.version,
            "status": evaluation.status,
            "components": scores,
            "satisfaction": selectors.satisfaction_of(evaluation),
            "adjustment": number_text(evaluation.adjustment),
            "score": number_text(evaluation.score),
            "grade": evaluation.grade,
            "facts": evaluation.facts,
            "terms_versions": terms,
            "score_clauses_version": settlement.terms.number if settlement and settlement.terms else None,
            **money,
            "ledger": [
                {
                    "kind": line.kind,
                    "amount": number_text(line.amount),
                    "clause": line.clause.kind if line.clause else None,
                    "terms_version": line.terms_version.number if line.terms_version else None,
                    "evidence": line.evidence_type,
                    "evidence_ref": line.evidence_ref,
                    "evidence_key": line.evidence_key,
                    "explanation": describe(line.explanation),
                }
                for line in lines
            ],
        }
