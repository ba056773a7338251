"""Rectification orders (整改): from a failed item, an upheld complaint or the office; answered by the
vendor with evidence; verified or returned by an inspector."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.choices import RectificationSource, RectificationStatus
from inspections.models.base import JobEvent, JobPhoto, photo_field
from logistics.models import AuditedManager, Severity, TimeStampedModel
from logistics.models.base import check, optional_ref, unique, user_ref
from logistics.transitions import Flow

__all__ = (
    "RECTIFICATION_FLOW",
    "JointRectificationCheck",
    "RectificationEvent",
    "RectificationOrder",
    "RectificationPhoto",
    "RectificationSource",
    "RectificationStatus",
)

#: an order's way: the vendor answers, the inspector verifies it or returns it (open again, the deadline kept)
RECTIFICATION_FLOW = Flow(
    RectificationStatus,
    {
        RectificationStatus.OPEN: {RectificationStatus.ANSWERED, RectificationStatus.WITHDRAWN},
        RectificationStatus.ANSWERED: {RectificationStatus.VERIFIED, RectificationStatus.OPEN},
    },
    noun=_("A rectification order"),
)


class RectificationOrder(TimeStampedModel):
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("contract")
    )
    source = models.CharField(_("source"), max_length=12, choices=RectificationSource.choices)
    item_result = models.OneToOneField(
        "inspections.ItemResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification",
        verbose_name=_("failed item"),
    )
    complaint = optional_ref(
        "inspections.Complaint", _("complaint"), on_delete=models.PROTECT, related_name="rectifications"
    )
    description = models.TextField(_("what must be rectified"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    site = optional_ref("logistics.Site", _("site"), on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.OPEN, db_index=True
    )
    response = models.TextField(_("vendor's response"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = user_ref(_("answered by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = user_ref(_("verified by"))
    resolved_at = models.DateTimeField(
        _("rectified at"),
        null=True,
        blank=True,
        help_text=_("When the vendor's accepted answer was given; overdue days stop counting there."),
    )
    returned_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    created_by = user_ref(_("created by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        constraints = [
            check("deadline_after_issue", Q(deadline__gt=models.F("issued_at"))),
            check(
                "inspection_source_has_item", ~Q(source=RectificationSource.INSPECTION) | Q(item_result__isnull=False)
            ),
            check(
                "complaint_source_has_complaint", ~Q(source=RectificationSource.COMPLAINT) | Q(complaint__isnull=False)
            ),
            check(
                "verified_is_dated",
                ~Q(status=RectificationStatus.VERIFIED) | Q(verified_at__isnull=False, resolved_at__isnull=False),
            ),
        ]
        # the list's order (open ones first, by deadline): a page without sorting every order
        indexes = [models.Index(fields=["status", "deadline", "id"], name="inspections_rect_queue")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"ZG-{self.pk:06d}" if self.pk else "ZG-new"


class RectificationEvent(JobEvent):
    """The order's timeline: issued, answered, returned (with the reason), verified."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ANSWERED = "answered", _("Answered by the vendor")
        RETURNED = "returned", _("Returned: not done")
        VERIFIED = "verified", _("Verified")
        OVERDUE = "overdue", _("Overdue")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXTENDED = "extended", _("Deadline extended")

    order = models.ForeignKey(
        RectificationOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["order", "at", "pk"]
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")


class RectificationPhoto(JobPhoto):
    class Stage(models.TextChoices):
        ISSUE = "issue", _("The problem")
        RESPONSE = "response", _("After rectification")

    order = models.ForeignKey(
        RectificationOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("order")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    image = photo_field("rectifications")
    uploaded_by = user_ref(_("uploaded by"))

    class Meta:
        ordering = ["order", "uploaded_at"]
        verbose_name = _("rectification photo")
        verbose_name_plural = _("rectification photos")


class JointRectificationCheck(models.Model):
    """The monthly joint inspection records, for each of the month's orders, whether it was really done."""

    class Result(models.TextChoices):
        DONE = "done", _("Done")
        NOT_DONE = "not_done", _("Not done")

    inspection = models.ForeignKey(
        "inspections.Inspection",
        on_delete=models.CASCADE,
        related_name="rectification_checks",
        verbose_name=_("inspection"),
    )
    order = models.ForeignKey(
        RectificationOrder, on_delete=models.PROTECT, related_name="joint_checks", verbose_name=_("order")
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["inspection", "order"]
        verbose_name = _("joint check of a rectification")
        verbose_name_plural = _("joint checks of rectifications")
        constraints = [
            unique("one_per_order", "inspection", "order"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.order_id}: {self.result}"
