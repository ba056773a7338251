"""Payments by the contract's cycle: the stored schedule kept up to date, and each instalment through its
payment request's approval chain to its payment.

The rules are in ``contracts.payments`` (pure); this module reads the contract's terms and settlements, writes
the instalments (a paid one is never changed: a later correction is carried by the first one not yet paid),
and moves an instalment along ``INSTALMENT_FLOW``: the office raises and signs the payment request (付款审批单),
finance approves or returns it, then records the payment's date and voucher. Who may do each step is the
policy's (``payment.request`` / ``approve`` / ``return`` / ``record``). Idempotent: refreshing twice changes
nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from contracts import payments, selectors
from contracts.choices import (
    APPROVAL_CHAIN,
    PAYMENT_REQUEST_PREFIX,
    ApprovalDecision,
    ApprovalStep,
    ContractStatus,
    InstalmentStatus,
    PaymentRequestState,
    SettlementStatus,
)
from contracts.models import (
    INSTALMENT_FLOW,
    Contract,
    Instalment,
    PaymentApproval,
    PaymentRequest,
    Settlement,
    TermsVersion,
)
from logistics import outbox
from logistics.immutability import allow_locked_changes
from logistics.models import stamp
from logistics.models.documents import RenderStatus
from logistics.notify import notify_finance, notify_office, notify_vendor
from logistics.numbering import next_in_series
from logistics.policy import may
from logistics.quarters import local_date
from logistics.quarters import today as local_today

if TYPE_CHECKING:
    from logistics.models import User

logger = logging.getLogger(__name__)


def schedule_of(contract: Contract) -> list[payments.Due]:
    """The contract's instalments as its terms and settlements make them today (nothing stored)."""
    terms = selectors.contract_terms([contract])[contract.pk]
    cycles = {
        pk: (cycle, tuple(dates or ()))
        for pk, cycle, dates in TermsVersion.objects.filter(contract=contract).values_list(
            "pk", "payment_cycle", "payment_dates"
        )
    }
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
        versions=[payments.CycleVersion(v, *cycles[v.id]) for v in terms.versions],
        suspended=terms.suspended,
        settlements=settlements,
    )


def payments_refresh(*, contract: Contract) -> list[Instalment]:
    """Bring the contract's unpaid instalments up to date with its terms and settlements (creating, updating
    and dropping them); paid ones stay as they were paid, and what they come to now minus what was paid for
    them is carried by the first unpaid instalment, with its reason. A payment request whose amount changed is
    withdrawn (the office raises a new one), and the office and finance are told."""
    with transaction.atomic():
        rows, withdrawn = _refresh(contract)
    for request, reason in withdrawn:
        _tell_withdrawn(request, reason)
    return rows


def _refresh(contract: Contract) -> tuple[list[Instalment], list[tuple[PaymentRequest, str]]]:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status == ContractStatus.DRAFT:
        return [], []
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
    withdrawn: list[tuple[PaymentRequest, str]] = []
    # the contract ended earlier, or its cycle changed: those periods are no longer paid
    dropped = [row for first, row in rows.items() if row.status != InstalmentStatus.PAID and first not in dues]
    if dropped:
        withdrawn += _withdraw(dropped, reason=_("The contract no longer pays this period."), detach=True)
        Instalment.objects.filter(pk__in=[row.pk for row in dropped]).delete()
        rows = {first: row for first, row in rows.items() if row not in dropped}
    created, changed, moved = [], [], []
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
            if row.status != InstalmentStatus.SCHEDULED and _differs(row.amount, values["amount"]):
                moved.append((row, row.amount, values["amount"]))
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    for row, before, after in moved:  # requested for an amount it no longer has: the request is withdrawn
        INSTALMENT_FLOW.advance(row, InstalmentStatus.SCHEDULED)
        reason = _("The amount changed from %(before)s to %(after)s after the request; raise a new request.") % {
            "before": before,
            "after": "—" if after is None else after,
        }
        withdrawn += _withdraw([row], reason=reason)
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
            [*VALUES, "status", "updated_at"],
            default_change_reason=_("Payment schedule"),
            manager=Instalment._base_manager,  # unpaid rows only: nothing locked is written here
        )
    return sorted(rows.values(), key=lambda r: r.first_day), withdrawn


