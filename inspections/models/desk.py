"""The service desk (一站式服务平台, seed 002): repair and service requests as work orders with clocks, and the
office's callbacks (回访) on closed jobs. Complaints, suggestions and praise stay ``Complaint`` rows
(``models/complaints.py``); a repair is a ``WorkOrder`` with its own tracking code from the same alphabet.

A work order is done in rounds: the first dispatch is round 1; a callback "not satisfied" or a requester who
says it is not fixed opens the next round to the same vendor (redo until the standard is met). Each round keeps
its three clocks (response, arrival, completion, from ``ServiceClock``) and what was done, so the quarter's
on-time rates count every round, not only the last.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from inspections.choices import (
    CallbackResult,
    WorkOrderPriority,
    WorkOrderStatus,
)
from inspections.models.base import JobEvent, JobPhoto, photo_field
from inspections.models.complaints import TrackedRequest
from logistics.models import AuditedManager
from logistics.models.base import check, optional_ref, unique, user_ref
from logistics.transitions import Flow

__all__ = (
    "WITH_VENDOR",
    "WORK_ORDER_FLOW",
    "Callback",
    "ServiceClock",
    "WorkOrder",
    "WorkOrderEvent",
    "WorkOrderPhoto",
    "WorkOrderRound",
)

W = WorkOrderStatus

#: a work order's way: the office dispatches it (or cancels it), the vendor takes it or declines it back, goes on
#: site, completes it with evidence; the requester's "fixed" or the office closes it; "not fixed" or a callback
#: "not satisfied" sends it back to the same vendor (a new round); a declined order is dispatched again
WORK_ORDER_FLOW = Flow(
    WorkOrderStatus,
    {
        W.RECEIVED: {W.DISPATCHED, W.CANCELLED},
        W.DISPATCHED: {W.ACCEPTED, W.DECLINED, W.DISPATCHED},  # DISPATCHED -> DISPATCHED: reassigned
        W.ACCEPTED: {W.ON_SITE, W.COMPLETED, W.DISPATCHED},
        W.ON_SITE: {W.COMPLETED, W.DISPATCHED},
        W.DECLINED: {W.DISPATCHED, W.CANCELLED},
        W.COMPLETED: {W.CLOSED, W.DISPATCHED},
        W.CLOSED: {W.DISPATCHED},
    },
    noun=_("A work order"),
)

#: the statuses in which the vendor holds the job (its clocks run)
WITH_VENDOR = (W.DISPATCHED, W.ACCEPTED, W.ON_SITE)


class ServiceClock(models.Model):
    """How fast a work order of a service category and priority must be answered, reached and finished, counted
    from its dispatch. ``working_hours_only``: the clock runs in the institution's working hours on working days
    of the official calendar (``DESK_WORKING_HOURS``); otherwise around the clock (a burst pipe)."""

    category = models.ForeignKey(
        "logistics.ServiceCategory", on_delete=models.CASCADE, related_name="clocks", verbose_name=_("service")
    )
    priority = models.CharField(_("priority"), max_length=8, choices=WorkOrderPriority.choices)
    response_minutes = models.PositiveIntegerField(_("respond within (minutes)"), validators=[MinValueValidator(1)])
    arrival_minutes = models.PositiveIntegerField(_("on site within (minutes)"), validators=[MinValueValidator(1)])
    completion_minutes = models.PositiveIntegerField(_("complete within (minutes)"), validators=[MinValueValidator(1)])
    working_hours_only = models.BooleanField(_("count working hours only"), default=True)

    class Meta:
        ordering = ["category", "priority"]
        verbose_name = _("work order clock")
        verbose_name_plural = _("work order clocks")
        constraints = [
            unique("one_per_priority", "category", "priority"),
            check(
                "in_order",
                Q(response_minutes__gte=1)
                & Q(arrival_minutes__gte=F("response_minutes"))
                & Q(completion_minutes__gte=F("arrival_minutes")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_priority_display()}"


class WorkOrder(TrackedRequest):
    """A repair or service request (报修)."""

    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    category = models.ForeignKey(
        "logistics.ServiceCategory", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("service")
    )
    description = models.TextField(_("what needs doing"), max_length=2000)
    priority = models.CharField(
        _("priority"), max_length=8, choices=WorkOrderPriority.choices, default=WorkOrderPriority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=WorkOrderStatus.choices, default=W.RECEIVED, db_index=True
    )
    contract = optional_ref("contracts.Contract", _("contract"), on_delete=models.PROTECT, related_name="work_orders")
    rounds = models.PositiveSmallIntegerField(_("rounds"), default=0)
    declined_reason = models.TextField(_("why the service company declined it"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed fixed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("requester's rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("why it was cancelled"), blank=True)

    history = HistoricalRecords(excluded_fields=["name", "phone", "email"])

    class Meta(TrackedRequest.Meta):
        ordering = ["-received_at"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            *TrackedRequest.Meta.constraints,
            check("rating_range", Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)),
            check("dispatched_has_contract", Q(status__in=[W.RECEIVED, W.CANCELLED]) | Q(contract__isnull=False)),
            check("cancel_has_reason", ~Q(status=W.CANCELLED) | ~Q(cancel_reason="")),
        ]
        indexes = [models.Index(fields=["contract", "status"], name="inspections_workorder_contract")]

    @property
    def reference(self) -> str:
        return f"GD-{self.pk:06d}" if self.pk else "GD-new"


class WorkOrderRound(models.Model):
    """One round of a work order with the vendor: its clocks from the dispatch and what was done. A
    reassignment to another contract starts the round's clocks again (the new vendor's job)."""

    order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="round_set", verbose_name=_("work order")
    )
    number = models.PositiveSmallIntegerField(_("round"))
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="+", verbose_name=_("contract")
    )
    reason = models.TextField(_("why this round"), blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), db_index=True)
    response_due = models.DateTimeField(_("respond by"))
    arrival_due = models.DateTimeField(_("on site by"))
    completion_due = models.DateTimeField(_("complete by"), db_index=True)
    accepted_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(
        _("withdrawn at"), null=True, blank=True, help_text=_("Reassigned to another contract or cancelled.")
    )
    arrived_at = models.DateTimeField(_("on site at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_note = models.TextField(_("what was done"), blank=True)
    parts = models.TextField(_("parts and materials used"), blank=True)
    excused_at = models.DateTimeField(
        _("clocks excused at"),
        null=True,
        blank=True,
        help_text=_("The office excused the round's clocks (an upheld objection): they are not judged."),
    )
    excuse_reason = models.TextField(_("why the clocks were excused"), blank=True)
    response_escalated_at = models.DateTimeField(_("response clock escalated at"), null=True, blank=True)
    arrival_escalated_at = models.DateTimeField(_("arrival clock escalated at"), null=True, blank=True)
    completion_escalated_at = models.DateTimeField(_("completion clock escalated at"), null=True, blank=True)

    class Meta:
        ordering = ["order", "number"]
        verbose_name = _("work order round")
        verbose_name_plural = _("work order rounds")
        constraints = [
            unique("unique_number", "order", "number"),
            check("clocks_in_order", Q(response_due__lte=F("arrival_due")) & Q(arrival_due__lte=F("completion_due"))),
            check("completed_with_note", Q(completed_at__isnull=True) | ~Q(completion_note="")),
            check("excuse_has_reason", Q(excused_at__isnull=True) | ~Q(excuse_reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.number}"


class WorkOrderEvent(JobEvent):
    """The work order's timeline; ``public_note`` is what the requester reads on the tracking page."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        DISPATCHED = "dispatched", _("Sent to the service company")
        REASSIGNED = "reassigned", _("Reassigned to another contract")
        ACCEPTED = "accepted", pgettext_lazy("work order event", "Taken by the service company")
        DECLINED = "declined", _("Declined back to the office")
        ON_SITE = "on_site", _("Service company on site")
        COMPLETED = "completed", pgettext_lazy("work order event", "Completed by the service company")
        CONFIRMED = "confirmed", _("Confirmed fixed by the requester")
        NOT_FIXED = "not_fixed", _("Not fixed, says the requester")
        ESCALATED = "escalated", _("Clock passed: escalated to the office head")
        CALLBACK = "callback", _("Callback")
        REDO = "redo", _("Sent back for a redo")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        EXCUSED = "excused", _("Clocks excused by the office")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("work order"))
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    round_number = models.PositiveSmallIntegerField(_("round"), default=0)
    public_note = models.TextField(_("note for the requester"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)

    class Meta:
        ordering = ["order", "at", "pk"]
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")

    @property
    def public_text(self) -> str:
        """What the requester reads: a person's words, or the product's own for the event, in the reader's
        language."""
        if self.public_note:
            return self.public_note
        text = SYSTEM_TEXTS.get(self.kind)
        return str(text) if text is not None else ""


#: what the product itself tells the requester on an event it records (stored as the event's kind, put into words
#: in the reader's language when shown: a requester reading in English sees no Chinese of ours)
SYSTEM_TEXTS = {
    WorkOrderEvent.Kind.RECEIVED: _("We have received your request."),
    WorkOrderEvent.Kind.DISPATCHED: _("Passed to the service company."),
    WorkOrderEvent.Kind.ACCEPTED: _("The service company has taken your request."),
    WorkOrderEvent.Kind.ON_SITE: _("The service company is on site."),
    WorkOrderEvent.Kind.CONFIRMED: _("Confirmed fixed."),
    WorkOrderEvent.Kind.REDO: _("Sent back to the service company to be put right."),
}


class WorkOrderPhoto(JobPhoto):
    class Stage(models.TextChoices):
        REPORT = "report", _("From the requester")
        COMPLETION = "completion", _("Completion evidence")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("work order"))
    round_number = models.PositiveSmallIntegerField(_("round"), default=0)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    image = photo_field("workorders")

    class Meta:
        ordering = ["order", "uploaded_at", "pk"]
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")


