"""The scoring app's choices, importable by its pure modules (no ORM)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EvaluationStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    REVIEWED = "reviewed", _("Reviewed")
    PUBLISHED = "published", _("Published to the vendor")
    FINAL = "final", _("Final")


class ObjectionTarget(models.TextChoices):
    """What a vendor objects to (ARCHITECTURE.md, "What a vendor sees, and when; objections")."""

    LEDGER_LINE = "ledger_line", _("Ledger line")
    ITEM_RESULT = "item_result", _("Inspection result")
    COMPLAINT = "complaint", _("Complaint ruling")
    RECTIFICATION = "rectification", _("Rectification order")
    SCORE = "score", _("The score")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting a ruling")
    UPHELD = "upheld", pgettext_lazy("objection", "Upheld")
    DISMISSED = "dismissed", pgettext_lazy("objection", "Dismissed")


class SatisfactionSource(models.TextChoices):
    """Where a scheme takes satisfaction (S) from (ARCHITECTURE.md, "Months, half-years and the year")."""

    SURVEYS = "surveys", _("Satisfaction surveys")
    FORMS = "forms", _("Monthly feedback forms")
    BOTH = "both", _("Both, weighted")