def _withdraw(instalments: list[Instalment], *, reason: str, detach: bool = False) -> list[tuple[PaymentRequest, str]]:
    """Close the open payment requests of ``instalments`` as withdrawn, with ``reason``; ``detach``: their
    instalments are about to go (the request keeps its contract and period)."""
    out = []
    requests = PaymentRequest.objects.filter(instalment__in=[row.pk for row in instalments if row.pk])
    if detach:
        for request in requests.exclude(state=PaymentRequestState.OPEN):
            request.instalment = None  # a closed request's link is its own to drop: kept as it was otherwise
            with allow_locked_changes():
                stamp(request, reason=_("The contract no longer pays this period."))
                request.save(update_fields=["instalment", "updated_at"])
    for request in requests.filter(state=PaymentRequestState.OPEN).select_related("contract"):
        request.state = PaymentRequestState.WITHDRAWN
        request.closed_reason = reason
        request.closed_at = timezone.now()
        if detach:
            request.instalment = None
        stamp(request, reason=reason)
        request.save()
        out.append((request, reason))
    return out


def _tell_withdrawn(request: PaymentRequest, reason: str) -> None:
    subject = _("Payment request %(number)s withdrawn") % {"number": request.number}
    body = _("The payment request %(number)s of contract %(contract)s (%(period)s) was withdrawn: %(reason)s") % {
        "number": request.number,
        "contract": request.contract.number,
        "period": _period(request),
        "reason": reason,
    }
    notify_office(subject=subject, body=body, dedup_key=f"payment-request:{request.pk}:withdrawn")
    notify_finance(subject=subject, body=body, dedup_key=f"payment-request:{request.pk}:withdrawn:finance")


#: what a refresh writes of an unpaid instalment
VALUES = ("last_day", "cycle", "quarters", "carries", "base", "adjustment", "carried", "carried_reason", "amount")


def _differs(stored: object, value: object) -> bool:
    if isinstance(value, Decimal) and stored is not None:
        return Decimal(str(stored)) != value
    return stored != value


def _period(row: Instalment | PaymentRequest) -> str:
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


def _open_request(instalment: Instalment) -> PaymentRequest | None:
    return instalment.requests.filter(state=PaymentRequestState.OPEN).first()


def payment_request_raise(
    *, instalment: Instalment, by: User, remarks: str = "", now: dt.datetime | None = None
) -> PaymentRequest:
    """The office raises the payment request (付款审批单) of a payable instalment and signs it as the chain's first
    step: a number, the amount of today, a PDF (``payment_request_pdf``); finance is told. (``now``: the demo's and
    the tests' history; the pages never pass it.)"""
    if not may(by, "payment.request", instalment):
        raise PermissionDenied(_("Only the logistics office raises a payment request."))
    payments_refresh(contract=instalment.contract)  # the amount is today's, corrections carried included
    now = now or timezone.now()
    with transaction.atomic():
        instalment = Instalment.objects.select_for_update().select_related("contract").get(pk=instalment.pk)
        if instalment.status in (InstalmentStatus.REQUESTED, InstalmentStatus.APPROVED):
            raise ValidationError(
                _("This instalment already has a payment request in the approval chain (%(number)s).")
                % {"number": getattr(_open_request(instalment), "number", "—")}
            )
        problem = instalment_problem(instalment, local_date(now))
        if problem:
            raise ValidationError(problem)
        for _attempt in range(3):  # two requests at the same moment take the same number: the second the next
            try:
                with transaction.atomic():
                    request = PaymentRequest(
                        instalment=instalment,
                        contract=instalment.contract,
                        first_day=instalment.first_day,
                        last_day=instalment.last_day,
                        number=next_in_series(
                            PaymentRequest.objects.all(), f"{PAYMENT_REQUEST_PREFIX}-{local_date(now).year}-"
                        ),
                        amount=instalment.amount,
                    )
                    stamp(request, by=by, reason=_("Payment request raised"))
                    request.save()
                    break
            except IntegrityError:
                continue
        else:
            raise ValidationError(_("The payment request could not be numbered; try again."))
        _sign(request, ApprovalStep.OFFICE, ApprovalDecision.APPROVED, by=by, at=now, remarks=remarks)
        INSTALMENT_FLOW.advance(instalment, InstalmentStatus.REQUESTED)
        stamp(instalment, by=by, reason=_("Payment request %(number)s raised") % {"number": request.number})
        instalment.save()
        notify_finance(
            subject=_("Payment request %(number)s awaits your approval") % {"number": request.number},
            body=_(
                "The logistics office asks to pay %(amount)s CNY to %(vendor)s under contract %(contract)s for "
                "%(period)s. Approve or return it on the payments page."
            )
            % {
                "amount": request.amount,
                "vendor": instalment.contract.vendor.legal_name,
                "contract": instalment.contract.number,
                "period": _period(request),
            },
            dedup_key=f"payment-request:{request.pk}:raised",
        )
    return request


