"""Contract use cases: creation from an award, status transitions, amendments, applying a quarter's facts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import clause_kinds, ledger_store, notices, selectors
from contracts import clauses as engine
from contracts.choices import NoticeKind
from contracts.explanations import describe
from contracts.models import (
    CONTRACT_FLOW,
    FROZEN_TERMS,
    RENEWABLE_STATUSES,
    SETTLEMENT_FLOW,
    Clause,
    Contract,
    ContractAmendment,
    ContractStatus,
    ContractStatusChange,
    EvidenceType,
    FormalNotice,
    FormalWarning,
    LedgerKind,
    LedgerLine,
    PaymentCycle,
    Settlement,
    SettlementStatus,
    TermsVersion,
    payment_dates_problem,
)
from contracts.payments import parse_payment_dates
from contracts.services_payments import payments_refresh
from logistics import bulk
from logistics.immutability import allow_locked_changes
from logistics.models import Tender, VendorStatus, stamp
from logistics.notify import notify_office
from logistics.policy import may
from logistics.quarters import Quarter
from logistics.quarters import today as local_today
from logistics.text import join_names

if TYPE_CHECKING:
    from logistics.models import User


S = ContractStatus
PARAMETERS = tuple(clause_kinds.PARAMETERS)


class SettlementFinal(ValidationError):
    pass


def next_contract_number(year: int) -> str:
    prefix = f"HT-{year}-"
    last = Contract.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    sequence = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{sequence:03d}"


def _clause(contract: Contract, terms: TermsVersion, spec: dict[str, Any]) -> Clause:
    clause = Clause(contract=contract, terms=terms, **spec)
    clause.full_clean(exclude=["contract", "terms"])
    clause.save()
    return clause


@transaction.atomic
def contract_create_from_award(*, tender: Tender, by: User | None = None) -> Contract:
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
        service_standards=tender.service_standards or tender.scope,
        tender=tender,
        status=ContractStatus.DRAFT,
    )
    contract.full_clean()
    contract.save()
    contract.sites.set(tender.sites.all())
    terms = draft_terms_save(contract=contract, annual_fee=bid.price)
    for spec in clause_kinds.defaults():
        _clause(contract, terms, spec)
    return contract


@transaction.atomic
def draft_terms_save(
    *,
    contract: Contract,
    annual_fee: Decimal | None = None,
    payment_cycle: str | None = None,
    payment_dates: Sequence[str] | None = None,
    by: User | None = None,
) -> TermsVersion:
    """A draft contract's terms (version 1): its fee and payment cycle (with its dates when the contract sets
    them), in force from its start date."""
    if contract.terms_frozen:
        raise ValidationError(FROZEN_TERMS)
    terms = TermsVersion.objects.filter(contract=contract, number=1).first() or TermsVersion(
        contract=contract, number=1
    )
    terms.effective_from = contract.start_date
    if annual_fee is not None:
        terms.annual_fee = annual_fee
    if payment_cycle:
        terms.payment_cycle = payment_cycle
    if payment_dates is not None:
        terms.payment_dates = list(payment_dates)
    if terms.payment_cycle != PaymentCycle.DATES and payment_dates is None:
        terms.payment_dates = []  # another cycle takes no dates
    if terms.annual_fee is None:
        raise ValidationError({"annual_fee": _("Enter the annual fee.")})
    terms.full_clean(exclude=["contract", "amendment"])
    stamp(terms, by=by)
    terms.save()
    return terms


def _record_transition(
    contract: Contract, to_status: str, effective_date: dt.date, reason: str, by: User | None
) -> None:
    from_status = contract.status
    CONTRACT_FLOW.advance(contract, to_status)
    ContractStatusChange.objects.create(
        contract=contract,
        from_status=from_status,
        to_status=to_status,
        effective_date=effective_date,
        reason=reason,
        changed_by=by,
    )
    if to_status in (S.TERMINATED, S.EXPIRED):
        contract.ended_on = effective_date - dt.timedelta(days=1) if to_status == S.TERMINATED else contract.end_date
    stamp(contract, by=by, reason=reason)
    contract.save(update_fields=["status", "ended_on", "updated_at"])
    payments_refresh(contract=contract)  # signed: its schedule; ended: the periods after its end dropped


@transaction.atomic
def contract_change_status(
    *, contract: Contract, to_status: str, reason: str, effective_date: dt.date | None = None, by: User | None = None
) -> Contract:
    """Activate, suspend, resume, terminate or expire a contract: dated, with a reason, kept in its history."""
    contract = Contract.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=contract.pk)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give the reason for this change.")})
    CONTRACT_FLOW.check(contract.status, to_status)
    if to_status == S.ACTIVE and contract.vendor.status != VendorStatus.ADMITTED:
        raise ValidationError(
            _("Only a contract with an admitted vendor can be active; the vendor is “%(status)s”.")
            % {"status": contract.vendor.get_status_display()}
        )
    if contract.status == S.DRAFT and to_status == S.ACTIVE:
        first = TermsVersion.objects.filter(contract=contract, number=1).first()
        if first is None or first.effective_from != contract.start_date:
            raise ValidationError(_("Enter the contract's annual fee (its terms) before signing it."))
    _record_transition(contract, to_status, effective_date or local_today(), reason.strip(), by)
    return contract


# --- supplementary agreements ---------------------------------------------------------------------------
def clause_data(clause: Any) -> dict[str, Any]:
    """A clause as data: its kind, the parameters it has and its wording (what an agreement records)."""
    data: dict[str, Any] = {"kind": clause.kind}
    for name in PARAMETERS:
        value = getattr(clause, name, None) if not isinstance(clause, dict) else clause.get(name)
        if isinstance(value, Decimal):
            value = value.quantize(clause_kinds.CENT)  # "10" and "10.00" are the same parameter
        if value is not None:
            data[name] = str(value)
    description = clause.description if not isinstance(clause, dict) else clause.get("description", "")
    if description:
        data["description"] = description
    return data


def _clean_clauses(contract: Contract, specs: Sequence[dict[str, Any]]) -> list[Clause]:
    """The new clause set, validated by the registry (each error names its clause and field)."""
    cleaned, errors = [], []
    for number, spec in enumerate(specs, start=1):
        clause = Clause(
            contract=contract, **{k: v for k, v in spec.items() if k in (*PARAMETERS, "kind", "description")}
        )
        try:  # the fields and the registry's rules; the database constraints say the same, checked at the insert
            clause.full_clean(exclude=["contract", "terms"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = Clause._meta.get_field(field).verbose_name if field in PARAMETERS else ""
                for message in messages:
                    values = {
                        "number": number,
                        "kind": clause_kinds.label(spec.get("kind", "")),
                        "field": label,
                        "message": message,
                    }
                    errors.append(
                        _("Clause %(number)s (%(kind)s), %(field)s: %(message)s") % values
                        if label
                        else _("Clause %(number)s (%(kind)s): %(message)s") % values
                    )
            continue
        cleaned.append(clause)
    caps = [c for c in cleaned if clause_kinds.get(c.kind).one_per_version]
    if len({c.kind for c in caps}) != len(caps):
        errors.append(
            _("A terms version has at most one clause of each of these kinds: %(kinds)s.")
            % {"kinds": join_names(sorted({str(clause_kinds.label(c.kind)) for c in caps}))}
        )
    if errors:
        raise ValidationError({"clauses": errors})
    return cleaned


def _affected_final_quarter(contract: Contract, first: dt.date, last: dt.date) -> Settlement | None:
    """The earliest final settlement of a quarter that has a day between ``first`` and ``last``."""
    for settlement in Settlement.objects.filter(contract=contract, status=SettlementStatus.FINAL).order_by("quarter"):
        quarter = Quarter.parse(settlement.quarter)
        if quarter.first_day <= last and quarter.last_day >= first:
            return settlement
    return None


def _refuse_into_final(contract: Contract, first: dt.date, last: dt.date, effective_date: dt.date) -> None:
    settlement = _affected_final_quarter(contract, first, last)
    if settlement is None:
        return
    finals = [Quarter.parse(q) for q in selectors.final_quarters(contract.pk)]
    after = max(finals).next().first_day
    raise ValidationError(
        {
            "effective_date": _(
                "%(quarter)s is final (finalized on %(date)s): a change from %(effective)s would re-price it. "
                "Correct %(quarter)s with a settlement correction instead, and let the supplementary agreement "
                "take effect on %(after)s or later."
            )
            % {
                "quarter": settlement.quarter,
                "date": timezone.localtime(settlement.finalized_at).date().isoformat()
                if settlement.finalized_at
                else "—",
                "effective": effective_date.isoformat(),
                "after": after.isoformat(),
            }
        }
    )


@transaction.atomic
def contract_amend(
    *,
    contract: Contract,
    effective_date: dt.date,
    reason: str,
    approved_by: str = "",
    agreement_number: str = "",
    annual_fee: Decimal | None = None,
    payment_cycle: str | None = None,
    payment_dates: Sequence[str] | None = None,
    clauses: Sequence[dict[str, Any]] | None = None,
    end_date: dt.date | None = None,
    service_standards: str | None = None,
    by: User | None = None,
) -> ContractAmendment:
    """Record a supplementary agreement (补充协议) to a signed contract, in force from ``effective_date``.

    A change to the money (annual fee, payment cycle, the clause set given in full as ``clauses``) makes the
    next terms version, which prices every day from its effective date; the end date and the service
    standards change on the contract itself. Refused: a draft (edited directly), an ended contract, a date
    outside the contract, a date not after the latest version's, a change that reaches into a quarter whose
    settlement is final (that quarter is corrected by a settlement correction), a change of nothing.
    Nothing is saved unless all of it is.
    """
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if by is not None and not may(by, "contract.amend"):  # a person (None: a data fix run by an operator)
        raise PermissionDenied(_("Only the logistics office records supplementary agreements."))
    if contract.status == S.DRAFT:
        raise ValidationError(_("A draft contract is edited directly; supplementary agreements are for signed ones."))
    if contract.status in (S.TERMINATED, S.EXPIRED):
        raise ValidationError(_("A terminated or expired contract cannot be amended."))
    errors: dict[str, Any] = {}
    if not (reason or "").strip():
        errors["reason"] = _("Please give the reason for the supplementary agreement.")
    if effective_date is None:
        errors["effective_date"] = _("Enter the date the supplementary agreement takes effect.")
    elif effective_date < contract.start_date:
        errors["effective_date"] = _(
            "The supplementary agreement cannot take effect before the contract starts (%(start)s)."
        ) % {"start": contract.start_date.isoformat()}
    elif effective_date > contract.effective_end:
        errors["effective_date"] = _(
            "The supplementary agreement cannot take effect after the contract ends (%(end)s)."
        ) % {"end": contract.effective_end.isoformat()}
    if annual_fee is not None and annual_fee <= 0:
        errors["annual_fee"] = _("The annual fee must be more than 0.")
    if payment_cycle and payment_cycle not in PaymentCycle.values:
        errors["payment_cycle"] = _("Choose a payment cycle.")
    latest = contract.terms_versions.order_by("-number").first()
    new_cycle = payment_cycle or latest.payment_cycle
    if payment_dates is not None:
        new_dates = list(payment_dates)
    else:  # the dates in force stay with their cycle
        new_dates = list(latest.payment_dates) if new_cycle == PaymentCycle.DATES else []
    if new_cycle in PaymentCycle.values:
        problem = payment_dates_problem(new_cycle, new_dates)
        if problem:
            errors["payment_dates"] = problem
        elif new_dates:
            new_dates = list(parse_payment_dates(new_dates))
    if end_date is not None and end_date <= contract.start_date:
        errors["end_date"] = _("The end date must be after the start date (%(start)s).") % {
            "start": contract.start_date.isoformat()
        }
    elif end_date is not None and effective_date is not None and end_date < effective_date:
        errors["end_date"] = _("The new end date is before the date the supplementary agreement takes effect.")
    if errors:
        raise ValidationError(errors)

    kept = list(latest.clauses.order_by("kind", "pk"))
    wanted = kept if clauses is None else _clean_clauses(contract, clauses)
    old_clauses = [clause_data(c) for c in kept]
    new_clauses = None if clauses is None else [clause_data(c) for c in wanted]
    changes: dict[str, Any] = {}
    if annual_fee is not None and annual_fee != latest.annual_fee:
        changes["annual_fee"] = [str(latest.annual_fee), str(annual_fee)]
    if payment_cycle and payment_cycle != latest.payment_cycle:
        changes["payment_cycle"] = [latest.payment_cycle, payment_cycle]
    if new_dates != list(latest.payment_dates):
        changes["payment_dates"] = [list(latest.payment_dates), new_dates]
    if new_clauses is not None and sorted(map(str, new_clauses)) != sorted(map(str, old_clauses)):
        changes["clauses"] = {
            "removed": [c for c in old_clauses if c not in new_clauses],
            "added": [c for c in new_clauses if c not in old_clauses],
        }
    money_changes = bool(changes)
    if end_date is not None and end_date != contract.end_date:
        changes["end_date"] = [contract.end_date.isoformat(), end_date.isoformat()]
    if service_standards is not None and service_standards.strip() != contract.service_standards.strip():
        changes["service_standards"] = [contract.service_standards, service_standards.strip()]
    if not changes:
        raise ValidationError(_("The supplementary agreement changes nothing."))
    if money_changes:
        if effective_date <= latest.effective_from:
            raise ValidationError(
                {
                    "effective_date": _(
                        "Terms version %(number)s is in force from %(date)s: a supplementary agreement that changes "
                        "the money takes effect after it, not on or before it (the versions would overlap)."
                    )
                    % {"number": latest.number, "date": latest.effective_from.isoformat()}
                }
            )
        _refuse_into_final(contract, effective_date, contract.effective_end, effective_date)
    if "end_date" in changes:
        old_end, new_end = contract.end_date, end_date
        _refuse_into_final(
            contract, min(old_end, new_end) + dt.timedelta(days=1), max(old_end, new_end), effective_date
        )

    amendment = ContractAmendment.objects.create(
        contract=contract,
        effective_date=effective_date,
        agreement_number=agreement_number.strip(),
        approved_by=approved_by.strip(),
        reason=reason.strip(),
        changes=changes,
        recorded_by=by,
    )
    if money_changes:
        with allow_locked_changes():  # the audited way to add terms to a signed contract
            terms = TermsVersion(
                contract=contract,
                number=latest.number + 1,
                effective_from=effective_date,
                annual_fee=annual_fee if annual_fee is not None else latest.annual_fee,
                payment_cycle=new_cycle,
                payment_dates=new_dates,
                amendment=amendment,
            )
            terms.full_clean(exclude=["contract", "amendment"])
            stamp(terms, by=by, reason=reason.strip())
            terms.save()
            copies = [
                stamp(
                    Clause(
                        contract=contract,
                        terms=terms,
                        **{name: getattr(clause, name) for name in ("kind", "description", *PARAMETERS)},
                    ),
                    by=by,
                    reason=reason.strip(),
                )
                for clause in wanted
            ]  # validated above (by the registry) or copied from a validated version: written in one statement
            Clause.objects.bulk_create(copies)
            Clause.history.bulk_history_create(copies, default_change_reason=reason.strip())
    if "end_date" in changes or "service_standards" in changes:
        if "end_date" in changes:
            contract.end_date = end_date
        if "service_standards" in changes:
            contract.service_standards = service_standards.strip()
        contract.full_clean()
        stamp(contract, by=by, reason=reason.strip())
        contract.save()
    payments_refresh(contract=contract)  # the new fee and cycle price the unpaid instalments
    return amendment


# --- renewal --------------------------------------------------------------------------------------------
def renewal_period(contract: Contract) -> tuple[dt.date, dt.date]:
    """The default period of a renewal: from the day after the contract ends, for as long as it ran
    (2026-01-01..2026-12-31 is renewed as 2027-01-01..2027-12-31; month ends stay month ends)."""
    start = contract.end_date + dt.timedelta(days=1)
    length = relativedelta(contract.end_date + dt.timedelta(days=1), contract.start_date)
    return start, start + length - dt.timedelta(days=1)


@transaction.atomic
def contract_renew(
    *,
    contract: Contract,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    annual_fee: Decimal | None = None,
    by: User | None = None,
) -> Contract:
    """The next contract of an expiring one, as a draft: the same vendor, service, sites, inspectors, service
    standards, payment cycle and reward and penalty clauses (those in force on its last day), new dates and a
    version 1 of its terms; linked as its renewal. It is signed like any new contract (the draft's approval).

    One renewal per contract; it starts after the old one ends (no overlap)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status not in RENEWABLE_STATUSES:
        raise ValidationError(
            _("Contract %(number)s is %(status)s: only a signed contract that is running or has expired is renewed.")
            % {"number": contract.number, "status": contract.get_status_display()}
        )
    existing = Contract.objects.filter(renewal_of=contract).first()
    if existing is not None:
        raise ValidationError(
            _("Contract %(number)s already has its renewal, %(renewal)s.")
            % {"number": contract.number, "renewal": existing.number}
        )
    if by is not None and not may(by, "contract.renew", contract):
        raise PermissionDenied(_("Only the logistics office renews a contract."))
    default_start, default_end = renewal_period(contract)
    start_date = start_date or default_start
    end_date = end_date or (default_end if start_date == default_start else None)
    errors: dict[str, str] = {}
    if start_date <= contract.end_date:
        errors["start_date"] = _(
            "The renewal must start after %(number)s ends on %(date)s: the two contracts would overlap."
        ) % {"number": contract.number, "date": contract.end_date.isoformat()}
    if end_date is None:
        errors["end_date"] = _("Enter the renewal's end date.")
    elif end_date <= start_date:
        errors["end_date"] = _("The end date must be after the start date.")
    last = selectors.terms_in_force(contract, contract.end_date)
    if last is None:
        errors["annual_fee"] = _("Contract %(number)s has no terms to renew.") % {"number": contract.number}
    if annual_fee is not None and annual_fee <= 0:
        errors["annual_fee"] = _("The annual fee must be more than 0.")
    if errors:
        raise ValidationError(errors)
    reason = _("Renewal of %(number)s") % {"number": contract.number}
    renewal = Contract(
        number=next_contract_number(start_date.year),
        vendor=contract.vendor,
        category=contract.category,
        start_date=start_date,
        end_date=end_date,
        service_standards=contract.service_standards,
        status=S.DRAFT,
        renewal_of=contract,
    )
    renewal.full_clean()
    stamp(renewal, by=by, reason=reason)
    renewal.save()
    renewal.sites.set(contract.sites.all())
    renewal.inspectors.set(contract.inspectors.all())
    terms = draft_terms_save(
        contract=renewal,
        annual_fee=annual_fee if annual_fee is not None else last.annual_fee,
        payment_cycle=last.payment_cycle,
        payment_dates=last.payment_dates,
        by=by,
    )
    copies = [
        stamp(
            Clause(
                contract=renewal,
                terms=terms,
                **{name: getattr(clause, name) for name in ("kind", "description", *PARAMETERS)},
            ),
            by=by,
            reason=reason,
        )
        for clause in last.clauses.all()
    ]  # copied from a validated, signed version
    Clause.objects.bulk_create(copies)
    Clause.history.bulk_history_create(copies, default_change_reason=reason)
    return renewal


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
@dataclass(frozen=True)
class SettlementInput:
    """What one contract brings to a quarter's settlement: its score and the evidence the clauses price."""

    contract: Contract
    score: Decimal | None
    grade: str | None
    failed_items: Sequence[engine.FailedItem] = ()
    upheld_complaints: Sequence[engine.UpheldComplaint] = ()
    overdue_rectifications: Sequence[engine.OverdueRectification] = ()
    missed_self_checks: Sequence[engine.MissedSelfCheck] = ()
    late_work_orders: Sequence[engine.LateWorkOrder] = ()


def price_quarter(
    terms: selectors.ContractTerms,
    quarter: Quarter,
    item: SettlementInput,
    history: selectors.ClauseHistory | None,
) -> tuple[engine.Outcome, list[dict[str, Any]]]:
    """One contract's quarter priced by its terms versions: the outcome and the fee's basis (as data)."""
    basis = terms.fee_basis(quarter)
    facts = engine.QuarterFacts(
        quarter=quarter.key,
        fee=basis.fee,
        score=item.score,
        grade=item.grade,
        failed_items=item.failed_items,
        upheld_complaints=item.upheld_complaints,
        overdue_rectifications=item.overdue_rectifications,
        missed_self_checks=item.missed_self_checks,
        late_work_orders=item.late_work_orders,
        warnings_by_quarter=history.warnings_by_quarter if history else {},
        grades_by_quarter=history.grades_by_quarter if history else {},
    )
    outcome = engine.apply_terms(terms.specs, facts, pricing_day=terms.pricing_day(quarter, basis))
    return outcome, [part.as_data() for part in basis.parts]


def settlements_preview(*, quarter: Quarter, items: Sequence[SettlementInput]) -> dict[int, engine.Outcome]:
    """Price a quarter's facts the way ``settlements_apply`` would, writing nothing (the meeting's what-if).
    A fixed number of queries, whatever the number of contracts."""
    contracts = [item.contract for item in items]
    terms = selectors.contract_terms(contracts)
    history = selectors.clause_histories([c.pk for c in contracts], quarter)
    return {
        item.contract.pk: price_quarter(terms[item.contract.pk], quarter, item, history.get(item.contract.pk))[0]
        for item in items
    }


@transaction.atomic
def settlement_apply(
    *,
    contract: Contract,
    quarter: Quarter,
    score: Decimal | None,
    grade: str | None,
    failed_items: Sequence[engine.FailedItem] = (),
    upheld_complaints: Sequence[engine.UpheldComplaint] = (),
    overdue_rectifications: Sequence[engine.OverdueRectification] = (),
    missed_self_checks: Sequence[engine.MissedSelfCheck] = (),
    late_work_orders: Sequence[engine.LateWorkOrder] = (),
    finalize: bool = False,
    by: User | None = None,
) -> Settlement:
    """Apply one quarter's facts to one contract (see ``settlements_apply``)."""
    item = SettlementInput(
        contract,
        score,
        grade,
        failed_items,
        upheld_complaints,
        overdue_rectifications,
        missed_self_checks,
        late_work_orders,
    )
    return settlement_apply_input(item, quarter=quarter, finalize=finalize, by=by)


def settlement_apply_input(
    item: SettlementInput, *, quarter: Quarter, finalize: bool = False, by: User | None = None
) -> Settlement:
    """``settlement_apply`` for a contract's input already gathered (the quarter close's finalization)."""
    settlement = settlements_apply(quarter=quarter, items=[item], finalize=finalize, by=by)[item.contract.pk]
    if finalize:
        payments_refresh(contract=item.contract)  # the quarter's last instalment now carries its settlement
    return settlement


SETTLEMENT_FIELDS = (*Settlement.FIGURES, "score", "grade", "status", "finalized_at", "finalized_by")


def settlements_apply(
    *,
    quarter: Quarter,
    items: Sequence[SettlementInput],
    finalize: bool = False,
    by: User | None = None,
    skip_final: bool = False,
    savepoint: bool = True,
) -> dict[int, Settlement]:
    """Apply one quarter's facts to many contracts: ledger lines and settlements; at finalization also the
    formal warnings and the contract's flags (a draft issues no warning and raises no flag).

    Idempotent: the same facts give the same rows (a line per clause and evidence, unique in the database);
    facts that disappeared since the last run lose their line. A final settlement refuses to change.
    Reads and writes are batched: the number of queries does not depend on the number of contracts.
    With ``skip_final`` the contracts whose settlement is final are left out instead (the quarter close).

    Atomic; ``savepoint=False`` inside a caller's transaction that fails as a whole when this fails (the quarter
    close: two statements fewer), never where the caller catches an error and goes on.
    """
    with transaction.atomic(savepoint=savepoint):
        return _settlements_apply(quarter, items, finalize, by, skip_final)


def _settlements_apply(
    quarter: Quarter, items: Sequence[SettlementInput], finalize: bool, by: User | None, skip_final: bool
) -> dict[int, Settlement]:
    contracts, settlements = _lock_quarter(quarter, [item.contract.pk for item in items], skip_final)
    items = [item for item in items if item.contract.pk in contracts]
    if not items:
        return {}
    ids = list(contracts)
    terms = selectors.contract_terms(list(contracts.values()))
    history = selectors.clause_histories(ids, quarter)
    now = timezone.now()
    outcomes: dict[int, engine.Outcome] = {}
    created, changed = [], []
    for item in items:
        contract = contracts[item.contract.pk]
        outcome, basis = price_quarter(terms[contract.pk], quarter, item, history.get(contract.pk))
        outcomes[contract.pk] = outcome
        values = _settlement_values(outcome, basis, item, settlements.get(contract.pk))
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
        settlement.full_clean(
            exclude=["contract", "finalized_by", "terms"], validate_unique=False, validate_constraints=False
        )
        stamp(settlement, by=by)
    reason = "finalized" if finalize else "computed"
    bulk.create_with_history(Settlement, created, reason=reason)
    # the lines first: once a changed settlement is stored as final its ledger is locked (trigger included)
    ledger_store.sync_lines(settlements, outcomes, by)
    bulk.update_with_history(Settlement, changed, [*SETTLEMENT_FIELDS, "computed_at", "updated_at"], reason=reason)
    if finalize:  # warnings and flags are the vendor's business only once the quarter is final
        _sync_warnings(contracts, quarter, outcomes, by)
        _update_flags(contracts, quarter, outcomes, selectors.contracts_settled_after(ids, quarter), by)
    return {item.contract.pk: settlements[item.contract.pk] for item in items}


def _lock_quarter(
    quarter: Quarter, ids: list[int], skip_final: bool
) -> tuple[dict[int, Contract], dict[int, Settlement]]:
    """The contracts and their settlements of the quarter, locked for the change; a final settlement is
    refused (``SettlementFinal``), or left out with ``skip_final``."""
    if not ids:
        return {}, {}
    contracts = {
        c.pk: c for c in Contract.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("vendor")
    }
    settlements = {
        s.contract_id: s
        for s in Settlement.objects.select_for_update().filter(contract_id__in=ids, quarter=quarter.key)
    }
    final = {pk for pk, s in settlements.items() if s.status == SettlementStatus.FINAL}
    if final and not skip_final:
        raise SettlementFinal(
            _("The settlement of %(quarter)s is final; record a correction instead.") % {"quarter": quarter.key}
        )
    return (
        {pk: c for pk, c in contracts.items() if pk not in final},
        {pk: s for pk, s in settlements.items() if pk not in final},
    )


def _settlement_values(
    outcome: engine.Outcome, basis: list[dict[str, Any]], item: SettlementInput, current: Settlement | None
) -> dict[str, Any]:
    """A settlement's figures as the clauses priced them, with the office's corrections it already holds (their
    ledger lines stay through a recompute, so the payable keeps them: the lines always add up to it)."""
    corrections = current.adjustments if current is not None else Decimal(0)
    return {
        "fee": outcome.fee,
        "deductions": outcome.deductions,
        "cap": outcome.cap,
        "cap_applied": outcome.cap_applied,
        "bonuses": outcome.bonuses,
        "adjustments": corrections,
        "payable": outcome.payable + corrections,
        "terms_id": outcome.terms_id,
        "fee_basis": basis,
        "score": item.score,
        "grade": item.grade or "",
    }


def _update_flags(
    contracts: dict[int, Contract], quarter: Quarter, outcomes: dict[int, engine.Outcome], later: set[int], by: User
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
    fields = ["termination_recommended", "termination_recommended_reason", "renewal_preferred", "updated_at"]
    bulk.update_with_history(Contract, changed, fields, reason="clauses")
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
        notices.notice_issue(  # the recommendation on paper, numbered, for the office's decision
            kind=NoticeKind.TERMINATION,
            contract=contract,
            quarter=quarter.key,
            title=_("Termination recommendation: %(number)s") % {"number": contract.number},
            by=by,
        )


def _sync_warnings(
    contracts: dict[int, Contract], quarter: Quarter, outcomes: dict[int, engine.Outcome], by: User
) -> None:
    existing = {
        (w.contract_id, w.clause_id): w
        for w in FormalWarning.objects.filter(contract_id__in=list(outcomes), quarter=quarter.key, clause__isnull=False)
    }
    wanted = {(pk, w.clause_id): w for pk, outcome in outcomes.items() for w in outcome.warnings}
    notified = set(
        FormalNotice.objects.filter(warning__in=[w for k, w in existing.items() if k not in wanted]).values_list(
            "warning_id", flat=True
        )
    )
    for key, warning in existing.items():
        if key in wanted:
            # withdrawn by the clauses (no person) when the facts stopped giving it: the facts give it again
            if warning.withdrawn_at is not None and warning.withdrawn_by_id is None:
                warning.withdrawn_at, warning.withdrawal_reason = None, ""
                stamp(warning, by=by, reason="facts give it again")
                warning.save(update_fields=["withdrawn_at", "withdrawal_reason", "updated_at"])
            continue
        stamp(warning, by=by, reason="facts changed")
        if warning.pk in notified:  # the vendor has its notice: the warning is withdrawn (by the clauses), not erased
            if warning.withdrawn_at is None:
                warning.withdrawn_at, warning.withdrawn_by = timezone.now(), None
                warning.withdrawal_reason = _("The corrected facts of the quarter no longer give this warning.")
                warning.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
        else:
            warning.delete()
    created = [
        stamp(FormalWarning(contract=contracts[pk], quarter=quarter.key, clause_id=clause_id, reason=w.reason), by=by)
        for (pk, clause_id), w in wanted.items()
        if (pk, clause_id) not in existing
    ]
    bulk.create_with_history(FormalWarning, created, reason="clauses")


@transaction.atomic
def settlement_adjust(*, settlement: Settlement, amount: Decimal, reason: str, by: User | None = None) -> LedgerLine:
    """A correction to a settlement: a signed ledger line with a reason; the settlement's payable follows."""
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    try:
        amount = Decimal(str(amount)).quantize(clause_kinds.CENT)
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Enter the amount as a number.")})
    if amount == 0:
        raise ValidationError({"amount": _("A correction must change the amount.")})
    if not reason.strip():
        raise ValidationError({"reason": _("A correction needs a written reason.")})
    with allow_locked_changes():  # the audited correction path of a final settlement
        line = _record_adjustment(settlement, amount, reason, by)
    payments_refresh(contract=settlement.contract)  # carried by an instalment (the next one, once paid)
    return line


def _record_adjustment(settlement: Settlement, amount: Decimal, reason: str, by: User) -> LedgerLine:
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
def settlement_publish(*, contract: Contract, quarter: Quarter, by: User | None = None) -> Settlement | None:
    """Show the quarter's draft settlement and its ledger to the vendor (the evaluation is published for its
    objections). Showing is once: a later publication after a reopening keeps the first date."""
    settlement = Settlement.objects.select_for_update().filter(contract=contract, quarter=quarter.key).first()
    if settlement is None or settlement.published_at is not None:
        return settlement
    settlement.published_at = timezone.now()
    stamp(settlement, by=by, reason="published")
    settlement.save(update_fields=["published_at", "updated_at"])  # a draft: the evaluation is not final
    return settlement


@transaction.atomic
def settlement_reopen(
    *, contract: Contract, quarter: Quarter, reason: str, by: User | None = None
) -> Settlement | None:
    """Back to draft, for the audited reopening of a final evaluation (the reason is kept in the history)."""
    settlement = Settlement.objects.select_for_update().filter(contract=contract, quarter=quarter.key).first()
    if settlement is None or settlement.status == SettlementStatus.DRAFT:
        return settlement
    if not reason.strip():
        raise ValidationError({"reason": _("Reopening a final settlement needs a written reason.")})
    SETTLEMENT_FLOW.advance(settlement, SettlementStatus.DRAFT)
    settlement.finalized_at = None
    settlement.finalized_by = None
    stamp(settlement, by=by, reason=reason.strip())
    with allow_locked_changes():  # the audited reopening path (see scoring.services.evaluation_reopen)
        settlement.save(update_fields=["status", "finalized_at", "finalized_by", "updated_at"])
    payments_refresh(contract=contract)  # its instalment waits for the quarter again
    return settlement