class Callback(models.Model):
    """The office's call back (回访) after a job is closed: one per closed round of a complaint or a work order.
    "Not satisfied" sends the job back to the same vendor with the reason (redo until the standard is met)."""

    complaint = optional_ref(
        "inspections.Complaint", _("complaint"), on_delete=models.CASCADE, related_name="callbacks"
    )
    work_order = optional_ref(WorkOrder, _("work order"), on_delete=models.CASCADE, related_name="callbacks")
    number = models.PositiveSmallIntegerField(_("callback"), default=1)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="+", verbose_name=_("contract")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_on = models.DateField(_("call back by"))
    result = models.CharField(_("result"), max_length=14, choices=CallbackResult.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(_("called at"), null=True, blank=True, db_index=True)
    done_by = user_ref(_("called by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        constraints = [
            check(
                "one_job",
                Q(complaint__isnull=False, work_order__isnull=True)
                | Q(complaint__isnull=True, work_order__isnull=False),
            ),
            unique("one_per_complaint_round", "complaint", "number", condition=Q(complaint__isnull=False)),
            unique("one_per_order_round", "work_order", "number", condition=Q(work_order__isnull=False)),
            check("done_has_result", Q(result="", done_at__isnull=True) | (~Q(result="") & Q(done_at__isnull=False))),
            check("not_satisfied_has_reason", ~Q(result=CallbackResult.NOT_SATISFIED) | ~Q(note="")),
        ]

    def __str__(self) -> str:
        job = (self.complaint_id and f"TS-{self.complaint_id:06d}") or f"GD-{self.work_order_id:06d}"
        return f"{job} · {self.number}"

    @property
    def job(self):
        return self.complaint if self.complaint_id else self.work_order
