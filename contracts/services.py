"""Contract use cases: creation from an award, status transitions, amendments, applying a quarter's facts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import clauses as engine
from contracts import selectors
from contracts.defaults import DEFAULT_CLAUSES
from contracts.explanations import describe
from contracts.models import (
    Clause,
    Contract,
    ContractAmendment,
    ContractStatus,
    ContractStatusChange,
    EvidenceType,
    FormalWarning,
    LedgerKind,
    LedgerLine,
    Settlement,
    SettlementStatus,
)
from logistics import bulk
from logistics.immutability import allow_locked_changes
from logistics.models import Tender, VendorStatus, stamp
from logistics.notify import notify_office
from logistics.quarters import Quarter
from logistics.quarters import today as local_today

S = ContractStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.ACTIVE},
    S.ACTIVE: {S.SUSPENDED, S.TERMINATED, S.EXPIRED},
    S.SUSPENDED: {S.ACTIVE, S.TERMINATED, S.EXPIRED},
    S.TERMINATED: set(),
    S.EXPIRED: set(),
}
AMENDABLE_FIELDS = ("end_date", "annual_fee", "payment_cycle", "service_standards")


class SettlementFinal(ValidationError):
    pass


def next_contract_number(year: int) -> str:
    prefix = f"HT-{year}-"
    last = Contract.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    sequence = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{sequence:03d}"


@transaction.atomic
def contract_create_from_award(*, tender: Tender, by: Any = None) -> Contract:
    """The award's draft contract, prefilled from the tender and the winning bid, with the default clauses.

    Registered in settings.TENDER_AWARD_HANDLERS; idempotent (one draft per tender).
    """
    existing = Contract.objects.filter(tender=tender).first()
    if existing is not None:
        return existing
    bid = tender.awarded_bid
    contract = Contract(
        number=next_contract_number(tender.period_start.year),
        vendor=bid.vendor,
        category=tender.category,
        start_date=tender.period_start,
        end_date=tender.period_end,
        annual_fee=bid.price,
        service_standards=tender.service_standards or tender.scope,
        tender=tender,
        status=ContractStatus.DRAFT,
    )
    contract.full_clean()
    contract.save()
    contract.sites.set(tender.sites.all())
    for spec in DEFAULT_CLAUSES:
        clause = Clause(contract=contract, **spec)
        clause.full_clean()
        clause.save()
    return contract


def _record_transition(contract: Contract, to_status: str, effective_date: dt.date, reason: str, by: Any) -> None:
    ContractStatusChange.objects.create(
        contract=contract,
        from_status=contract.status,
        to_status=to_status,
        effective_date=effective_date,
        reason=reason,
        changed_by=by,
    )
    contract.status = to_status
    if to_status in (S.TERMINATED, S.EXPIRED):
        contract.ended_on = effective_date - dt.timedelta(days=1) if to_status == S.TERMINATED else contract.end_date
    stamp(contract, by=by, reason=reason)
    contract.save(update_fields=["status", "ended_on", "updated_at"])


@transaction.atomic
def contract_change_status(
    *, contract: Contract, to_status: str, reason: str, effective_date: dt.date | None = None, by: Any = None
) -> Contract:
    """Activate, suspend, resume, terminate or expire a contract: dated, with a reason, kept in its history."""
    contract = Contract.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=contract.pk)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give the reason for this change.")})
    if to_status not in TRANSITIONS[contract.status]:
        raise ValidationError(
            _("A contract cannot go from “%(from)s” to “%(to)s”.")
            % {"from": contract.get_status_display(), "to": S(to_status).label}
        )
    if to_status == S.ACTIVE and contract.vendor.status != VendorStatus.ADMITTED:
        raise ValidationError(
            _("Only a contract with an admitted vendor can be active; the vendor is “%(status)s”.")
            % {"status": contract.vendor.get_status_display()}
        )
    _record_transition(contract, to_status, effective_date or local_today(), reason.strip(), by)
    return contract


@transaction.atomic
def contract_amend(
    *, contract: Contract, changes: dict[str, Any], reason: str, effective_date: dt.date, by: Any = None
) -> ContractAmendment:
    """Change the frozen terms of an active contract; the amendment keeps the old and new values."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status == S.DRAFT:
        raise ValidationError(_("A draft contract is edited directly; amendments are for active contracts."))
    if contract.status in (S.TERMINATED, S.EXPIRED):
        raise ValidationError(_("A terminated or expired contract cannot be amended."))
    if not reason.strip():
        raise ValidationError({"reason": _("Please give the reason for the amendment.")})
    unknown = set(changes) - set(AMENDABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These terms cannot be amended: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    recorded = {}
    for name, value in changes.items():
        old = getattr(contract, name)
        if old != value:
            setattr(contract, name, value)
            recorded[name] = [str(old), str(value)]
    if not recorded:
        raise ValidationError(_("The amendment changes nothing."))
    contract.full_clean()
    stamp(contract, by=by, reason=reason.strip())
    contract.save()
    return ContractAmendment.objects.create(
        contract=contract, effective_date=effective_date, reason=reason.strip(), changes=recorded, recorded_by=by
    )


@transaction.atomic
def contracts_expire_due(*, today: dt.date | None = None) -> int:
    """Active and suspended contracts whose end date has passed become expired (the nightly job)."""
    today = today or local_today()
    count = 0
    for contract in Contract.objects.select_for_update().filter(status__in=[S.ACTIVE, S.SUSPENDED], end_date__lt=today):
        _record_transition(contract, S.EXPIRED, contract.end_date + dt.timedelta(days=1), _("End date reached"), None)
        count += 1
    return count


# --- Settlement -----------------------------------------------------------------------------------------
def clause_specs(contract: Contract) -> list[engine.ClauseSpec]:
    return [
        engine.ClauseSpec(
            id=c.pk,
            kind=c.kind,
            threshold=c.threshold,
            percent=c.percent,
            amount=c.amount,
            amount_minor=c.amount_minor,
            amount_major=c.amount_major,
            amount_serious=c.amount_serious,
            count=c.count,
            window=c.window,
        )
        for c in contract.clauses.all()
    ]


def fee_for(contract: Contract, quarter: Quarter) -> Decimal:
    return engine.quarter_fee(
        contract.annual_fee,
        quarter_first=quarter.first_day,
        quarter_last=quarter.last_day,
        contract_start=contract.start_date,
        contract_end=contract.effective_end,
    )


@dataclass(frozen=True)
class SettlementInput:
    """What one contract brings to a quarter's settlement: its score and the evidence the clauses price."""

    contract: Contract
    score: Decimal | None
    grade: str | None
    failed_items: Sequence[engine.FailedItem] = ()
    upheld_complaints: Sequence[engine.UpheldComplaint] = ()
    overdue_rectifications: Sequence[engine.OverdueRectification] = ()


@transaction.atomic
def settlement_apply(
    *,
    contract: Contract,
    quarter: Quarter,
    score: Decimal | None,
    grade: str | None,
    failed_items: list[engine.FailedItem] | tuple = (),
    upheld_complaints: list[engine.UpheldComplaint] | tuple = (),
    overdue_rectifications: list[engine.OverdueRectification] | tuple = (),
    finalize: bool = False,
    by: Any = None,
) -> Settlement:
    """Apply one quarter's facts to one contract (see ``settlements_apply``)."""
    item = SettlementInput(contract, score, grade, failed_items, upheld_complaints, overdue_rectifications)
    return settlements_apply(quarter=quarter, items=[item], finalize=finalize, by=by)[contract.pk]


SETTLEMENT_FIELDS = (
    "fee",
    "deductions",
    "cap",
    "cap_applied",
    "bonuses",
    "adjustments",
    "payable",
    "score",
    "grade",
    "status",
    "finalized_at",
    "finalized_by",
)


@transaction.atomic
def settlements_apply(
    *,
    quarter: Quarter,
    items: Sequence[SettlementInput],
    finalize: bool = False,
    by: Any = None,
    skip_final: bool = False,
) -> dict[int, Settlement]:
    """Apply one quarter's facts to many contracts: ledger lines, settlements, warnings, flags.

    Idempotent: the same facts give the same rows (a line per clause and evidence, unique in the database);
    facts that disappeared since the last run lose their line. A final settlement refuses to change.
    Reads and writes are batched: the number of queries does not depend on the number of contracts.
    With ``skip_final`` the contracts whose settlement is final are left out instead (the quarter close).
    """
    if not items:
        return {}
    ids = [item.contract.pk for item in items]
    contracts = {
        c.pk: c
        for c in Contract.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("vendor")
        .prefetch_related("clauses")
    }
    settlements = {
        s.contract_id: s
        for s in Settlement.objects.select_for_update().filter(contract_id__in=ids, quarter=quarter.key)
    }
    final = {pk for pk, s in settlements.items() if s.status == SettlementStatus.FINAL}
    if final and skip_final:
        items = [item for item in items if item.contract.pk not in final]
        ids = [item.contract.pk for item in items]
        contracts = {pk: contracts[pk] for pk in ids}
        settlements = {pk: s for pk, s in settlements.items() if pk in contracts}
        if not items:
            return {}
    elif final:
        raise SettlementFinal(
            _("The settlement of %(quarter)s is final; record a correction instead.") % {"quarter": quarter.key}
        )
    history = selectors.clause_histories(ids, quarter)
    later = selectors.contracts_settled_after(ids, quarter)
    now = timezone.now()
    outcomes: dict[int, engine.Outcome] = {}
    created, changed = [], []
    for item in items:
        contract = contracts[item.contract.pk]
        past = history.get(contract.pk)
        facts = engine.QuarterFacts(
            quarter=quarter.key,
            fee=fee_for(contract, quarter),
            score=item.score,
            grade=item.grade,
            failed_items=list(item.failed_items),
            upheld_complaints=list(item.upheld_complaints),
            overdue_rectifications=list(item.overdue_rectifications),
            warnings_by_quarter=past.warnings_by_quarter if past else {},
            grades_by_quarter=past.grades_by_quarter if past else {},
        )
        outcome = outcomes[contract.pk] = engine.apply_clauses(clause_specs(contract), facts)
        values = {
            "fee": outcome.fee,
            "deductions": outcome.deductions,
            "cap": outcome.cap,
            "cap_applied": outcome.cap_applied,
            "bonuses": outcome.bonuses,
            "adjustments": Decimal(0),
            "payable": outcome.payable,
            "score": item.score,
            "grade": item.grade or "",
        }
        if finalize:
            values.update(status=SettlementStatus.FINAL, finalized_at=now, finalized_by=by)
        settlement = settlements.get(contract.pk)
        if settlement is None:
            settlement = settlements[contract.pk] = Settlement(
                contract=contract, quarter=quarter.key, computed_at=now, **values
            )
            created.append(settlement)
        elif any(getattr(settlement, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(settlement, name, value)
            settlement.computed_at = settlement.updated_at = now
            changed.append(settlement)
        else:
            continue
        # field checks only: the constraints are the database's, and the contract was just read
        settlement.full_clean(exclude=["contract", "finalized_by"], validate_unique=False, validate_constraints=False)
        stamp(settlement, by=by)
    reason = "finalized" if finalize else "computed"
    if created:
        Settlement.objects.bulk_create(created, batch_size=bulk.BATCH)
        Settlement.history.bulk_history_create(created, batch_size=bulk.BATCH, default_change_reason=reason)
    # the lines first: once a changed settlement is stored as final its ledger is locked (trigger included)
    _sync_lines(settlements, outcomes, by)
    if changed:
        # the plain queryset: the audited one would add a second history row per settlement ("bulk update")
        models.QuerySet(model=Settlement).bulk_update(
            changed, [*SETTLEMENT_FIELDS, "computed_at", "updated_at"], batch_size=bulk.UPDATE_BATCH
        )
        Settlement.history.bulk_history_create(
            changed, update=True, batch_size=bulk.BATCH, default_change_reason=reason
        )
    _sync_warnings(contracts, quarter, outcomes, by)
    _update_flags(contracts, quarter, outcomes, later, by)
    return {item.contract.pk: settlements[item.contract.pk] for item in items}


def _update_flags(
    contracts: dict[int, Contract], quarter: Quarter, outcomes: dict[int, engine.Outcome], later: set[int], by: Any
) -> None:
    """The contract's flags follow its latest quarter (recomputing an older quarter leaves them alone)."""
    changed, recommended = [], []
    for pk, outcome in outcomes.items():
        if pk in later:
            continue
        contract = contracts[pk]
        reason = describe(outcome.termination_reason) if outcome.termination_reason else ""
        flags = (outcome.termination_recommended, reason, outcome.renewal_preferred)
        current = (
            contract.termination_recommended,
            contract.termination_recommended_reason,
            contract.renewal_preferred,
        )
        if flags == current:
            continue
        if outcome.termination_recommended and not contract.termination_recommended:
            recommended.append(contract)
        contract.termination_recommended, contract.termination_recommended_reason, contract.renewal_preferred = flags
        contract.updated_at = timezone.now()
        stamp(contract, by=by)
        changed.append(contract)
    if changed:
        fields = ["termination_recommended", "termination_recommended_reason", "renewal_preferred", "updated_at"]
        models.QuerySet(model=Contract).bulk_update(changed, fields, batch_size=bulk.UPDATE_BATCH)  # history below
        Contract.history.bulk_history_create(
            changed, update=True, batch_size=bulk.BATCH, default_change_reason="clauses"
        )
    for contract in recommended:
        notify_office(
            subject=_("Termination recommended: contract %(number)s") % {"number": contract.number},
            body=_(
                "%(vendor)s, contract %(number)s: %(reason)s This is a recommendation for the office; the "
                "contract stays as it is until someone decides."
            )
            % {"vendor": contract.vendor, "number": contract.number, "reason": contract.termination_recommended_reason},
            dedup_key=f"termination:{contract.pk}:{quarter.key}",
        )


LEDGER_COLUMNS = (
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


def _sync_lines(settlements: dict[int, Settlement], outcomes: dict[int, engine.Outcome], by: Any) -> None:
    ids = [settlements[pk].pk for pk in outcomes]
    existing = {
        (line.settlement_id, line.clause_id, line.evidence_key): line
        for line in LedgerLine.objects.filter(settlement_id__in=ids).exclude(kind=LedgerKind.ADJUSTMENT)
    }
    changed = []
    if existing:  # a recompute: lines that changed or went away (a first close has none, and skips this)
        wanted = set()
        for pk, outcome in outcomes.items():
            for line in outcome.lines:
                key = (settlements[pk].pk, line.clause_id, line.evidence_key)
                wanted.add(key)
                row = existing.get(key)
                if row is not None and (row.amount, row.kind, row.explanation, row.evidence_ref) != (
                    line.amount,
                    line.kind,
                    line.explanation,
                    line.evidence_ref,
                ):
                    row.amount, row.kind, row.explanation, row.evidence_ref = (
                        line.amount,
                        line.kind,
                        line.explanation,
                        line.evidence_ref,
                    )
                    changed.append(stamp(row, by=by))
        for key, row in existing.items():
            if key not in wanted:
                stamp(row, by=by, reason="facts changed")
                row.delete()  # rare (a recompute after the facts changed): one row, one history entry
    now = timezone.now()
    user_id = getattr(by, "pk", None)
    written: set[int] = set()

    def new_rows():  # streamed into the insert: a quarter close's lines are never all held twice
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

    # a quarter close writes tens of thousands of lines: COPY them, and copy their history in the database
    if bulk.insert_rows(LedgerLine, LEDGER_COLUMNS, new_rows()):
        chunks = sorted(written)
        step = len(chunks) if connection.vendor == "postgresql" else 500  # SQLite: at most 999 parameters
        for first in range(0, len(chunks), step):
            chunk = chunks[first : first + step]
            bulk.copy_history(
                LedgerLine,
                where=f"settlement_id IN ({', '.join(['%s'] * len(chunk))}) AND created_at = %s",
                params=[*chunk, LedgerLine._meta.get_field("created_at").get_db_prep_save(now, connection)],
                history_type="+",
                reason="computed",
                user_id=user_id,
                when=now,
            )
    if changed:  # the plain queryset: the settlements are drafts (checked above), and the history follows
        models.QuerySet(model=LedgerLine).bulk_update(
            changed, ["amount", "kind", "explanation", "evidence_ref"], batch_size=bulk.UPDATE_BATCH
        )
        LedgerLine.history.bulk_history_create(
            changed, update=True, batch_size=bulk.BATCH, default_change_reason="recomputed"
        )


def _sync_warnings(
    contracts: dict[int, Contract], quarter: Quarter, outcomes: dict[int, engine.Outcome], by: Any
) -> None:
    existing = {
        (w.contract_id, w.clause_id): w
        for w in FormalWarning.objects.filter(contract_id__in=list(outcomes), quarter=quarter.key, clause__isnull=False)
    }
    wanted = {(pk, w.clause_id): w for pk, outcome in outcomes.items() for w in outcome.warnings}
    for key, warning in existing.items():
        if key not in wanted:
            stamp(warning, by=by, reason="facts changed")
            warning.delete()
    created = [
        stamp(FormalWarning(contract=contracts[pk], quarter=quarter.key, clause_id=clause_id, reason=w.reason), by=by)
        for (pk, clause_id), w in wanted.items()
        if (pk, clause_id) not in existing
    ]
    if created:
        FormalWarning.objects.bulk_create(created, batch_size=bulk.BATCH)
        FormalWarning.history.bulk_history_create(created, batch_size=bulk.BATCH, default_change_reason="clauses")


@transaction.atomic
def settlement_adjust(*, settlement: Settlement, amount: Decimal, reason: str, by: Any = None) -> LedgerLine:
    """A correction to a settlement: a signed ledger line with a reason; the settlement's payable follows."""
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    try:
        amount = Decimal(str(amount)).quantize(engine.CENT)
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Enter the amount as a number.")})
    if amount == 0:
        raise ValidationError({"amount": _("A correction must change the amount.")})
    if not reason.strip():
        raise ValidationError({"reason": _("A correction needs a written reason.")})
    with allow_locked_changes():  # the audited correction path of a final settlement
        return _record_adjustment(settlement, amount, reason, by)


def _record_adjustment(settlement: Settlement, amount: Decimal, reason: str, by: Any) -> LedgerLine:
    line = LedgerLine.objects.create(
        settlement=settlement,
        contract_id=settlement.contract_id,
        quarter=settlement.quarter,
        clause=None,
        kind=LedgerKind.ADJUSTMENT,
        amount=amount,
        evidence_type=EvidenceType.MANUAL,
        evidence_key=f"manual:{uuid.uuid4().hex}",
        evidence_ref=_("Correction by the office"),
        explanation={"code": "adjustment", "params": {}},
        reason=reason.strip(),
        created_by=by,
    )
    settlement.adjustments += amount
    settlement.payable += amount
    stamp(settlement, by=by, reason=reason.strip())
    settlement.save(update_fields=["adjustments", "payable", "updated_at"])
    return line


@transaction.atomic
def settlement_reopen(*, contract: Contract, quarter: Quarter, reason: str, by: Any = None) -> Settlement | None:
    """Back to draft, for the audited reopening of a final evaluation (the reason is kept in the history)."""
    settlement = Settlement.objects.select_for_update().filter(contract=contract, quarter=quarter.key).first()
    if settlement is None or settlement.status == SettlementStatus.DRAFT:
        return settlement
    if not reason.strip():
        raise ValidationError({"reason": _("Reopening a final settlement needs a written reason.")})
    settlement.status = SettlementStatus.DRAFT
    settlement.finalized_at = None
    settlement.finalized_by = None
    stamp(settlement, by=by, reason=reason.strip())
    with allow_locked_changes():  # the audited reopening path (see scoring.services.evaluation_reopen)
        settlement.save(update_fields=["status", "finalized_at", "finalized_by", "updated_at"])
    return settlement


@transaction.atomic
def settlement_finalize(*, settlement: Settlement, by: Any = None) -> Settlement:
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status == SettlementStatus.FINAL:
        return settlement
    settlement.status = SettlementStatus.FINAL
    settlement.finalized_at = timezone.now()
    settlement.finalized_by = by
    settlement.save(update_fields=["status", "finalized_at", "finalized_by", "updated_at"])
    return settlement
