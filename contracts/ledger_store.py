"""How a quarter's ledger lines are stored: the engine's lines against what the database holds, written fast.

``settlements_apply`` (contracts.services) decides the money; this module only keeps the ledger in step with
it: lines whose amount or wording changed are updated, lines whose facts went away are deleted (each with its
history row), and new lines go in by COPY (a quarter close writes tens of thousands), their history copied
from them in the database (``logistics.bulk``). Corrections (``adjustment`` lines) are never touched here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from contracts import clauses as engine
from contracts.models import LedgerKind, LedgerLine, Settlement
from logistics import bulk
from logistics.models import stamp

if TYPE_CHECKING:
    from logistics.models import User


#: the columns a new line is written with (the engine's line, its settlement and who computed it, and when)
COLUMNS = (
    "settlement_id",
    "contract_id",
    "quarter",
    "clause_id",
    "kind",
    "amount",
    "evidence_type",
    "evidence_id",
    "evidence_key",
    "evidence_ref",
    "explanation",
    "created_by_id",
    "created_at",
)
#: what a recompute may change on a stored line (its key, the clause and the evidence, stays)
CHANGEABLE = ("amount", "kind", "explanation", "evidence_ref")

Key = tuple[int, int | None, str]


def sync_lines(settlements: dict[int, Settlement], outcomes: dict[int, engine.Outcome], by: User) -> None:
    """Store the engine's lines of each contract's quarter (``outcomes`` by contract) under its settlement."""
    existing = {
        (line.settlement_id, line.clause_id, line.evidence_key): line
        for line in LedgerLine.objects.filter(settlement_id__in=[settlements[pk].pk for pk in outcomes]).exclude(
            kind=LedgerKind.ADJUSTMENT
        )
    }
    if existing:  # a recompute (a first close has no lines and skips this)
        _update_and_delete(existing, settlements, outcomes, by)
    now = timezone.now()
    user_id = getattr(by, "pk", None)
    written: set[int] = set()
    rows = _new_rows(existing, settlements, outcomes, written, user_id, now)
    if bulk.insert_rows(LedgerLine, COLUMNS, rows):
        bulk.copy_history_where_in(
            LedgerLine,
            "settlement_id",
            sorted(written),
            also="created_at = %s",
            also_params=[LedgerLine._meta.get_field("created_at").get_db_prep_save(now, connection)],
            history_type="+",
            reason="computed",
            user_id=user_id,
            when=now,
        )


def _update_and_delete(
    existing: dict[Key, LedgerLine], settlements: dict[int, Settlement], outcomes: dict[int, engine.Outcome], by: User
) -> None:
    wanted: set[Key] = set()
    changed = []
    for pk, outcome in outcomes.items():
        for line in outcome.lines:
            key = (settlements[pk].pk, line.clause_id, line.evidence_key)
            wanted.add(key)
            row = existing.get(key)
            if row is None:
                continue
            new = {name: getattr(line, name) for name in CHANGEABLE}
            if any(getattr(row, name) != value for name, value in new.items()):
                for name, value in new.items():
                    setattr(row, name, value)
                changed.append(stamp(row, by=by))
    for key, row in existing.items():
        if key not in wanted:
            stamp(row, by=by, reason="facts changed")
            row.delete()  # rare (a recompute after the facts changed): one row, one history entry
    # the settlements are drafts (settlements_apply checked), so the plain bulk update may change them
    bulk.update_with_history(LedgerLine, changed, CHANGEABLE, reason="recomputed")


def _new_rows(
    existing: dict[Key, LedgerLine],
    settlements: dict[int, Settlement],
    outcomes: dict[int, engine.Outcome],
    written: set[int],
    user_id: int | None,
    now: Any,
) -> Iterator[tuple[Any, ...]]:
    """The lines not stored yet, as rows in ``COLUMNS`` order; streamed into the insert (a quarter close's
    lines are never all held twice). ``written`` collects the settlements that got one."""
    for pk, outcome in outcomes.items():
        settlement = settlements[pk]
        for line in outcome.lines:
            if (settlement.pk, line.clause_id, line.evidence_key) in existing:
                continue
            written.add(settlement.pk)
            yield (
                settlement.pk,
                settlement.contract_id,
                settlement.quarter,
                line.clause_id,
                line.kind,
                line.amount,
                line.evidence_type,
                line.evidence_id,
                line.evidence_key,
                line.evidence_ref,
                line.explanation,
                user_id,
                now,
            )