def _sign(request: PaymentRequest, step: str, decision: str, *, by: User, at: dt.datetime, remarks: str) -> None:
    """One signature of the request's approval chain."""
    PaymentApproval.objects.create(request=request, step=step, decision=decision, by=by, at=at, remarks=remarks.strip())


def _checked_open(request: PaymentRequest) -> tuple[PaymentRequest, Instalment]:
    """The request and its instalment, locked, after the schedule was brought up to date: refused with its
    reason when it was withdrawn or closed meanwhile."""
    request = PaymentRequest.objects.select_for_update().select_related("contract").get(pk=request.pk)
    if request.state != PaymentRequestState.OPEN:
        raise ValidationError(
            _("The payment request %(number)s is closed (%(state)s)%(reason)s.")
            % {
                "number": request.number,
                "state": request.get_state_display(),
                "reason": f": {request.closed_reason}" if request.closed_reason else "",
            }
        )
    instalment = Instalment.objects.select_for_update().get(pk=request.instalment_id)
    return request, instalment


def payment_request_approve(
    *, request: PaymentRequest, by: User, remarks: str = "", now: dt.datetime | None = None
) -> PaymentRequest:
    """Finance approves a payment request (the chain's second step): the instalment may then be paid."""
    if not may(by, "payment.approve", request):
        raise PermissionDenied(_("Only finance approves a payment request; the logistics office has signed it."))
    payments_refresh(contract=request.contract)  # a change of the amount since withdraws it, and says so
    with transaction.atomic():
        request, instalment = _checked_open(request)
        if instalment.status != InstalmentStatus.REQUESTED:
            raise ValidationError(_("The payment request %(number)s has been approved.") % {"number": request.number})
        _sign(
            request, ApprovalStep.FINANCE, ApprovalDecision.APPROVED, by=by, at=now or timezone.now(), remarks=remarks
        )
        INSTALMENT_FLOW.advance(instalment, InstalmentStatus.APPROVED)
        stamp(instalment, by=by, reason=_("Payment request %(number)s approved") % {"number": request.number})
        instalment.save()
        _render_again(request)
        notify_office(
            subject=_("Payment request %(number)s approved by finance") % {"number": request.number},
            body=_("Finance approved the payment of %(amount)s CNY under contract %(contract)s for %(period)s.")
            % {"amount": request.amount, "contract": request.contract.number, "period": _period(request)},
            dedup_key=f"payment-request:{request.pk}:approved",
        )
    return request


