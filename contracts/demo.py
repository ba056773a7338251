"""Demo contracts with realistic clause sets, assigned inspectors, two ending soon (one with its renewal drafted).
Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from contracts import clause_kinds
from contracts.models import Clause, Contract, ContractStatus, ContractStatusChange
from contracts.services import contract_renew, draft_terms_save
from logistics.quarters import Quarter
from logistics.quarters import today as local_today

# key, vendor key, category, sites, annual fee, years before the last complete quarter it started, months length
CONTRACTS = [
    ("security", "huaan", "security", ["gate", "main-1f", "garage"], "960000.00", 1, 36),
    ("canteen", "jinwei", "canteen", ["canteen"], "1500000.00", 1, 24),
    ("equipment", "hengtong", "equipment", ["plant-room", "main-office"], "1200000.00", 2, 36),
    ("greening", "lvyuan", "greening", ["grounds", "square"], "520000.00", None, None),  # ends in about 40 days
    ("vehicles", "suda", "vehicles", [], "880000.00", 1, 24),
]

#: contracts that end within the coming quarter and whose renewal the office has drafted: days from today to the end
RENEWED = {"vehicles": 75}

CLAUSE_VARIANTS = {
    "canteen": {
        "per_failed_item": {
            "amount_minor": Decimal("200.00"),
            "amount_major": Decimal("800.00"),
            "amount_serious": Decimal("3000.00"),
        }
    },
    "security": {"score_below": {"threshold": Decimal("85.00"), "percent": Decimal("5.00")}},
}


def _clauses(contract: Contract, key: str, fee: Decimal) -> None:
    """The draft's terms: version 1 with the fee and the default clause set (with this contract's variants)."""
    if contract.clauses.exists():
        return
    terms = draft_terms_save(contract=contract, annual_fee=fee)
    variants = CLAUSE_VARIANTS.get(key, {})
    for spec in clause_kinds.defaults():
        values = {**spec, **variants.get(spec["kind"], {})}
        clause = Clause(contract=contract, terms=terms, **values)
        clause.full_clean()
        clause.save()


def _activate(contract: Contract, office: Any, start: dt.date) -> None:
    if contract.status != ContractStatus.DRAFT:
        return
    ContractStatusChange.objects.create(
        contract=contract,
        from_status="draft",
        to_status="active",
        effective_date=start,
        reason="合同签订生效",
        changed_by=office,
    )
    contract.status = ContractStatus.ACTIVE
    contract.save(update_fields=["status", "updated_at"])


def seed(context: dict[str, Any]) -> None:
    vendors, categories, sites = context["vendors"], context["categories"], context["sites"]
    office, inspector = context["users"]["office"], context["users"]["inspector"]
    today = local_today()
    base = Quarter.last_complete(today).first_day
    contracts: dict[str, Contract] = {}

    # the contract of the awarded tender (created as a draft by the award): signed and active
    awarded = context["tenders"]["awarded"]
    cleaning = Contract.objects.get(tender=awarded)
    cleaning_start = min(cleaning.start_date, base - dt.timedelta(days=200))
    if cleaning.status == ContractStatus.DRAFT:
        cleaning.start_date = cleaning_start
        cleaning.end_date = cleaning_start + dt.timedelta(days=365 * 2 - 1)
        cleaning.save(update_fields=["start_date", "end_date"])
        draft_terms_save(contract=cleaning)  # version 1 takes effect on the (new) start date
        _activate(cleaning, office, cleaning.start_date)
    if not cleaning.inspectors.filter(pk=inspector.pk).exists():
        cleaning.inspectors.add(inspector)
    contracts["cleaning"] = cleaning

    for key, vendor_key, category, site_codes, fee, years, months in CONTRACTS:
        if years is None:  # an older contract that ends soon (its renewal tender is open)
            start, end = today - dt.timedelta(days=365 * 2 - 40), today + dt.timedelta(days=40)
        else:
            start = base.replace(year=base.year - years)
            end = start + dt.timedelta(days=months * 30 + months // 2)
        if key in RENEWED:  # ends within the quarter ahead; the office has drafted its renewal
            end = today + dt.timedelta(days=RENEWED[key])
        contract, created = Contract.objects.get_or_create(
            number=f"HT-DEMO-{key.upper()}",
            defaults={
                "vendor": vendors[vendor_key],
                "category": categories[category],
                "start_date": start,
                "end_date": end,
                "service_standards": "按合同附件《服务标准》执行。",
            },
        )
        if created:
            contract.sites.set([sites[code] for code in site_codes])
            _clauses(contract, key, Decimal(fee))
            _activate(contract, office, start)
            contract.inspectors.add(inspector)
        contracts[key] = contract
    for key in RENEWED:
        if not contracts[key].renewals.exists():
            contract_renew(contract=contracts[key], by=office)
    context["contracts"] = contracts
    from contracts.demo_staffing import seed_staffing

    seed_staffing(contracts)
