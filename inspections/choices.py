"""The inspections app's choices: kinds, statuses and results, importable by its pure modules (no ORM)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InspectionKind(models.TextChoices):
    DAILY = "daily", _("Daily (office)")
    SELF = "self", _("Daily self-check (vendor)")
    WEEKLY = "weekly", _("Weekly (key points)")
    MONTHLY_JOINT = "monthly_joint", _("Monthly joint")
    SPECIAL = "special", _("Special (specialist department)")
    EXTERNAL = "external", _("External regulator")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ItemResultChoice(models.TextChoices):
    PASS = "pass", _("Pass")
    PARTIAL = "partial", _("Partial")
    FAIL = "fail", _("Fail")
    NA = "na", _("N/A")


class AnswerType(models.TextChoices):
    """What a checklist item asks for: a judgement, a reading in an allowed range, a signature, or a post check
    (who of the contract's roster is at work on a post, and whether they hold its certificates)."""

    CHECK = "check", _("Judgement (pass, partial, fail, n.a.)")
    READING = "reading", _("Reading (a number in an allowed range)")
    SIGNATURE = "signature", _("Signature (drawn on the tablet)")
    POST = "post", _("Post check (people on duty and their work certificates)")


#: the results an answer of each type may have: a reading passes inside its range and fails outside it (or
#: is n.a.: the fridge is switched off); a signature item is answered by signing, and scores no points
ANSWER_RESULTS = {
    AnswerType.CHECK: tuple(ItemResultChoice.values),
    AnswerType.READING: (ItemResultChoice.PASS, ItemResultChoice.FAIL, ItemResultChoice.NA),
    AnswerType.SIGNATURE: (ItemResultChoice.PASS,),
    # a post check's result follows from who is found at work (n.a.: the post is not staffed at this hour)
    AnswerType.POST: (ItemResultChoice.PASS, ItemResultChoice.FAIL, ItemResultChoice.NA),
}


class Signer(models.TextChoices):
    """Who signs a signature item."""

    INSPECTOR = "inspector", _("The inspector")
    VENDOR = "vendor", _("The vendor's representative")


class RectificationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("rectification status", "Open")
    ANSWERED = "answered", _("Answered")
    VERIFIED = "verified", _("Verified (closed)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RectificationSource(models.TextChoices):
    INSPECTION = "inspection", _("Failed checklist item")
    COMPLAINT = "complaint", _("Upheld complaint")
    MANUAL = "manual", _("Opened by the office")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Not accepted")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("With the service company")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class ComplaintSeverity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SERIOUS = "serious", _("Serious")


class ComplaintUrgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class PlanFrequency(models.TextChoices):
    WORKING_DAY = "working_day", _("Every working day")
    EVERY_DAY = "every_day", _("Every day, rest days included")
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")


class Shift(models.TextChoices):
    DAY = "day", _("Day shift")
    NIGHT = "night", _("Night shift")


class RoundStatus(models.TextChoices):
    DUE = "due", pgettext_lazy("round status", "Due")
    DONE = "done", pgettext_lazy("round status", "Done")
    LATE = "late", pgettext_lazy("round status", "Done late")
    MISSED = "missed", pgettext_lazy("round status", "Missed")
    EXCUSED = "excused", pgettext_lazy("round status", "Excused by the office")


#: the kinds a plan can schedule (a specialist or regulator's check comes when it comes)
PLANNED_KINDS = (InspectionKind.DAILY, InspectionKind.SELF, InspectionKind.WEEKLY, InspectionKind.MONTHLY_JOINT)


# --- the service desk (一站式服务平台) -------------------------------------------------------------------
class Channel(models.TextChoices):
    """How a request reached the desk: the public page, or an office clerk recording it for the caller."""

    WEB = "web", _("Web page")
    BOARD = "board", _("Message board")
    HOTLINE = "hotline", _("Hotline")
    MAILBOX = "mailbox", _("Leaders' mailbox")
    RECEPTION = "reception", _("Reception day")
    WALK_IN = "walk_in", _("Walk-in")
    WECHAT = "wechat", _("WeChat")


#: the channels a clerk records on the caller's behalf (the public page files WEB and BOARD itself)
OFFICE_CHANNELS = (Channel.HOTLINE, Channel.MAILBOX, Channel.RECEPTION, Channel.WALK_IN, Channel.WECHAT)


class RequestKind(models.TextChoices):
    """What a caller wants: a complaint (may be upheld against the vendor), a repair or service request (a work
    order with clocks), a suggestion or praise (answered, never upheld)."""

    COMPLAINT = "complaint", _("Complaint")
    REPAIR = "repair", _("Repair or service request")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


#: the kinds kept as a ``Complaint`` (a repair is a ``WorkOrder``)
MESSAGE_KINDS = (RequestKind.COMPLAINT, RequestKind.SUGGESTION, RequestKind.PRAISE)


class WorkOrderStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Sent to the service company")
    ACCEPTED = "accepted", pgettext_lazy("work order status", "Taken by the service company")
    ON_SITE = "on_site", _("Service company on site")
    COMPLETED = "completed", pgettext_lazy("work order status", "Completed, awaiting confirmation")
    DECLINED = "declined", _("Declined back to the office")
    CLOSED = "closed", pgettext_lazy("work order status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("work order status", "Cancelled")


class WorkOrderPriority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low (planned)")


class Clock(models.TextChoices):
    """The three clocks of a work order's round, from its dispatch."""

    RESPONSE = "response", _("Response")
    ARRIVAL = "arrival", _("Arrival on site")
    COMPLETION = "completion", _("Completion")


class CallbackResult(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")
    UNREACHABLE = "unreachable", _("Could not be reached")