@transaction.atomic
def payment_request_return(
    *, request: PaymentRequest, by: User, reason: str, now: dt.datetime | None = None
) -> PaymentRequest:
    """Finance returns a payment request to the office with its reason; the instalment may be requested again
    (under a new number) once the office has put it right."""
    if not may(by, "payment.return", request):
        raise PermissionDenied(_("Only finance returns a payment request."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is returned.")})
    request, instalment = _checked_open(request)
    if instalment.status != InstalmentStatus.REQUESTED:
        raise ValidationError(
            _("The payment request %(number)s has been approved; record its payment.") % {"number": request.number}
        )
    now = now or timezone.now()
    _sign(request, ApprovalStep.FINANCE, ApprovalDecision.RETURNED, by=by, at=now, remarks=reason)
    request.state = PaymentRequestState.RETURNED
    request.closed_reason = reason.strip()
    request.closed_at = now
    request.status = RenderStatus.PENDING  # its PDF shows the return
    stamp(request, by=by, reason=_("Returned by finance"))
    request.save()
    INSTALMENT_FLOW.advance(instalment, InstalmentStatus.SCHEDULED)
    stamp(instalment, by=by, reason=_("Payment request %(number)s returned") % {"number": request.number})
    instalment.save()
    notify_office(
        subject=_("Payment request %(number)s returned by finance") % {"number": request.number},
        body=_("Finance returned the payment request of contract %(contract)s for %(period)s: %(reason)s")
        % {"contract": request.contract.number, "period": _period(request), "reason": reason.strip()},
        dedup_key=f"payment-request:{request.pk}:returned",
    )
    return request


def approval_chain(request: PaymentRequest) -> list[dict]:
    """The chain's steps in their order (``APPROVAL_CHAIN``), each with its signature or None: what the request's
    page and its PDF show."""
    approvals = {a.step: a for a in PaymentApproval.objects.filter(request=request).select_related("by")}
    return [{"label": ApprovalStep(step).label, "approval": approvals.get(step)} for step in APPROVAL_CHAIN]


def _render_again(request: PaymentRequest) -> None:
    """The PDF is out of date: the next look at the request renders it again, with the chain so far."""
    PaymentRequest.objects.filter(pk=request.pk).update(status=RenderStatus.PENDING)


def payment_request_pdf(request: PaymentRequest) -> PaymentRequest:
    """Ask for the request's PDF when it is not up to date (a task renders it; the page says "being prepared").

    Rendered when somebody looks at the request, not at each step: the PDF always shows the chain as it stands,
    and a year of the demo's paid requests costs no rendering until one is opened."""
    if request.status != RenderStatus.READY:
        outbox.enqueue("contracts.tasks.render_payment_request_task", kwargs={"request_id": request.pk})
        request.refresh_from_db(fields=["status", "file", "sha256", "error", "rendered_at"])
    return request


def instalment_record_payment(
    *, instalment: Instalment, paid_on: dt.date, voucher: str, by: User, today: dt.date | None = None
) -> Instalment:
    """Finance records that an approved instalment was paid (its date and voucher number); the instalment and
    its request are then read-only, and the vendor is told."""
    if not may(by, "payment.record", instalment):
        raise PermissionDenied(_("Only finance records a payment, once it has approved the payment request."))
    payments_refresh(contract=instalment.contract)  # a change of the amount since withdraws the request
    today = today or local_today()
    with transaction.atomic():
        instalment = Instalment.objects.select_for_update().select_related("contract__vendor").get(pk=instalment.pk)
        if instalment.status == InstalmentStatus.PAID:
            raise ValidationError(_("This instalment has been paid."))
        request = _open_request(instalment)
        if instalment.status != InstalmentStatus.APPROVED or request is None:
            raise ValidationError(_("A payment is recorded once finance has approved its payment request."))
        approved = request.approvals.get(step=ApprovalStep.FINANCE)
        errors = {}
        if not voucher.strip():
            errors["voucher"] = _("Enter the voucher number.")
        if paid_on > today:
            errors["paid_on"] = _("The payment date cannot be in the future.")
        elif paid_on < local_date(approved.at):
            errors["paid_on"] = _("The payment date cannot be before finance approved the request (%(date)s).") % {
                "date": local_date(approved.at).isoformat()
            }
        if errors:
            raise ValidationError(errors)
        INSTALMENT_FLOW.advance(instalment, InstalmentStatus.PAID)
        instalment.paid_on = paid_on
        instalment.voucher = voucher.strip()[:60]
        instalment.paid_by = by
        stamp(instalment, by=by, reason=_("Paid, voucher %(voucher)s") % {"voucher": instalment.voucher})
        instalment.save()
        request.state = PaymentRequestState.PAID
        request.closed_at = timezone.now()
        request.status = RenderStatus.PENDING  # its PDF shows the payment
        stamp(request, by=by, reason=_("Paid, voucher %(voucher)s") % {"voucher": instalment.voucher})
        request.save(update_fields=["state", "closed_at", "status", "updated_at"])
        notify_vendor(
            instalment.contract.vendor,
            subject=_("Payment for %(period)s made") % {"period": _period(instalment)},
            body=_("%(amount)s CNY for contract %(contract)s, %(period)s, was paid on %(date)s (voucher %(voucher)s).")
            % {
                "amount": instalment.amount,
                "contract": instalment.contract.number,
                "period": _period(instalment),
                "date": paid_on.isoformat(),
                "voucher": instalment.voucher,
            },
            dedup_key=f"instalment:{instalment.pk}:paid",
        )
    payments_refresh(contract=instalment.contract)  # the next one's carried correction starts afresh
    return instalment


def payment_request_render(request_id: int) -> PaymentRequest | None:
    """Render a payment request's PDF in the institution's language (a ready one is left as it is; a failure is
    recorded on the request, for the office)."""
    from contracts.renderers import render_payment_request

    related = PaymentRequest.objects.select_related("contract__vendor", "contract__category", "instalment")
    request = related.filter(pk=request_id).first()
    if request is None or request.status == RenderStatus.READY:
        return request
    try:
        with translation.override(settings.LANGUAGE_CODE):
            data = render_payment_request(request)
    except Exception as exc:  # recorded on the request
        logger.exception("payment request %s failed", request.pk)
        with allow_locked_changes():  # a closed request's file is the render's to write
            request.mark_failed(exc)
        return request
    with allow_locked_changes():  # a request paid or returned since it was last rendered still gets its PDF
        request.mark_ready(f"{request.number}.pdf", data)
    return request
