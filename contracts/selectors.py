"""Reads of the contracts app."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from contracts import clause_kinds
from contracts import terms as terms_rules
from contracts.clauses import ClauseSpec, TermsSpec
from contracts.models import (
    Contract,
    ContractStatus,
    ContractStatusChange,
    FormalWarning,
    Settlement,
    SettlementStatus,
    TermsVersion,
)
from logistics.quarters import Quarter
from logistics.quarters import today as local_today

HISTORY_QUARTERS = 8


@dataclass(frozen=True)
class ClauseHistory:
    warnings_by_quarter: dict[str, int]
    grades_by_quarter: dict[str, str]


def clause_histories(
    contract_ids: list[int], quarter: Quarter, depth: int = HISTORY_QUARTERS
) -> dict[int, ClauseHistory]:
    """Warnings and grades of the ``depth`` quarters before ``quarter`` (for the warning and renewal clauses),
    for many contracts in two queries. The warnings of ``quarter`` itself are the office's own ones (those of its
    clauses are the pricing's output); a withdrawn warning counts nowhere."""
    earlier = [q.key for q in quarter.back(depth + 1)[:-1]]
    warnings: dict[int, Counter] = defaultdict(Counter)
    for contract_id, key in (
        FormalWarning.objects.filter(
            Q(quarter__in=earlier) | Q(quarter=quarter.key, clause__isnull=True),
            contract_id__in=contract_ids,
            withdrawn_at__isnull=True,
        )
        .values_list("contract_id", "quarter")
        .order_by()
    ):
        warnings[contract_id][key] += 1
    grades: dict[int, dict[str, str]] = defaultdict(dict)
    for contract_id, key, grade in (
        Settlement.objects.filter(contract_id__in=contract_ids, quarter__in=earlier)
        .exclude(grade="")
        .values_list("contract_id", "quarter", "grade")
    ):
        grades[contract_id][key] = grade
    return {
        pk: ClauseHistory(warnings_by_quarter=dict(warnings.get(pk, {})), grades_by_quarter=grades.get(pk, {}))
        for pk in contract_ids
    }


def contracts_settled_after(contract_ids: list[int], quarter: Quarter) -> set[int]:
    """The contracts that already have a settlement for a later quarter."""
    return set(
        Settlement.objects.filter(contract_id__in=contract_ids, quarter__gt=quarter.key).values_list(
            "contract_id", flat=True
        )
    )


def contracts_expiring(*, within_days: int, today: dt.date | None = None) -> QuerySet:
    """Active contracts ending within ``within_days`` days (soonest first)."""
    today = today or local_today()
    return (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE, end_date__gte=today, end_date__lte=today + dt.timedelta(days=within_days)
        )
        .select_related("vendor", "category")
        .order_by("end_date", "number")
    )


#: how far ahead the office looks for contracts to renew (and is told of, with a second alert at 30 days)
RENEWAL_HORIZON_DAYS = 90


def contracts_to_renew(*, within_days: int = RENEWAL_HORIZON_DAYS, today: dt.date | None = None) -> QuerySet:
    """Running contracts ending within ``within_days`` days, and contracts expired in the last ``within_days``
    days, each with its renewal if there is one (soonest end first)."""
    today = today or local_today()
    running = Q(status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED], end_date__gte=today)
    expired = Q(status=ContractStatus.EXPIRED, end_date__gte=today - dt.timedelta(days=within_days))
    return (
        Contract.objects.filter(running | expired, end_date__lte=today + dt.timedelta(days=within_days))
        .select_related("vendor", "category")
        .prefetch_related("renewals")
        .order_by("end_date", "number")
    )


def contracts_active_in(quarter: Quarter) -> QuerySet:
    """Contracts that were in force for at least one day of the quarter and are not drafts."""
    in_force = Q(ended_on__isnull=True) | Q(ended_on__gte=quarter.first_day)
    return Contract.objects.exclude(status=ContractStatus.DRAFT).filter(
        in_force, start_date__lte=quarter.last_day, end_date__gte=quarter.first_day
    )


# --- terms in force -------------------------------------------------------------------------------------
PARAMETER_FIELDS = tuple(clause_kinds.PARAMETERS)


@dataclass(frozen=True)
class ContractTerms:
    """A contract's terms versions and the days it was in force, ready for the fee and the clause engine."""

    contract_id: int
    start: dt.date
    end: dt.date  # the last day in force: the end date, or the day before termination
    versions: list[terms_rules.Version]
    specs: list[TermsSpec]
    suspended: list[terms_rules.Span]

    def fee_basis(self, quarter: Quarter) -> terms_rules.FeeBasis:
        spans = terms_rules.in_force_spans(
            quarter.first_day, quarter.last_day, start=self.start, end=self.end, suspended=self.suspended
        )
        return terms_rules.fee_basis(self.versions, spans, quarter_days=quarter.days)

    def pricing_day(self, quarter: Quarter, basis: terms_rules.FeeBasis) -> dt.date:
        """The contract's last day in force in the quarter: its version prices the score clauses and the cap."""
        return terms_rules.last_day_in_force(basis, fallback=min(quarter.last_day, self.end))


