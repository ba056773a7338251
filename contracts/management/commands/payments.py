"""``python manage.py payments 2026 [--contract NUMBER] [--json]``: every instalment of a year's schedule."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch, Q, Sum

from contracts.choices import LIVE_REQUEST_STATES, ContractStatus, SettlementStatus
from contracts.models import Contract, Instalment, PaymentApproval, PaymentRequest, Settlement
from contracts.services_payments import instalment_problem, payments_refresh
from logistics.quarters import today as local_today

CENT = Decimal("0.01")


def _requests(instalment: Instalment) -> dict[str, Any]:
    """The payment request that carries the instalment now (open or paid) with its approvals, and the earlier
    ones (returned by finance, or withdrawn because the amount changed) with their reasons."""
    requests = list(instalment.requests.all())
    live = next((r for r in requests if r.state in LIVE_REQUEST_STATES), None)
    return {
        "request": live.number if live else None,
        "approvals": [
            {
                "step": a.step,
                "decision": a.decision,
                "by": a.by.get_full_name() or a.by.username,
                "at": a.at.isoformat(),
                "remarks": a.remarks,
            }
            for a in (live.approvals.all() if live else [])
        ],
        "earlier_requests": [
            {"number": r.number, "state": r.state, "reason": r.closed_reason} for r in requests if r is not live
        ],
    }


class Command(BaseCommand):
    help = (
        "The payment schedule of a year: for each signed contract in force in it, every instalment whose period "
        "starts in the year (period, base amount from the fee, the quarter's settlement adjustment it carries, a "
        "correction carried after a payment, amount, status, its payment request and approvals, paid date and "
        "voucher), brought up to date first; "
        "and the year's total against the final settlements' payables."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--contract", help="only this contract number")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args: Any, year: int, contract: str | None = None, **options: Any) -> None:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        contracts = Contract.objects.exclude(status=ContractStatus.DRAFT).filter(
            start_date__lte=last, end_date__gte=first
        )
        if contract:
            contracts = contracts.filter(number=contract)
            if not contracts.exists():
                raise CommandError(f"no signed contract numbered {contract!r} in force in {year}")
        today = local_today()
        out = []
        for row in contracts.order_by("number"):
            payments_refresh(contract=row)
            instalments = list(
                Instalment.objects.filter(contract=row, first_day__gte=first, first_day__lte=last)
                .order_by("first_day")
                .prefetch_related(
                    Prefetch(
                        "requests",
                        PaymentRequest.objects.order_by("pk").prefetch_related(
                            Prefetch("approvals", PaymentApproval.objects.select_related("by").order_by("at", "pk"))
                        ),
                    )
                )
            )
            final = Settlement.objects.filter(
                Q(quarter__startswith=str(year)), contract=row, status=SettlementStatus.FINAL
            ).aggregate(total=Sum("payable"))["total"]
            out.append(
                {
                    "contract": row.number,
                    "instalments": [
                        {
                            "period": [i.first_day.isoformat(), i.last_day.isoformat()],
                            "cycle": i.cycle,
                            "quarters": i.quarters,
                            "base": str(i.base),
                            "settlement_adjustment": None if i.adjustment is None else str(i.adjustment),
                            "carries": i.carries,
                            "carried": str(i.carried),
                            "carried_reason": i.carried_reason,
                            "amount": None if i.amount is None else str(i.amount),
                            "status": i.status,
                            "payable_now": not instalment_problem(i, today),
                            "paid_on": i.paid_on.isoformat() if i.paid_on else None,
                            "voucher": i.voucher,
                            **_requests(i),
                        }
                        for i in instalments
                    ],
                    "total": str(sum((i.amount for i in instalments if i.amount is not None), Decimal("0.00"))),
                    "final_settlements_payable": None if final is None else str(Decimal(final).quantize(CENT)),
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps({"year": year, "contracts": out}, ensure_ascii=False, indent=2))
            return
        for block in out:
            self.stdout.write(
                f"{block['contract']}  total {block['total']}  (final settlements {block['final_settlements_payable']})"
            )
            for i in block["instalments"]:
                self.stdout.write(
                    f"  {i['period'][0]}..{i['period'][1]} {i['cycle']:<9} base {i['base']:>12} "
                    f"adj {i['settlement_adjustment'] or '—':>11} carried {i['carried']:>10} "
                    f"amount {i['amount'] or '—':>12} {i['status']}{' ' + i['request'] if i['request'] else ''}"
                    f"{' ' + i['voucher'] if i['voucher'] else ''}"
                )
                for a in i["approvals"]:
                    line = f"      {a['step']:<8} {a['decision']:<9} {a['by']} {a['at'][:16]} {a['remarks']}"
                    self.stdout.write(line.rstrip())
