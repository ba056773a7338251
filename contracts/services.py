"""Contract use cases: creation from an award, status transitions, amendments, applying a quarter's facts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
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
    """Apply one quarter's facts to a contract: ledger lines, settlement, warnings, flags.

    Idempotent: the same facts give the same rows (a line per clause and evidence, unique in the database);
    facts that disappeared since the last run lose their line. A final settlement refuses to change.
    """
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    settlement = Settlement.objects.select_for_update().filter(contract=contract, quarter=quarter.key).first()
    if settlement is not None and settlement.status == SettlementStatus.FINAL:
        raise SettlementFinal(
            _("The settlement of %(quarter)s is final; record a correction instead.") % {"quarter": quarter.key}
        )
    history = selectors.clause_history(contract, quarter)
    facts = engine.QuarterFacts(
        quarter=quarter.key,
        fee=fee_for(contract, quarter),
        score=score,
        grade=grade,
        failed_items=list(failed_items),
        upheld_complaints=list(upheld_complaints),
        overdue_rectifications=list(overdue_rectifications),
        warnings_by_quarter=history.warnings_by_quarter,
        grades_by_quarter=history.grades_by_quarter,
    )
    outcome = engine.apply_clauses(clause_specs(contract), facts)
    now = timezone.now()
    values = {
        "fee": outcome.fee,
        "deductions": outcome.deductions,
        "cap": outcome.cap,
        "cap_applied": outcome.cap_applied,
        "bonuses": outcome.bonuses,
        "adjustments": Decimal(0),
        "payable": outcome.payable,
        "score": score,
        "grade": grade or "",
        "computed_at": now,
    }
    if settlement is None:
        settlement = Settlement(contract=contract, quarter=quarter.key, **values)
    else:
        for name, value in values.items():
            setattr(settlement, name, value)
    if finalize:
        settlement.status = SettlementStatus.FINAL
        settlement.finalized_at = now
        settlement.finalized_by = by
    settlement.full_clean()
    settlement.save()
    _sync_lines(settlement, outcome.lines)
    _sync_warnings(contract, quarter, outcome.warnings)
    _update_flags(contract, quarter, outcome)
    return settlement


def _update_flags(contract: Contract, quarter: Quarter, outcome: engine.Outcome) -> None:
    """The contract's flags follow its latest quarter (recomputing an older quarter leaves them alone)."""
    if Settlement.objects.filter(contract=contract, quarter__gt=quarter.key).exists():
        return
    newly_recommended = outcome.termination_recommended and not contract.termination_recommended
    contract.termination_recommended = outcome.termination_recommended
    contract.termination_recommended_reason = describe(outcome.termination_reason) if outcome.termination_reason else ""
    contract.renewal_preferred = outcome.renewal_preferred
    contract.save(
        update_fields=["termination_recommended", "termination_recommended_reason", "renewal_preferred", "updated_at"]
    )
    if newly_recommended:
        notify_office(
            subject=_("Termination recommended: contract %(number)s") % {"number": contract.number},
            body=_(
                "%(vendor)s, contract %(number)s: %(reason)s This is a recommendation for the office; the "
                "contract stays as it is until someone decides."
            )
            % {"vendor": contract.vendor, "number": contract.number, "reason": contract.termination_recommended_reason},
            dedup_key=f"termination:{contract.pk}:{quarter.key}",
        )


def _sync_lines(settlement: Settlement, lines: list[engine.Line]) -> None:
    existing = {
        (line.clause_id, line.evidence_key): line
        for line in LedgerLine.objects.filter(settlement=settlement).exclude(kind=LedgerKind.ADJUSTMENT)
    }
    wanted = {(line.clause_id, line.evidence_key): line for line in lines}
    for key, line in existing.items():
        if key not in wanted:
            line.delete()
    for key, line in wanted.items():
        row = existing.get(key)
        if row is None:
            LedgerLine.objects.create(
                settlement=settlement,
                contract_id=settlement.contract_id,
                quarter=settlement.quarter,
                clause_id=line.clause_id,
                kind=line.kind,
                amount=line.amount,
                evidence_type=line.evidence_type,
                evidence_id=line.evidence_id,
                evidence_key=line.evidence_key,
                evidence_ref=line.evidence_ref,
                explanation=line.explanation,
            )
        elif (row.amount, row.kind, row.explanation, row.evidence_ref) != (
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
            row.save(update_fields=["amount", "kind", "explanation", "evidence_ref"])


def _sync_warnings(contract: Contract, quarter: Quarter, warnings: list[engine.WarningOutcome]) -> None:
    existing = {
        w.clause_id: w
        for w in FormalWarning.objects.filter(contract=contract, quarter=quarter.key, clause__isnull=False)
    }
    wanted = {w.clause_id: w for w in warnings}
    for clause_id, warning in existing.items():
        if clause_id not in wanted:
            warning.delete()
    for clause_id, warning in wanted.items():
        if clause_id not in existing:
            FormalWarning.objects.create(
                contract=contract, quarter=quarter.key, clause_id=clause_id, reason=warning.reason
            )


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