def contract_terms(contracts: list[Contract]) -> dict[int, ContractTerms]:
    """The terms of many contracts in two queries: the versions with their clauses (one row per clause, one
    row for a version without any), and the status changes (for the suspended days)."""
    ids = [c.pk for c in contracts]
    versions: dict[int, dict[int, tuple[terms_rules.Version, list[ClauseSpec]]]] = defaultdict(dict)
    clause_columns = [f"clauses__{name}" for name in PARAMETER_FIELDS]
    for row in (
        TermsVersion.objects.filter(contract_id__in=ids)
        .values_list(
            "contract_id",
            "pk",
            "number",
            "effective_from",
            "annual_fee",
            "clauses__pk",
            "clauses__kind",
            *clause_columns,
        )
        .order_by("contract_id", "effective_from", "clauses__kind", "clauses__pk")
    ):
        contract_id, pk, number, effective_from, fee, clause_pk, kind, *parameters = row
        version = versions[contract_id].get(pk)
        if version is None:
            version = versions[contract_id][pk] = (terms_rules.Version(pk, number, effective_from, fee), [])
        if clause_pk is not None:
            version[1].append(ClauseSpec(clause_pk, kind, **dict(zip(PARAMETER_FIELDS, parameters, strict=True))))
    changes: dict[int, list[tuple[str, str, dt.date]]] = defaultdict(list)
    for contract_id, from_status, to_status, effective in (
        ContractStatusChange.objects.filter(contract_id__in=ids)
        .order_by("contract_id", "effective_date", "changed_at", "pk")
        .values_list("contract_id", "from_status", "to_status", "effective_date")
    ):
        changes[contract_id].append((from_status, to_status, effective))
    out = {}
    for contract in contracts:
        rows = list(versions.get(contract.pk, {}).values())
        out[contract.pk] = ContractTerms(
            contract_id=contract.pk,
            start=contract.start_date,
            end=contract.effective_end,
            versions=[version for version, _clauses in rows],
            specs=[TermsSpec(v.id, v.number, v.effective_from, clauses) for v, clauses in rows],
            suspended=terms_rules.suspended_spans(changes.get(contract.pk, [])),
        )
    return out


def terms_in_force(contract: Contract, day: dt.date | None = None) -> TermsVersion | None:
    """The version in force on ``day`` (today by default; before the start: version 1)."""
    day = day or local_today()
    versions = sorted(contract.terms_versions.all(), key=lambda v: v.effective_from)
    current = versions[0] if versions else None
    for version in versions[1:]:
        if version.effective_from <= day:
            current = version
    return current


def final_quarters(contract_id: int) -> list[str]:
    """The quarters of a contract whose settlement is final (oldest first)."""
    return sorted(
        Settlement.objects.filter(contract_id=contract_id, status=SettlementStatus.FINAL).values_list(
            "quarter", flat=True
        )
    )


def closed_quarters(contract_id: int) -> list[str]:
    """The quarters of a contract that take no new fact: final, or published to the vendor (what it was shown
    is what becomes final), oldest first."""
    return sorted(
        Settlement.objects.filter(
            Q(status=SettlementStatus.FINAL) | Q(published_at__isnull=False), contract_id=contract_id
        ).values_list("quarter", flat=True)
    )


def closed_contract_quarters(quarters: Iterable[str]) -> QuerySet:
    """The settlements of ``quarters`` that take no new fact (final or published), for many contracts at once:
    ``values_list("contract_id", "quarter")``."""
    return Settlement.objects.filter(
        Q(status=SettlementStatus.FINAL) | Q(published_at__isnull=False), quarter__in=list(quarters)
    )


def ledger_by_clause(settlement: Settlement) -> list[dict[str, Any]]:
    """A settlement's ledger summed by kind of clause (corrections apart), in the registry's order."""
    from django.db.models import Count, Sum

    from contracts.models import LedgerLine

    rows = {
        row["clause__kind"] or "": row
        for row in LedgerLine.objects.filter(settlement=settlement)
        .values("clause__kind", "kind")
        .annotate(lines=Count("pk"), total=Sum("amount"))
        .order_by()
    }
    order = [kind.code for kind in clause_kinds.all_kinds()] + [""]
    return [
        {
            "kind": code,
            "label": clause_kinds.label(code) if code else _("Corrections by the office"),
            "money": rows[code]["kind"],
            "lines": rows[code]["lines"],
            "total": rows[code]["total"],
        }
        for code in order
        if code in rows
    ]


def bidder_termination_facts(vendor_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the tender qualification (``settings.TENDER_BIDDER_FACTS``): each vendor's contracts in force that are
    under a termination recommendation, by number. One query."""
    out: dict[int, list[str]] = defaultdict(list)
    for vendor_id, number in (
        Contract.objects.filter(
            vendor_id__in=vendor_ids,
            termination_recommended=True,
            status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED],
        )
        .order_by("number")
        .values_list("vendor_id", "number")
    ):
        out[vendor_id].append(number)
    return {vendor_id: {"termination_recommended": tuple(numbers)} for vendor_id, numbers in out.items()}
