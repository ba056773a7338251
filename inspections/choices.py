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
