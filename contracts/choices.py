"""The contracts app's choices: statuses and kinds, importable by its pure modules (no ORM)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    EXPIRED = "expired", _("Expired")


class PaymentCycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    DATES = "dates", _("On the dates the contract sets")


class InstalmentStatus(models.TextChoices):
    """An instalment of a contract's payment schedule, through its payment request's approval chain
    (``contracts.models.INSTALMENT_FLOW``)."""

    SCHEDULED = "scheduled", _("Not requested yet")
    REQUESTED = "requested", _("Awaiting finance")
    APPROVED = "approved", _("Approved for payment")
    PAID = "paid", _("Paid")


class ApprovalStep(models.TextChoices):
    """The approval chain of a payment request (付款审批单), in its order: the logistics office raises and signs
    it, finance approves it (or returns it with a reason) and then records the payment."""

    OFFICE = "office", _("Logistics office")
    FINANCE = "finance", _("Finance")


#: the steps in the order they sign
APPROVAL_CHAIN = (ApprovalStep.OFFICE, ApprovalStep.FINANCE)


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class PaymentRequestState(models.TextChoices):
    OPEN = "open", _("In the approval chain")
    PAID = "paid", _("Paid")
    RETURNED = "returned", _("Returned by finance")
    WITHDRAWN = "withdrawn", _("Withdrawn: the amount changed")


#: the states of the request that carries an instalment now (the others were returned or withdrawn)
LIVE_REQUEST_STATES = (PaymentRequestState.OPEN, PaymentRequestState.PAID)

#: 付款审批单 FK-2026-0001
PAYMENT_REQUEST_PREFIX = "FK"


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class LedgerKind(models.TextChoices):
    DEDUCTION = "deduction", _("Deduction")
    BONUS = "bonus", _("Bonus")
    ADJUSTMENT = "adjustment", _("Correction")


class EvidenceType(models.TextChoices):
    ITEM_RESULT = "item_result", _("Failed checklist item")
    COMPLAINT = "complaint", _("Upheld complaint")
    RECTIFICATION = "rectification", _("Overdue rectification")
    SCORE = "score", _("Quarterly score")
    MANUAL = "manual", _("Correction by the office")
    ROUND = "round", _("Missed self-check round")
    WORK_ORDER = "work_order", _("Work order completed late")


class NoticeKind(models.TextChoices):
    """Formal notices to a vendor, numbered per kind and year (ARCHITECTURE.md, "What a vendor sees")."""

    RESULT = "result", _("Notice of the quarterly evaluation result")
    WARNING = "warning", _("Formal warning notice")
    TERMINATION = "termination", _("Termination recommendation")
    RECTIFICATION = "rectification", _("Rectification notice")


#: the number prefix of each kind of notice (考评结果通知书 KP, 书面警告 JG, 解除合同建议书 JY, 整改通知书 ZT)
NOTICE_PREFIX = {
    NoticeKind.RESULT: "KP",
    NoticeKind.WARNING: "JG",
    NoticeKind.TERMINATION: "JY",
    NoticeKind.RECTIFICATION: "ZT",
}
#: the notices delivered to the vendor, who acknowledges them; the others are the office's own papers
VENDOR_NOTICES = (NoticeKind.RESULT, NoticeKind.WARNING, NoticeKind.RECTIFICATION)


class PostShift(models.TextChoices):
    """When a post is staffed: a careful office names the pattern (for the tablet's check and the roster) and
    may add the hours in words (07:30–17:30); "other" needs them."""

    DAY = "day", pgettext_lazy("post shift", "Day shift")
    NIGHT = "night", pgettext_lazy("post shift", "Night shift")
    ROUND_THE_CLOCK = "round_the_clock", pgettext_lazy("post shift", "Round the clock, in rotation")
    OTHER = "other", pgettext_lazy("post shift", "Other hours")
