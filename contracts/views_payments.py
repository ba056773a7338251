"""The payments pages: a year's instalments (the office raises payment requests there; Excel for finance) and
one payment request (finance approves or returns it and records the payment). Every rule is the services' and
the policy's; these views only ask and show."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contracts import exports
from contracts import services_payments as payment_services
from contracts.choices import (
    LIVE_REQUEST_STATES,
    InstalmentStatus,
    PaymentRequestState,
)
from contracts.models import Instalment, PaymentRequest
from logistics.access import scoped
from logistics.files import register_download
from logistics.money_words import yuan_in_words
from logistics.policy import may
from logistics.quarters import today as local_today
from logistics.web import role_required

register_download("payment-request", PaymentRequest, "file")

#: each instalment's requests, the latest first, in one query for the whole page
REQUESTS = Prefetch("requests", queryset=PaymentRequest.objects.order_by("-pk"), to_attr="all_requests")


def _live(instalment: Instalment) -> PaymentRequest | None:
    """The request that carries the instalment now (open, or paid)."""
    return next((r for r in instalment.all_requests if r.state in LIVE_REQUEST_STATES), None)


def _closed(instalment: Instalment) -> PaymentRequest | None:
    """The latest request returned by finance or withdrawn, when none carries the instalment now."""
    if _live(instalment) is not None:
        return None
    return instalment.all_requests[0] if instalment.all_requests else None


def _problems(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error) or _("You may not do this.")]
    return error.messages


@role_required("office", "leader", "finance")
@require_http_methods(["GET", "POST"])
def payment_list(request: HttpRequest) -> HttpResponse:
    """A year's instalments of every contract (or one): what is payable now, what waits and why, where each one
    is in its approval chain; the office raises a payment request here; Excel for finance."""
    today = local_today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    rows = scoped(request.user, Instalment.objects.filter(first_day__year=year)).select_related("contract__vendor")
    number = request.GET.get("contract", "").strip()
    if number:
        rows = rows.filter(contract__number=number)
    rows = rows.order_by("contract__number", "first_day").prefetch_related(REQUESTS)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.payments_workbook(rows, year),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="payments-{year}.xlsx"'
        return response
    errors: list[str] = []
    status = 200
    posted = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        if not may(request.user, "payment.request"):
            raise PermissionDenied
        chosen = request.POST.get("instalment", "")
        instalment = get_object_or_404(
            scoped(request.user, Instalment.objects.all()), pk=int(chosen) if chosen.isdigit() else 0
        )
        try:
            raised = payment_services.payment_request_raise(
                instalment=instalment, by=request.user, remarks=request.POST.get("remarks", "")
            )
        except PermissionDenied as exc:
            errors, status = _problems(exc), 403
        except ValidationError as exc:
            errors = _problems(exc)
        else:
            messages.success(
                request,
                _("Payment request %(number)s raised for %(amount)s CNY; finance has been told.")
                % {"number": raised.number, "amount": raised.amount},
            )
            return redirect("contracts:payment_request", pk=raised.pk)
    rows = list(rows)
    table = [
        {
            "row": row,
            "problem": payment_services.instalment_problem(row, today),
            "request": _live(row),
            "closed": _closed(row),
        }
        for row in rows
    ]
    context = {
        "year": year,
        "contract": number,
        "rows": table,
        "can_request": may(request.user, "payment.request"),
        "requestable": [
            item["row"] for item in table if not item["problem"] and item["row"].status == InstalmentStatus.SCHEDULED
        ],
        "errors": errors,
        "posted": posted,
        "total": sum((r.amount for r in rows if r.amount is not None), Decimal("0.00")),
        "paid": sum((r.amount for r in rows if r.status == InstalmentStatus.PAID), Decimal("0.00")),
    }
    return render(request, "contracts/payment_list.html", context, status=status)


@role_required("office", "leader", "finance")
@require_http_methods(["GET", "POST"])
def payment_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One payment request: the amount and how it is made up, the approval chain so far, its PDF; finance
    approves or returns it, then records the payment's date and voucher."""
    payment = get_object_or_404(
        scoped(request.user, PaymentRequest.objects.all()).select_related(
            "contract__vendor", "contract__category", "instalment"
        ),
        pk=pk,
    )
    errors: list[str] = []
    status = 200
    posted = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "approve":
                payment_services.payment_request_approve(
                    request=payment, by=request.user, remarks=request.POST.get("remarks", "")
                )
                done = _("Payment request %(number)s approved.")
            elif action == "return":
                payment_services.payment_request_return(
                    request=payment, by=request.user, reason=request.POST.get("reason", "")
                )
                done = _("Payment request %(number)s returned to the logistics office.")
            elif action == "pay":
                paid_on = parse_date(request.POST.get("paid_on", "") or "")
                if paid_on is None:
                    raise ValidationError({"paid_on": _("Enter the payment date.")})
                if payment.instalment is None:
                    raise ValidationError(_("This payment request is closed."))
                payment_services.instalment_record_payment(
                    instalment=payment.instalment,
                    paid_on=paid_on,
                    voucher=request.POST.get("voucher", ""),
                    by=request.user,
                )
                done = _("The payment of %(number)s has been recorded.")
            else:
                raise ValidationError(_("Choose what to do with the request."))
        except PermissionDenied as exc:
            errors, status = _problems(exc), 403
        except ValidationError as exc:
            errors = _problems(exc)
        else:
            messages.success(request, done % {"number": payment.number})
            return redirect("contracts:payment_request", pk=payment.pk)
        payment.refresh_from_db()
    payment_services.payment_request_pdf(payment)
    instalment = payment.instalment
    is_open = payment.state == PaymentRequestState.OPEN
    context: dict[str, Any] = {
        "payment": payment,
        "instalment": instalment,
        "chain": payment_services.approval_chain(payment),
        "amount_words": yuan_in_words(payment.amount),
        "can_decide": is_open
        and instalment is not None
        and instalment.status == InstalmentStatus.REQUESTED
        and may(request.user, "payment.approve", payment),
        "can_pay": is_open
        and instalment is not None
        and instalment.status == InstalmentStatus.APPROVED
        and may(request.user, "payment.record", instalment),
        "others": PaymentRequest.objects.filter(instalment=instalment).exclude(pk=payment.pk).order_by("-pk")
        if instalment is not None
        else [],
        "errors": errors,
        "posted": posted,
        "today": local_today().isoformat(),
    }
    return render(request, "contracts/payment_request.html", context, status=status)
