"""Payments by the contract's cycle: the stored schedule kept up to date, and a payment recorded.

The rules are in ``contracts.payments`` (pure); this module reads the contract's terms and settlements, writes
the instalments (a paid one is never changed: a later correction is carried by the first one not yet paid),
and records a payment. Idempotent: refreshing twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from contracts import payments, selectors
from contracts.choices import ContractStatus, InstalmentStatus, SettlementStatus
from contracts.models import Contract, Instalment, Settlement, TermsVersion
from logistics.models import stamp
from logistics.policy import may
from logistics.quarters import today as local_today

if TYPE_CHECKING:
    from logistics.models import User


def schedule_of(contract: Contract) -> list[payments.Due]:
    """The contract's instalments as its terms and settlements make them today (nothing stored)."""
    terms = selectors.contract_terms([contract])[contract.pk]
    cycles = dict(TermsVersion.objects.filter(contract=contract).values_list("pk", "payment_cycle"))
    settlements = {
        quarter: payments.QuarterMoney(fee, payable if status == SettlementStatus.FINAL else None)
        for quarter, fee, payable, status in Settlement.objects.filter(contract=contract).values_list(
            "quarter", "fee", "payable", "status"
        )
    }
    if not terms.versions:
        return []
    return payments.schedule(
        start=terms.start,
        end=terms.end,
        versions=[payments.CycleVersion(v, cycles[v.id]) for v in terms.versions],
        suspended=terms.suspended,
        settlements=settlements,
    )


@transaction.atomic
def payments_refresh(*, contract: Contract) -> list[Instalment]:
    """Bring the contract's unpaid instalments up to date with its terms and settlements (creating, updating
    and dropping them); paid ones stay as they were paid, and what they come to now minus what was paid for
    them is carried by the first unpaid instalment, with its reason."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status == ContractStatus.DRAFT:
        return []
    dues = {due.first: due for due in schedule_of(contract)}
    rows = {row.first_day: row for row in Instalment.objects.filter(contract=contract)}
    paid = [row for row in rows.values() if row.status == InstalmentStatus.PAID]
    now_of_paid = [dues[row.first_day].amount if row.first_day in dues else row.amount for row in paid]
    carry = payments.carried(now_of_paid, [row.amount for row in paid])
    reasons = [
        _("%(period)s was paid %(paid)s and now comes to %(now)s")
        % {"period": _period(row), "paid": row.amount, "now": now}
        for row, now in zip(paid, now_of_paid, strict=True)
        if now is not None and now != row.amount
    ]
    unpaid_starts = sorted(
        first for first in dues if rows.get(first) is None or rows[first].status != InstalmentStatus.PAID
    )
    carrier = unpaid_starts[0] if unpaid_starts else None
    dropped = [row.pk for first, row in rows.items() if row.status == InstalmentStatus.SCHEDULED and first not in dues]
    if dropped:  # the contract ended earlier, or its cycle changed: those periods are no longer paid
        Instalment.objects.filter(pk__in=dropped).delete()
        rows = {first: row for first, row in rows.items() if row.pk not in dropped}
    created, changed = [], []
    for first in unpaid_starts:
        due = dues[first]
        values = {
            "last_day": due.last,
            "cycle": due.cycle,
            "quarters": list(due.quarters),
            "carries": due.carries,
            "base": due.base,
            "adjustment": due.adjustment,
            "carried": carry if first == carrier else Decimal("0.00"),
            "carried_reason": "; ".join(reasons) if first == carrier and carry else "",
        }
        values["amount"] = None if due.adjustment is None else due.base + due.adjustment + values["carried"]
        row = rows.get(first)
        if row is None:
            rows[first] = Instalment(contract=contract, first_day=first, **values)
            created.append(rows[first])
        elif any(_differs(getattr(row, name), value) for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    # in bulk with their history rows: as many queries for a schedule of 4 instalments as for one of 36
    now = timezone.now()
    for row in created + changed:
        row.updated_at = now
        row.created_at = row.created_at or now
    if created:
        bulk_create_with_history(created, Instalment, default_change_reason=_("Payment schedule"))
    if changed:
        bulk_update_with_history(
            changed,
            Instalment,
            [*VALUES, "updated_at"],
            default_change_reason=_("Payment schedule"),
            manager=Instalment._base_manager,  # unpaid rows only: nothing locked is written here
        )
    return sorted(rows.values(), key=lambda r: r.first_day)


#: what a refresh writes of an unpaid instalment
VALUES = ("last_day", "cycle", "quarters", "carries", "base", "adjustment", "carried", "carried_reason", "amount")


def _differs(stored: object, value: object) -> bool:
    if isinstance(value, Decimal) and stored is not None:
        return Decimal(str(stored)) != value
    return stored != value


def _period(row: Instalment) -> str:
    return f"{row.first_day:%Y-%m-%d}–{row.last_day:%Y-%m-%d}"


def instalment_problem(instalment: Instalment, today: dt.date) -> str:
    """Why ``instalment`` cannot be paid yet ("" when it can): its period has not ended, or the quarter whose
    settlement it carries is not final."""
    if instalment.status == InstalmentStatus.PAID:
        return _("This instalment has been paid.")
    if instalment.last_day >= today:
        return _("This instalment's period ends on %(date)s; it is paid after that.") % {
            "date": instalment.last_day.isoformat()
        }
    if instalment.amount is None:
        return _("This instalment carries the settlement of %(quarter)s, which is not final yet.") % {
            "quarter": instalment.carries or ", ".join(instalment.quarters)
        }
    return ""


@transaction.atomic
def instalment_record_payment(
    *, instalment: Instalment, paid_on: dt.date, voucher: str, by: User, today: dt.date | None = None
) -> Instalment:
    """Finance records that an instalment was paid (its date and voucher number); it is then read-only."""
    if not may(by, "payment.record", instalment):
        raise PermissionDenied(_("Only the logistics office records a payment."))
    payments_refresh(contract=instalment.contract)  # the amount is today's, corrections carried included
    instalment = Instalment.objects.select_for_update().get(pk=instalment.pk)
    today = today or local_today()
    problem = instalment_problem(instalment, today)
    if problem:
        raise ValidationError(problem)
    errors = {}
    if not voucher.strip():
        errors["voucher"] = _("Enter the voucher number.")
    if paid_on > today:
        errors["paid_on"] = _("The payment date cannot be in the future.")
    elif paid_on <= instalment.last_day:
        errors["paid_on"] = _("The payment date must be after the period it pays (it ends on %(date)s).") % {
            "date": instalment.last_day.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    instalment.status = InstalmentStatus.PAID
    instalment.paid_on = paid_on
    instalment.voucher = voucher.strip()[:60]
    instalment.paid_by = by
    stamp(instalment, by=by, reason=_("Paid, voucher %(voucher)s") % {"voucher": instalment.voucher})
    instalment.save()
    payments_refresh(contract=instalment.contract)  # the next one's carried correction starts afresh
    return instalment
