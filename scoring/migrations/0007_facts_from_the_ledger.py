"""Non-final evaluations whose stored facts disagree with their draft settlement's ledger (the review, the
recompute button and the nightly job stored zeros while the ledger priced failed items, complaints and
overdue days) take their facts from that ledger, with a history row saying so. Final evaluations are
sealed: they are corrected by ``manage.py correct_final_facts``, an audited command, never here.

The derivation is frozen here (a migration must not follow later code): one fact per piece of evidence a
clause priced; overdue days from the lines' explanations.
"""

from django.db import migrations
from django.utils import timezone

REASON = "facts taken from the ledger (migration)"


def _facts(lines):
    evidence = {"item_result": set(), "complaint": set(), "rectification": set()}
    days = {}
    for evidence_type, evidence_id, explanation in lines:
        if evidence_type in evidence:
            evidence[evidence_type].add(evidence_id)
        if evidence_type == "rectification":
            params = (explanation or {}).get("params") or {}
            days[evidence_id] = days.get(evidence_id, 0) + int(params.get("days") or 0)
    return {
        "failed_items": len(evidence["item_result"]),
        "upheld_complaints": len(evidence["complaint"]),
        "carried_complaints": 0,
        "overdue_rectifications": len(evidence["rectification"]),
        "overdue_days": sum(days.values()),
    }


def forward(apps, schema_editor):
    Evaluation = apps.get_model("scoring", "Evaluation")
    History = apps.get_model("scoring", "HistoricalEvaluation")
    Settlement = apps.get_model("contracts", "Settlement")
    LedgerLine = apps.get_model("contracts", "LedgerLine")
    now = timezone.now()
    for evaluation in Evaluation.objects.exclude(status="final").iterator():
        settlement = Settlement.objects.filter(contract_id=evaluation.contract_id, quarter=evaluation.quarter).first()
        if settlement is None:
            continue
        lines = LedgerLine.objects.filter(settlement=settlement).exclude(kind="adjustment")
        facts = _facts(lines.values_list("evidence_type", "evidence_id", "explanation"))
        if facts == evaluation.facts:
            continue
        evaluation.facts = facts
        evaluation.save(update_fields=["facts"])
        values = {f.attname: getattr(evaluation, f.attname) for f in Evaluation._meta.concrete_fields}
        History.objects.create(**values, history_date=now, history_type="~", history_change_reason=REASON)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0006_seal_version"), ("contracts", "0007_signed_terms_triggers")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
